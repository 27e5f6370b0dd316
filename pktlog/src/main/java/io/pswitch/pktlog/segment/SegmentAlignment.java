package io.pswitch.pktlog.segment;

import java.nio.file.Path;

/**
 * Where chunks go and what buffers direct I/O takes on the segments' file system: from {@code statx}
 * {@code STATX_DIOALIGN} (4096 assumed when the file system does not report it) and the file
 * system's block size ({@code stx_blksize}).
 *
 * <p>Chunks are placed on block boundaries, not merely on the DIO alignment: ext4 accepts a
 * 512-aligned direct write, but one that starts or ends inside a 4 KiB block is "unaligned I/O" to
 * it (serialised against other direct I/O of the inode, the partial blocks zeroed first). Measured
 * on the virtio disk here (BENCHMARKS.md, "chunks on block boundaries"): 2 MiB O_DIRECT writes at
 * 512-aligned offsets 600-800 MB/s, at 4 KiB-aligned ones 0.93-1.08 GB/s. Only placement changes:
 * the device still writes 512-byte sectors, which is what the power-loss model assumes.
 *
 * @param chunk file offsets and lengths of every chunk: max(512, the DIO offset alignment, the block
 *     size when it is a power of two of at most {@link #MAX_CHUNK_ALIGNMENT})
 * @param memory buffer addresses: a pool buffer not aligned to it is copied into the chunk instead
 *     of gathered
 * @param reported whether the file system reported STATX_DIOALIGN
 * @param frame what a gathered frame's length is rounded up to inside a chunk: max(512, the DIO
 *     offset alignment); divides {@code chunk}
 */
public record SegmentAlignment(int chunk, int memory, boolean reported, int frame) {
    /**
     * The largest chunk alignment a segment header may record (recovery refuses larger ones); a
     * file system reporting a larger block (some network file systems report 1 MiB) gets its DIO
     * alignment only.
     */
    static final int MAX_CHUNK_ALIGNMENT = 65536;

    static SegmentAlignment of(NativeIo.DioAlignment dio) {
        int block = dio.blockSize();
        boolean usable = block >= 512 && block <= MAX_CHUNK_ALIGNMENT && Integer.bitCount(block) == 1;
        int frame = Math.max(512, dio.offsetAlign());
        int chunk = Math.max(frame, usable ? block : 0);
        return new SegmentAlignment(chunk, Math.max(8, dio.memAlign()), dio.reported(), frame);
    }

    /** The alignments of new segments in {@code dir} (a probe file is created and removed there). */
    static SegmentAlignment of(NativeIo io, Path dir) {
        return of(io.dioAlignment(dir));
    }
}

package io.pswitch.pktlog.segment;

/**
 * The alignments direct I/O needs on the segments' file system, from {@code statx}
 * {@code STATX_DIOALIGN} (4096 assumed when the file system does not report them).
 *
 * @param chunk file offsets and lengths of every write: max(512, the offset alignment)
 * @param memory buffer addresses: a pool buffer not aligned to it is copied into the chunk instead
 *     of gathered
 * @param reported whether the file system reported STATX_DIOALIGN
 */
public record SegmentAlignment(int chunk, int memory, boolean reported) {
    static SegmentAlignment of(NativeIo.DioAlignment dio) {
        return new SegmentAlignment(Math.max(512, dio.offsetAlign()), Math.max(8, dio.memAlign()), dio.reported());
    }
}

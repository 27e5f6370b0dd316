package io.pswitch.pktlog.segment;

import static io.pswitch.pktlog.segment.SegmentDescriptor.LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Builds one chunk ({@link ChunkDescriptor}) in memory for one gathered write: descriptors and
 * small frames are copied into an aligned native record area; each large frame becomes an iovec
 * that points into its pool buffer, so its bytes reach the disk without a CPU copy.
 *
 * <p>Owned by the drain thread. Nothing here allocates after construction. The pool buffers of
 * gathered frames must stay untouched until the chunk is written (the drain lets the hot tier free
 * them only once their chunk's write returned, or once it is durable: see {@code TieredRetention}).
 */
final class ChunkStager {
    private final int alignment;
    private final int frameAlign;
    private final int memAlign;
    private final int chunkBytes;
    private final int packThreshold;
    private final boolean direct;
    private final MemorySegment area;
    private final MemorySegment iov;
    /** Zeros that pad the gathered area to the chunk alignment (the last iovec). */
    private final MemorySegment pad;
    private final Crc32c crc = new Crc32c();

    private int count;
    private int areaEnd = ChunkDescriptor.HEADER_SIZE;
    private long gatheredBytes;
    private int iovCount = 1;
    /** 1 when {@link #finish} appended the pad iovec. */
    private int padIov;
    private long firstSeq;
    private long lastSeq;
    private long firstTs;
    private long lastTs;
    private int packedRecords;

    /**
     * @param alignment chunk alignment A (offsets and lengths of chunks, the record area)
     * @param frameAlign what a gathered frame's iovec length is rounded up to: the direct-I/O
     *     alignment (512 here), which may be finer than A (the block size); the gathered area is
     *     padded to A with zeros at its end, so a 9000-byte jumbo frame costs 9216 bytes, not 12288
     * @param memAlign buffer address alignment for direct I/O
     * @param direct whether the file is open with {@code O_DIRECT}; without it any frame may be gathered
     */
    ChunkStager(Arena arena, int alignment, int frameAlign, int memAlign, int chunkBytes, int packThreshold, boolean direct) {
        if (frameAlign > alignment || alignment % frameAlign != 0) {
            throw new IllegalArgumentException("frame alignment " + frameAlign + " must divide the chunk alignment " + alignment);
        }
        this.alignment = alignment;
        this.frameAlign = frameAlign;
        this.memAlign = memAlign;
        this.chunkBytes = chunkBytes;
        this.packThreshold = packThreshold;
        this.direct = direct;
        this.area = arena.allocate(chunkBytes, Math.max(4096, memAlign));
        this.iov = arena.allocate((long) NativeIo.IOV_MAX * NativeIo.IOVEC_SIZE, 8);
        this.pad = arena.allocate(alignment, Math.max(4096, memAlign));
    }

    /**
     * Stages one record; false when it does not fit (the caller writes the chunk and retries).
     * A record always fits in an empty chunk.
     */
    boolean add(long seq, long tsNs, int ingressPort, int decision, long filterMask, int firstFilterId, int wireLength,
                int storedLength, long tunnel, MemorySegment src, long srcOffset) {
        long rounded = SegmentDescriptor.align(storedLength, frameAlign);
        boolean gather = storedLength > packThreshold && gatherable(src, srcOffset, rounded);
        int recBytes = ChunkDescriptor.recordAreaBytes(!gather, storedLength);
        long newArea = areaEnd + recBytes;
        long total = SegmentDescriptor.align(newArea, alignment)
                + SegmentDescriptor.align(gatheredBytes + (gather ? rounded : 0), alignment);
        // One iovec stays free for the pad.
        if (count > 0 && (total > chunkBytes || (gather && iovCount == NativeIo.IOV_MAX - 1))) {
            return false;
        }
        int at = areaEnd;
        int dataOffset;
        if (gather) {
            dataOffset = (int) gatheredBytes;
            long base = iovCount * (long) NativeIo.IOVEC_SIZE;
            iov.set(ValueLayout.JAVA_LONG, base, src.address() + srcOffset);
            iov.set(ValueLayout.JAVA_LONG, base + 8, rounded);
            iovCount++;
            gatheredBytes += rounded;
        } else {
            dataOffset = at + ChunkDescriptor.RECORD_SIZE;
            if (storedLength > 0) {
                // Zero the last word first so the pad bytes after the frame are never stale.
                area.set(LONG, at + recBytes - 8, 0L);
                MemorySegment.copy(src, srcOffset, area, dataOffset, storedLength);
            }
            packedRecords++;
        }
        ChunkDescriptor.writeRecord(area, at, seq, tsNs, filterMask, tunnel, ingressPort, decision, firstFilterId, gather,
                wireLength, storedLength, dataOffset);
        crc.reset();
        crc.update(area, at, ChunkDescriptor.RECORD_CRC_COVERED);
        if (gather) {
            crc.update(src, srcOffset, storedLength);
        } else {
            crc.update(area, dataOffset, storedLength);
        }
        area.set(SegmentDescriptor.INT, at + ChunkDescriptor.RECORD_CRC_OFFSET, crc.value());
        areaEnd = (int) newArea;
        if (count == 0) {
            firstSeq = seq;
            firstTs = tsNs;
        }
        lastSeq = seq;
        lastTs = tsNs;
        count++;
        return true;
    }

    /**
     * Direct I/O needs the buffer's address aligned and its rounded length readable: a frame whose
     * buffer does not qualify (small pool buffers, a heap segment) is copied instead.
     */
    private boolean gatherable(MemorySegment src, long srcOffset, long rounded) {
        if (!src.isNative() || srcOffset + rounded > src.byteSize()) {
            return false;
        }
        return !direct || ((src.address() + srcOffset) & (memAlign - 1)) == 0;
    }

    /**
     * Completes the staged chunk for offset {@code chunkOffset}: pads the record area, writes the
     * header and its CRC, points the first iovec at the record area.
     *
     * @return the chunk's length (a multiple of the alignment)
     */
    long finish(int epoch, long chunkOffset, boolean restart) {
        int gatheredOffset = (int) SegmentDescriptor.align(areaEnd, alignment);
        for (int p = areaEnd; p < gatheredOffset; p += 8) {
            area.set(LONG, p, 0L);
        }
        long gatheredEnd = SegmentDescriptor.align(gatheredBytes, alignment);
        long length = gatheredOffset + gatheredEnd;
        padIov = 0;
        if (gatheredEnd > gatheredBytes) {
            long base = iovCount * (long) NativeIo.IOVEC_SIZE;
            iov.set(ValueLayout.JAVA_LONG, base, pad.address());
            iov.set(ValueLayout.JAVA_LONG, base + 8, gatheredEnd - gatheredBytes);
            padIov = 1;
        }
        ChunkDescriptor.writeHeader(area, 0, epoch, (int) length, count, chunkOffset, firstSeq, firstTs, lastTs,
                gatheredOffset, restart ? ChunkDescriptor.FLAG_RESTART : 0);
        area.set(SegmentDescriptor.INT, ChunkDescriptor.HEADER_CRC_OFFSET,
                crc.of(area, 0, ChunkDescriptor.HEADER_CRC_COVERED));
        iov.set(ValueLayout.JAVA_LONG, 0, area.address());
        iov.set(ValueLayout.JAVA_LONG, 8, (long) gatheredOffset);
        return length;
    }

    /** Length the staged chunk will have; 0 when empty. */
    long stagedLength() {
        return count == 0 ? 0 : SegmentDescriptor.align(areaEnd, alignment) + SegmentDescriptor.align(gatheredBytes, alignment);
    }

    void reset() {
        count = 0;
        areaEnd = ChunkDescriptor.HEADER_SIZE;
        gatheredBytes = 0;
        iovCount = 1;
        padIov = 0;
        packedRecords = 0;
    }

    MemorySegment iov() {
        return iov;
    }

    /** The iovecs of the finished chunk: the record area, the gathered frames, the pad. */
    int iovCount() {
        return iovCount + padIov;
    }

    int count() {
        return count;
    }

    long firstSeq() {
        return firstSeq;
    }

    long lastSeq() {
        return lastSeq;
    }

    long firstTs() {
        return firstTs;
    }

    long lastTs() {
        return lastTs;
    }

    int packedRecords() {
        return packedRecords;
    }

    /** The staged record area (for tests and the power-loss model). */
    MemorySegment area() {
        return area;
    }

    static long iovBase(MemorySegment iov, int i) {
        return iov.get(ValueLayout.JAVA_LONG, (long) i * NativeIo.IOVEC_SIZE);
    }

    static long iovLength(MemorySegment iov, int i) {
        return iov.get(ValueLayout.JAVA_LONG, (long) i * NativeIo.IOVEC_SIZE + 8);
    }
}

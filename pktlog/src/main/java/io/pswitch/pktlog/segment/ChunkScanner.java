package io.pswitch.pktlog.segment;

import java.lang.foreign.MemorySegment;

/**
 * Loads one chunk of a segment image and judges it ({@link ChunkStatus}): header, layout, chain
 * rules (epoch, sequence) and every record's CRC. Shared by recovery (a chunk is all or nothing)
 * and readers (which may deliver the good records of a damaged chunk in a sealed segment).
 *
 * <p>One instance per thread; it keeps its buffer between chunks.
 */
final class ChunkScanner {
    /** Stored lengths above this are impossible (the pool's largest buffer). */
    static final int MAX_STORED = 16 * 1024;
    /** Chunks above this are refused as damage before anything is allocated for them. */
    static final int MAX_CHUNK = 256 << 20;

    private final Crc32c crc = new Crc32c();
    private byte[] bytes = new byte[1 << 16];
    private MemorySegment buf = MemorySegment.ofArray(bytes);
    private int[] recordAt = new int[256];

    private long offset;
    private int length;
    private int count;
    private int gatheredOffset;

    /**
     * Reads and checks the chunk at {@code offset}: header CRC, its own offset, length and layout,
     * that the file holds it. Records are not checked yet ({@link #verifyRecords}).
     *
     * @param limit where chunks must end (the footer's offset)
     */
    ChunkStatus load(SegmentImage image, long offset, long limit, int alignment) {
        ChunkStatus st = loadHeader(image, offset, limit, alignment);
        return st == ChunkStatus.VALID ? loadBody(image) : st;
    }

    /**
     * Reads and checks only the chunk's header (readers step over chunks before their time range
     * this way); {@link #loadBody} reads the rest.
     */
    ChunkStatus loadHeader(SegmentImage image, long offset, long limit, int alignment) {
        this.offset = offset;
        this.count = 0;
        if (offset + alignment > limit) {
            return ChunkStatus.SEGMENT_FULL;
        }
        int n = image.read(offset, buf, 0, ChunkDescriptor.HEADER_SIZE);
        if (n < ChunkDescriptor.HEADER_SIZE) {
            return n == 0 ? ChunkStatus.END : ChunkStatus.TRUNCATED;
        }
        if (ChunkDescriptor.magic(buf, 0) != ChunkDescriptor.MAGIC) {
            return allZero(ChunkDescriptor.HEADER_SIZE) ? ChunkStatus.END : ChunkStatus.BAD_MAGIC;
        }
        if (crc.of(buf, 0, ChunkDescriptor.HEADER_CRC_COVERED) != ChunkDescriptor.headerCrc(buf, 0)) {
            return ChunkStatus.BAD_HEADER_CRC;
        }
        if (ChunkDescriptor.chunkOffset(buf, 0) != offset) {
            return ChunkStatus.MISPLACED;
        }
        long len = ChunkDescriptor.length(buf, 0) & 0xffff_ffffL;
        int c = ChunkDescriptor.count(buf, 0);
        int g = ChunkDescriptor.gatheredOffset(buf, 0);
        if (len < alignment || len % alignment != 0 || len > MAX_CHUNK || offset + len > limit
                || c < 1 || g < ChunkDescriptor.HEADER_SIZE + ChunkDescriptor.RECORD_SIZE || g % alignment != 0 || g > len
                || (long) c * ChunkDescriptor.RECORD_SIZE > g) {
            return ChunkStatus.BAD_LENGTH;
        }
        length = (int) len;
        count = c;
        gatheredOffset = g;
        return ChunkStatus.VALID;
    }

    /** Reads the rest of the chunk whose header {@link #loadHeader} accepted. */
    ChunkStatus loadBody(SegmentImage image) {
        ensure(length, count);
        int n = image.read(offset + ChunkDescriptor.HEADER_SIZE, buf, ChunkDescriptor.HEADER_SIZE, length - ChunkDescriptor.HEADER_SIZE);
        if (n < length - ChunkDescriptor.HEADER_SIZE) {
            return ChunkStatus.TRUNCATED;
        }
        return ChunkStatus.VALID;
    }

    /**
     * The chain rules: a chunk whose first sequence is below the segment's first is the file's
     * previous content (END); an epoch older than the chain's, or a first sequence that does not
     * follow {@code expectedSeq} (0: anything goes, the log is empty) unless the chunk declares a
     * restart past it, is damage.
     */
    ChunkStatus follows(long expectedSeq, int chainEpoch, long segmentFirstSeq) {
        if (firstSeq() < segmentFirstSeq) {
            // Left from the file's previous use (a recycled segment): where this segment's chunks end.
            return ChunkStatus.END;
        }
        if (Integer.compareUnsigned(epoch(), chainEpoch) < 0) {
            return ChunkStatus.STALE_EPOCH;
        }
        long first = firstSeq();
        if (expectedSeq != 0 && first != expectedSeq
                && !((ChunkDescriptor.flags(buf, 0) & ChunkDescriptor.FLAG_RESTART) != 0 && first > expectedSeq)) {
            return ChunkStatus.SEQ_GAP;
        }
        return ChunkStatus.VALID;
    }

    /**
     * Walks the records: structure first (a torn descriptor makes the rest unreadable), then each
     * CRC. Returns VALID, TORN_RECORD or BAD_RECORD_CRC (the first problem); {@link #recordOk}
     * then tells which records verified.
     */
    ChunkStatus verifyRecords() {
        int at = ChunkDescriptor.HEADER_SIZE;
        long first = firstSeq();
        ChunkStatus status = ChunkStatus.VALID;
        for (int i = 0; i < count; i++) {
            if (at + ChunkDescriptor.RECORD_SIZE > gatheredOffset) {
                return ChunkStatus.TORN_RECORD;
            }
            long seq = ChunkDescriptor.seq(buf, at);
            int stored = ChunkDescriptor.storedLength(buf, at);
            int wire = ChunkDescriptor.wireLength(buf, at);
            boolean gathered = ChunkDescriptor.gathered(buf, at);
            int data = ChunkDescriptor.dataOffset(buf, at);
            boolean whole = seq == first + i && ChunkDescriptor.seqEcho(buf, at) == (int) seq
                    && stored >= 0 && stored <= MAX_STORED && wire >= stored
                    && (ChunkDescriptor.recordFlags(buf, at) & ~ChunkDescriptor.FLAG_GATHERED) == 0;
            int recBytes = ChunkDescriptor.recordAreaBytes(!gathered, Math.max(0, stored));
            if (whole) {
                whole = gathered
                        ? data >= 0 && (long) gatheredOffset + data + stored <= length
                        : data == at + ChunkDescriptor.RECORD_SIZE && at + recBytes <= gatheredOffset;
            }
            if (!whole) {
                return ChunkStatus.TORN_RECORD;
            }
            long dataAt = gathered ? (long) gatheredOffset + data : data;
            crc.reset();
            crc.update(buf, at, ChunkDescriptor.RECORD_CRC_COVERED);
            crc.update(buf, dataAt, stored);
            if (crc.value() != ChunkDescriptor.recordCrc(buf, at)) {
                recordAt[i] = -at;
                if (status == ChunkStatus.VALID) {
                    status = ChunkStatus.BAD_RECORD_CRC;
                }
            } else {
                recordAt[i] = at;
            }
            at += recBytes;
        }
        long lastRecordTs = ChunkDescriptor.tsNs(buf, Math.abs(recordAt[count - 1]));
        if (ChunkDescriptor.tsNs(buf, Math.abs(recordAt[0])) != firstTs() || lastRecordTs != lastTs()) {
            return ChunkStatus.TORN_RECORD;
        }
        return status;
    }

    private boolean allZero(int n) {
        for (int i = 0; i < n; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private void ensure(int len, int records) {
        if (bytes.length < len) {
            // The header is already in the buffer: keep it.
            bytes = java.util.Arrays.copyOf(bytes, Math.max(len, bytes.length * 2));
            buf = MemorySegment.ofArray(bytes);
        }
        if (recordAt.length < records) {
            recordAt = new int[Math.max(records, recordAt.length * 2)];
        }
    }

    /** The loaded chunk's bytes, from offset 0. */
    MemorySegment buffer() {
        return buf;
    }

    /** Whether record {@code i} verified (after {@link #verifyRecords}). */
    boolean recordOk(int i) {
        return recordAt[i] > 0;
    }

    /** Offset of record {@code i}'s descriptor in {@link #buffer()}. */
    int recordAt(int i) {
        return Math.abs(recordAt[i]);
    }

    /** Offset of record {@code i}'s stored bytes in {@link #buffer()}. */
    long dataAt(int i) {
        int at = recordAt(i);
        int data = ChunkDescriptor.dataOffset(buf, at);
        return ChunkDescriptor.gathered(buf, at) ? (long) gatheredOffset + data : data;
    }

    long offset() {
        return offset;
    }

    int length() {
        return length;
    }

    int count() {
        return count;
    }

    int epoch() {
        return ChunkDescriptor.epoch(buf, 0);
    }

    long firstSeq() {
        return ChunkDescriptor.firstSeq(buf, 0);
    }

    long lastSeq() {
        return firstSeq() + count - 1;
    }

    long firstTs() {
        return ChunkDescriptor.firstTs(buf, 0);
    }

    long lastTs() {
        return ChunkDescriptor.lastTs(buf, 0);
    }
}

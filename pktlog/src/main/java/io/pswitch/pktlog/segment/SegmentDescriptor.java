package io.pswitch.pktlog.segment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * Layout of one segment file {@code seg-<20-digit number>.pswseg} and of its header, sparse time
 * index and footer. Chunks and records are in {@link ChunkDescriptor}.
 *
 * <pre>
 *  offset 0            4096 (chunk alignment A: see below)
 *  +-------------------+---------+---------+-----+---------+-------------+------------+--------+
 *  | header (4096 B)   | chunk 0 | chunk 1 | ... | chunk n | time index  | (unused)   | footer |
 *  +-------------------+---------+---------+-----+---------+-------------+------------+--------+
 *                      each chunk starts at a multiple of A  ^ sealed only  size-4096 ^ 4096 B
 * </pre>
 *
 * The chunk alignment A is recorded in each header and read from there: a reader or recovery never
 * assumes it. Writers since 2026-12 use max(512, the STATX_DIOALIGN offset alignment, the file
 * system's block size) ({@link SegmentAlignment}: 4096 on ext4), earlier ones max(512, the DIO
 * offset alignment) (512 on this disk); both are valid, and a log may hold segments of each. A
 * crash image is still modelled per 512-byte sector whatever A is.
 *
 * <p>Header (first sector of the first 4096 bytes; written once, in one aligned write, and
 * fdatasynced before any chunk):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Magic "PSWSEG\0\1" (8 bytes: 50 53 57 53 45 47 00 01)  |  0
 *  +---------------------------------------------------------------+
 *  |                          Version (1)                          |  8
 *  +---------------------------------------------------------------+
 *  |                    Header length (4096)                       | 12
 *  +---------------------------------------------------------------+
 *  |          Log id: UUID, most then least significant long        | 16
 *  |                          (16 bytes)                           |
 *  +---------------------------------------------------------------+
 *  |                    Segment number (long)                      | 32
 *  +---------------------------------------------------------------+
 *  |               Segment size, bytes (long)                      | 40
 *  +---------------------------------------------------------------+
 *  |           First sequence of the segment (long)                | 48
 *  +---------------------------------------------------------------+
 *  |          Timestamp of the first record, epoch ns (long)       | 56
 *  +---------------------------------------------------------------+
 *  |              Created, wall clock epoch ns (long)              | 64
 *  +---------------------------------------------------------------+
 *  |                  Chunk alignment A (int)                      | 72
 *  +---------------------------------------------------------------+
 *  |     Flags (int): bit 0 RECYCLED (the file held an older       | 76
 *  |     segment: bytes past the last chunk are its leftovers)     |
 *  +---------------------------------------------------------------+
 *  |                  CRC32C of bytes 0..79                        | 80
 *  +---------------------------------------------------------------+
 * </pre>
 * (long fields are 8 bytes, drawn as one row.) Every field lives in the first 512-byte sector, so
 * a crash while the header is written leaves it all new, all zero (a fallocated file) or all old (a
 * recycled file: the older segment's header, whose number is below the file's name): both of the
 * latter are a segment whose creation never finished (recovery removes it when it is the newest);
 * anything else that does not validate is damage or a foreign file.
 *
 * <p>Sparse time index (sealed segments), at the first multiple of A after the last chunk: one
 * 32-byte entry per {@link #INDEX_SPACING} bytes of chunks (the first chunk, then the first chunk
 * starting at least that far past the previous entry), in chunk order:
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                  Chunk offset in the segment (long)           |  0
 *  |                  First sequence of the chunk (long)           |  8
 *  |                  First timestamp of the chunk, ns (long)      | 16
 *  |                  Reserved, zero (long)                        | 24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Footer (sealed segments), in the first sector of the last 4096 bytes; written after the index,
 * then fdatasynced before the next segment is created:
 * <pre>
 *  +---------------------------------------------------------------+
 *  |          Magic "PSWSEAL\1" (8 bytes: 50 53 57 53 45 41 4c 01)   |  0
 *  |                  Index offset (long)                          |  8
 *  +-------------------------------+-------------------------------+
 *  |     Index entry count (int)   |   Epoch of the last chunk     | 16
 *  +-------------------------------+-------------------------------+
 *  |              End of the last chunk, offset (long)             | 24
 *  |                  Record count (long)                          | 32
 *  |                  First sequence (long)                        | 40
 *  |                  Last sequence (long)                         | 48
 *  |                  First timestamp, ns (long)                   | 56
 *  |                  Last timestamp, ns (long)                    | 64
 *  |     Segment number (long): binds the footer to its header      | 72
 *  +-------------------------------+-------------------------------+
 *  |        Reserved, zero (int)   | CRC32C of index + bytes 0..83 | 80
 *  +-------------------------------+-------------------------------+
 * </pre>
 * The segment number in the footer makes a footer left in a reused file (a segment file recycled
 * under a new number, see {@link SegmentConfig#recycle}) fail verification. What else keeps a
 * recycled file's leftovers (its older segment's chunks, CRCs valid) out of the new segment: a
 * chunk names its own offset, and its first sequence must not be below the header's first sequence
 * (an older segment of the same log holds only lower sequences): such a chunk ends the walk
 * ({@code ChunkScanner.follows}), it is never a record.
 * All integers are little-endian.
 */
public final class SegmentDescriptor {
    public static final String FILE_PREFIX = "seg-";
    public static final String FILE_SUFFIX = ".pswseg";
    /** Segments recovery set aside (foreign, damaged header, unknown version) get this suffix appended. */
    public static final String REFUSED_SUFFIX = ".refused";

    public static final long MAGIC = 0x0100_4745_5357_5350L; // "PSWSEG\0\1" read little-endian
    public static final int VERSION = 1;
    public static final int HEADER_SIZE = 4096;
    public static final int FOOTER_SIZE = 4096;
    /** Segment sizes are multiples of this (and at least one). */
    public static final long SIZE_UNIT = 1L << 20;
    public static final long INDEX_SPACING = 64 * 1024;
    public static final int INDEX_ENTRY_SIZE = 32;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int LOG_ID_OFFSET = 16;
    public static final int SEGMENT_NUMBER_OFFSET = 32;
    public static final int SEGMENT_SIZE_OFFSET = 40;
    public static final int FIRST_SEQ_OFFSET = 48;
    public static final int FIRST_TS_OFFSET = 56;
    public static final int CREATED_OFFSET = 64;
    public static final int ALIGNMENT_OFFSET = 72;
    public static final int HEADER_FLAGS_OFFSET = 76;
    public static final int HEADER_CRC_OFFSET = 80;
    public static final int HEADER_FIELDS = 84;
    public static final int FLAG_RECYCLED = 1;

    public static final int ENTRY_CHUNK_OFFSET = 0;
    public static final int ENTRY_FIRST_SEQ = 8;
    public static final int ENTRY_FIRST_TS = 16;

    public static final long FOOTER_MAGIC = 0x014c_4145_5357_5350L; // "PSWSEAL\1"
    public static final int FOOTER_MAGIC_OFFSET = 0;
    public static final int FOOTER_INDEX_OFFSET = 8;
    public static final int FOOTER_ENTRY_COUNT = 16;
    public static final int FOOTER_EPOCH = 20;
    public static final int FOOTER_CHUNKS_END = 24;
    public static final int FOOTER_RECORD_COUNT = 32;
    public static final int FOOTER_FIRST_SEQ = 40;
    public static final int FOOTER_LAST_SEQ = 48;
    public static final int FOOTER_FIRST_TS = 56;
    public static final int FOOTER_LAST_TS = 64;
    public static final int FOOTER_SEGMENT_NUMBER = 72;
    public static final int FOOTER_CRC_OFFSET = 84;
    public static final int FOOTER_FIELDS = 88;

    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SegmentDescriptor() {
    }

    private static final NumberedFileName NAMES = new NumberedFileName(FILE_PREFIX, FILE_SUFFIX);

    public static String fileName(long segmentNumber) {
        return NAMES.of(segmentNumber);
    }

    /** The segment number of a file name, or -1 when it is not a segment's name. */
    public static long segmentNumber(String fileName) {
        return NAMES.numberOf(fileName);
    }

    /** Offset of the footer in a segment of {@code segmentSize} bytes. */
    public static long footerOffset(long segmentSize) {
        return segmentSize - FOOTER_SIZE;
    }

    /** Bytes the index takes for {@code entries} entries, rounded up to {@code alignment}. */
    public static long indexBytes(int entries, int alignment) {
        return align((long) entries * INDEX_ENTRY_SIZE, alignment);
    }

    public static long align(long value, int alignment) {
        return (value + alignment - 1) & -(long) alignment;
    }

    /** Writes the header fields (everything but the CRC; see {@link Crc32c}). */
    static void writeHeader(MemorySegment h, UUID logId, long segmentNumber, long segmentSize, long firstSeq,
                            long firstTsNs, long createdNs, int alignment, int flags) {
        h.set(LONG, MAGIC_OFFSET, MAGIC);
        h.set(INT, VERSION_OFFSET, VERSION);
        h.set(INT, HEADER_LENGTH_OFFSET, HEADER_SIZE);
        h.set(LONG, LOG_ID_OFFSET, logId.getMostSignificantBits());
        h.set(LONG, LOG_ID_OFFSET + 8, logId.getLeastSignificantBits());
        h.set(LONG, SEGMENT_NUMBER_OFFSET, segmentNumber);
        h.set(LONG, SEGMENT_SIZE_OFFSET, segmentSize);
        h.set(LONG, FIRST_SEQ_OFFSET, firstSeq);
        h.set(LONG, FIRST_TS_OFFSET, firstTsNs);
        h.set(LONG, CREATED_OFFSET, createdNs);
        h.set(INT, ALIGNMENT_OFFSET, alignment);
        h.set(INT, HEADER_FLAGS_OFFSET, flags);
    }

    public static long magic(MemorySegment h) {
        return h.get(LONG, MAGIC_OFFSET);
    }

    public static int version(MemorySegment h) {
        return h.get(INT, VERSION_OFFSET);
    }

    public static int headerLength(MemorySegment h) {
        return h.get(INT, HEADER_LENGTH_OFFSET);
    }

    public static UUID logId(MemorySegment h) {
        return new UUID(h.get(LONG, LOG_ID_OFFSET), h.get(LONG, LOG_ID_OFFSET + 8));
    }

    public static long segmentNumber(MemorySegment h) {
        return h.get(LONG, SEGMENT_NUMBER_OFFSET);
    }

    public static long segmentSize(MemorySegment h) {
        return h.get(LONG, SEGMENT_SIZE_OFFSET);
    }

    public static long firstSeq(MemorySegment h) {
        return h.get(LONG, FIRST_SEQ_OFFSET);
    }

    public static long firstTsNs(MemorySegment h) {
        return h.get(LONG, FIRST_TS_OFFSET);
    }

    public static long createdNs(MemorySegment h) {
        return h.get(LONG, CREATED_OFFSET);
    }

    public static int alignment(MemorySegment h) {
        return h.get(INT, ALIGNMENT_OFFSET);
    }

    public static int headerFlags(MemorySegment h) {
        return h.get(INT, HEADER_FLAGS_OFFSET);
    }

    public static boolean recycled(MemorySegment h) {
        return (headerFlags(h) & FLAG_RECYCLED) != 0;
    }

    public static int headerCrc(MemorySegment h) {
        return h.get(INT, HEADER_CRC_OFFSET);
    }

    static void writeIndexEntry(MemorySegment index, int entry, long chunkOffset, long firstSeq, long firstTsNs) {
        long at = (long) entry * INDEX_ENTRY_SIZE;
        index.set(LONG, at + ENTRY_CHUNK_OFFSET, chunkOffset);
        index.set(LONG, at + ENTRY_FIRST_SEQ, firstSeq);
        index.set(LONG, at + ENTRY_FIRST_TS, firstTsNs);
        index.set(LONG, at + 24, 0L);
    }

    public static long entryChunkOffset(MemorySegment index, int entry) {
        return index.get(LONG, (long) entry * INDEX_ENTRY_SIZE + ENTRY_CHUNK_OFFSET);
    }

    public static long entryFirstSeq(MemorySegment index, int entry) {
        return index.get(LONG, (long) entry * INDEX_ENTRY_SIZE + ENTRY_FIRST_SEQ);
    }

    public static long entryFirstTs(MemorySegment index, int entry) {
        return index.get(LONG, (long) entry * INDEX_ENTRY_SIZE + ENTRY_FIRST_TS);
    }

    static void writeFooter(MemorySegment f, long segmentNumber, long indexOffset, int entries, int epoch, long chunksEnd,
                            long records, long firstSeq, long lastSeq, long firstTsNs, long lastTsNs) {
        f.set(LONG, FOOTER_MAGIC_OFFSET, FOOTER_MAGIC);
        f.set(LONG, FOOTER_INDEX_OFFSET, indexOffset);
        f.set(INT, FOOTER_ENTRY_COUNT, entries);
        f.set(INT, FOOTER_EPOCH, epoch);
        f.set(LONG, FOOTER_CHUNKS_END, chunksEnd);
        f.set(LONG, FOOTER_RECORD_COUNT, records);
        f.set(LONG, FOOTER_FIRST_SEQ, firstSeq);
        f.set(LONG, FOOTER_LAST_SEQ, lastSeq);
        f.set(LONG, FOOTER_FIRST_TS, firstTsNs);
        f.set(LONG, FOOTER_LAST_TS, lastTsNs);
        f.set(LONG, FOOTER_SEGMENT_NUMBER, segmentNumber);
        f.set(INT, 80, 0);
    }

    public static long footerMagic(MemorySegment f) {
        return f.get(LONG, FOOTER_MAGIC_OFFSET);
    }

    public static long footerIndexOffset(MemorySegment f) {
        return f.get(LONG, FOOTER_INDEX_OFFSET);
    }

    public static int footerEntryCount(MemorySegment f) {
        return f.get(INT, FOOTER_ENTRY_COUNT);
    }

    public static int footerEpoch(MemorySegment f) {
        return f.get(INT, FOOTER_EPOCH);
    }

    public static long footerChunksEnd(MemorySegment f) {
        return f.get(LONG, FOOTER_CHUNKS_END);
    }

    public static long footerRecordCount(MemorySegment f) {
        return f.get(LONG, FOOTER_RECORD_COUNT);
    }

    public static long footerFirstSeq(MemorySegment f) {
        return f.get(LONG, FOOTER_FIRST_SEQ);
    }

    public static long footerLastSeq(MemorySegment f) {
        return f.get(LONG, FOOTER_LAST_SEQ);
    }

    public static long footerFirstTs(MemorySegment f) {
        return f.get(LONG, FOOTER_FIRST_TS);
    }

    public static long footerLastTs(MemorySegment f) {
        return f.get(LONG, FOOTER_LAST_TS);
    }

    public static long footerSegmentNumber(MemorySegment f) {
        return f.get(LONG, FOOTER_SEGMENT_NUMBER);
    }

    public static int footerCrc(MemorySegment f) {
        return f.get(INT, FOOTER_CRC_OFFSET);
    }
}

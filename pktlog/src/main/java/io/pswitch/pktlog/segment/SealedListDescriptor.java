package io.pswitch.pktlog.segment;

import static io.pswitch.pktlog.segment.SegmentDescriptor.INT;
import static io.pswitch.pktlog.segment.SegmentDescriptor.LONG;

import java.lang.foreign.MemorySegment;
import java.util.UUID;

/**
 * Layout of {@code segments/sealed.pswlist}: what recovery needs of every sealed segment (the
 * summary its footer holds), so that opening the log reads this one file and the tail instead of
 * a header and a footer per segment: recovery takes the same time with 10 segments or 10,000.
 *
 * <p>The list is a cache, never the only copy: every entry repeats a footer that was durable
 * before the entry was written (an entry is appended after the seal's fdatasync), so a lost, torn
 * or stale entry costs only time (that segment's header and footer are read, as without a list).
 * Entries are independent (each has its CRC): a torn append leaves the others valid. Entries of
 * segments since deleted by retention are ignored (the directory listing is the truth of which
 * segments exist) and dropped when the writer rewrites the list at open (a new file, fsynced,
 * renamed over the old one).
 *
 * <p>Header (64 bytes at offset 0):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Magic "PSWSLST\1" (8 bytes: 50 53 57 53 4c 53 54 01)  |  0
 *  +---------------------------------------------------------------+
 *  |                          Version (1)                          |  8
 *  +---------------------------------------------------------------+
 *  |                       Reserved, zero (int)                    | 12
 *  +---------------------------------------------------------------+
 *  |                 Log id (UUID, 16 bytes)                       | 16
 *  +---------------------------------------------------------------+
 *  |                   Reserved, zero (28 bytes)                   | 32
 *  +---------------------------------------------------------------+
 *  |                  CRC32C of bytes 0..59                        | 60
 *  +---------------------------------------------------------------+
 * </pre>
 * Entries, {@link #ENTRY_SIZE} bytes each from offset {@link #HEADER_SIZE}, in the order the
 * segments were sealed (long fields drawn as one row):
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                  Segment number (long)                        |  0
 *  |                  Segment size, bytes (long)                   |  8
 *  |                  First sequence (long)                        | 16
 *  |                  Last sequence (long)                         | 24
 *  |                  First timestamp, ns (long)                   | 32
 *  |                  Last timestamp, ns (long)                    | 40
 *  |                  Record count (long)                          | 48
 *  |                  End of the last chunk, offset (long)         | 56
 *  +-------------------------------+-------------------------------+
 *  |     Epoch of the last chunk   |        Reserved, zero         | 64
 *  +-------------------------------+-------------------------------+
 *  |        Reserved, zero (int)   |  CRC32C of bytes 0..75        | 72
 *  +-------------------------------+-------------------------------+
 * </pre>
 * All integers are little-endian. The segment number binds an entry to one file name; numbers are
 * never reused (a new segment's number is past every name seen, in the directory and here).
 */
public final class SealedListDescriptor {
    public static final String FILE_NAME = "sealed.pswlist";
    public static final long MAGIC = 0x0154_534c_5357_5350L; // "PSWSLST\1"
    public static final int VERSION = 1;
    public static final int HEADER_SIZE = 64;
    public static final int ENTRY_SIZE = 80;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int LOG_ID_OFFSET = 16;
    public static final int HEADER_CRC_OFFSET = 60;

    public static final int NUMBER_OFFSET = 0;
    public static final int SIZE_OFFSET = 8;
    public static final int FIRST_SEQ_OFFSET = 16;
    public static final int LAST_SEQ_OFFSET = 24;
    public static final int FIRST_TS_OFFSET = 32;
    public static final int LAST_TS_OFFSET = 40;
    public static final int RECORDS_OFFSET = 48;
    public static final int CHUNKS_END_OFFSET = 56;
    public static final int EPOCH_OFFSET = 64;
    public static final int ENTRY_CRC_OFFSET = 76;

    private SealedListDescriptor() {
    }

    /** Offset of entry {@code i}. */
    public static long entryOffset(long i) {
        return HEADER_SIZE + i * ENTRY_SIZE;
    }

    static void writeHeader(MemorySegment h, UUID logId) {
        h.asSlice(0, HEADER_SIZE).fill((byte) 0);
        h.set(LONG, MAGIC_OFFSET, MAGIC);
        h.set(INT, VERSION_OFFSET, VERSION);
        h.set(LONG, LOG_ID_OFFSET, logId.getMostSignificantBits());
        h.set(LONG, LOG_ID_OFFSET + 8, logId.getLeastSignificantBits());
        h.set(INT, HEADER_CRC_OFFSET, new Crc32c().of(h, 0, HEADER_CRC_OFFSET));
    }

    static void writeEntry(MemorySegment e, long at, SegmentSummary s) {
        e.asSlice(at, ENTRY_SIZE).fill((byte) 0);
        e.set(LONG, at + NUMBER_OFFSET, s.number());
        e.set(LONG, at + SIZE_OFFSET, s.sizeBytes());
        e.set(LONG, at + FIRST_SEQ_OFFSET, s.firstSeq());
        e.set(LONG, at + LAST_SEQ_OFFSET, s.lastSeq());
        e.set(LONG, at + FIRST_TS_OFFSET, s.firstTsNs());
        e.set(LONG, at + LAST_TS_OFFSET, s.lastTsNs());
        e.set(LONG, at + RECORDS_OFFSET, s.records());
        e.set(LONG, at + CHUNKS_END_OFFSET, s.chunksEnd());
        e.set(INT, at + EPOCH_OFFSET, s.epoch());
        e.set(INT, at + ENTRY_CRC_OFFSET, new Crc32c().of(e, at, ENTRY_CRC_OFFSET));
    }

    public static long magic(MemorySegment h) {
        return h.get(LONG, MAGIC_OFFSET);
    }

    public static int version(MemorySegment h) {
        return h.get(INT, VERSION_OFFSET);
    }

    public static UUID logId(MemorySegment h) {
        return new UUID(h.get(LONG, LOG_ID_OFFSET), h.get(LONG, LOG_ID_OFFSET + 8));
    }

    public static int headerCrc(MemorySegment h) {
        return h.get(INT, HEADER_CRC_OFFSET);
    }

    public static long number(MemorySegment e, long at) {
        return e.get(LONG, at + NUMBER_OFFSET);
    }

    public static long size(MemorySegment e, long at) {
        return e.get(LONG, at + SIZE_OFFSET);
    }

    public static long firstSeq(MemorySegment e, long at) {
        return e.get(LONG, at + FIRST_SEQ_OFFSET);
    }

    public static long lastSeq(MemorySegment e, long at) {
        return e.get(LONG, at + LAST_SEQ_OFFSET);
    }

    public static long firstTs(MemorySegment e, long at) {
        return e.get(LONG, at + FIRST_TS_OFFSET);
    }

    public static long lastTs(MemorySegment e, long at) {
        return e.get(LONG, at + LAST_TS_OFFSET);
    }

    public static long records(MemorySegment e, long at) {
        return e.get(LONG, at + RECORDS_OFFSET);
    }

    public static long chunksEnd(MemorySegment e, long at) {
        return e.get(LONG, at + CHUNKS_END_OFFSET);
    }

    public static int epoch(MemorySegment e, long at) {
        return e.get(INT, at + EPOCH_OFFSET);
    }

    public static int entryCrc(MemorySegment e, long at) {
        return e.get(INT, at + ENTRY_CRC_OFFSET);
    }
}

package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Layout of the index file: a header page (identity, geometry, two retention blocks) followed by a
 * circular array of {@link IndexRecordDescriptor} records; sequence {@code s} lives in slot
 * {@code s % capacity}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Magic "PSWINDX\0" (8 bytes)                  |    0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Layout version (int)                      |    8
 *  +---------------------------------------------------------------+
 *  |                  Record size, bytes (int) = 64                |   12
 *  +---------------------------------------------------------------+
 *  |                  Capacity, records (int)                      |   16
 *  +---------------------------------------------------------------+
 *  |                     Reserved, zero (int)                      |   20
 *  +---------------------------------------------------------------+
 *  |        Pool id, UUID most significant (long): the only        |   24
 *  |        BufferPool this index may ever be attached to          |
 *  +---------------------------------------------------------------+
 *  |             Pool id, UUID least significant (long)            |   32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Created, epoch nanoseconds (long)             |   40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |               Header CRC32C of bytes 0..47 (int)              |   48
 *  +---------------------------------------------------------------+
 *  |                ... zero up to 64 ...                          |   52
 *  +---------------------------------------------------------------+
 *  |  Retention block A (one cache line):                          |   64
 *  |    generation (long) | oldest sequence (long) | CRC32C (int)  |
 *  +---------------------------------------------------------------+
 *  |  Retention block B: same layout                               |  128
 *  +---------------------------------------------------------------+
 *  |                ... zero up to RECORDS_OFFSET (4096) ...       |  192
 *  +---------------------------------------------------------------+
 *  |  record slot 0 | slot 1 | ... | slot capacity-1 (64 B each)   | 4096
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * All integers are little-endian.
 *
 * <p><b>The valid window.</b> Every sequence below the <em>oldest sequence</em> is retired. The
 * writer makes a new oldest sequence durable BEFORE it returns the retired buffers to the pool and
 * before it reuses their slots, so after any crash the records at or above the durable oldest
 * sequence still point at untouched buffers, and a retired record can never come back even if its
 * (reused) buffer happens to hold identical bytes. The marker is written alternately into block A
 * and block B (by generation parity) with its own CRC: a retention write torn by a crash leaves the
 * other block, whose older value is still safe because the buffers were not yet freed. Recovery
 * takes the valid block with the highest generation and accepts the contiguous run of valid
 * records starting at its oldest sequence.
 */
public final class IndexFileDescriptor {
    public static final long MAGIC = 0x0058444E49575350L; // "PSWINDX\0" read little-endian
    public static final int LAYOUT_VERSION = 1;
    /** Default file name, in the data directory next to the pool file. */
    public static final String DEFAULT_FILE_NAME = "index";

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int RECORD_SIZE_OFFSET = 12;
    public static final int CAPACITY_OFFSET = 16;
    public static final int RESERVED_OFFSET = 20;
    public static final int POOL_ID_MSB_OFFSET = 24;
    public static final int POOL_ID_LSB_OFFSET = 32;
    public static final int CREATED_NS_OFFSET = 40;
    public static final int HEADER_CRC_OFFSET = 48;
    public static final int HEADER_CRC_COVERED_LENGTH = HEADER_CRC_OFFSET;

    public static final int RETENTION_BLOCK_A_OFFSET = 64;
    public static final int RETENTION_BLOCK_B_OFFSET = 128;
    public static final int RETENTION_BLOCK_SIZE = 64;
    public static final int RETENTION_GENERATION = 0;
    public static final int RETENTION_OLDEST_SEQ = 8;
    public static final int RETENTION_CRC = 16;

    public static final int RECORDS_OFFSET = 4096;
    public static final int MIN_CAPACITY = 2;
    public static final int MAX_CAPACITY = Integer.MAX_VALUE / 2;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private IndexFileDescriptor() {
    }

    public static Path defaultPath(Path poolPath) {
        return poolPath.toAbsolutePath().resolveSibling(DEFAULT_FILE_NAME);
    }

    public static long fileSize(int capacity) {
        return RECORDS_OFFSET + (long) IndexRecordDescriptor.RECORD_SIZE * capacity;
    }

    public static long slotOffset(int slot) {
        return RECORDS_OFFSET + (long) IndexRecordDescriptor.RECORD_SIZE * slot;
    }

    public static int slot(long seq, int capacity) {
        // A power-of-two capacity (the defaults) takes a mask instead of a 64-bit division: the
        // writer computes a slot per append and per retired record. Same result either way.
        if ((capacity & (capacity - 1)) == 0) {
            return (int) (seq & (capacity - 1));
        }
        return (int) Long.remainderUnsigned(seq, capacity);
    }

    public static long recordOffset(long seq, int capacity) {
        return slotOffset(slot(seq, capacity));
    }

    public static String validateCapacity(int capacity) {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
            return "index capacity " + capacity + " must be between " + MIN_CAPACITY + " and " + MAX_CAPACITY + " records";
        }
        return null;
    }

    static void writeHeader(MemorySegment header, int capacity, UUID poolId, long createdNs) {
        header.set(INT, VERSION_OFFSET, LAYOUT_VERSION);
        header.set(INT, RECORD_SIZE_OFFSET, IndexRecordDescriptor.RECORD_SIZE);
        header.set(INT, CAPACITY_OFFSET, capacity);
        header.set(INT, RESERVED_OFFSET, 0);
        header.set(LONG, POOL_ID_MSB_OFFSET, poolId.getMostSignificantBits());
        header.set(LONG, POOL_ID_LSB_OFFSET, poolId.getLeastSignificantBits());
        header.set(LONG, CREATED_NS_OFFSET, createdNs);
        // The magic goes in before the CRC is computed; the whole header is written to a temporary
        // file that is renamed into place, so a half header never carries the real name.
        header.set(LONG, MAGIC_OFFSET, MAGIC);
        header.set(INT, HEADER_CRC_OFFSET, headerCrc(header));
    }

    public static int headerCrc(MemorySegment header) {
        CRC32C crc = new CRC32C();
        crc.update(header.asSlice(0, HEADER_CRC_COVERED_LENGTH).toArray(ValueLayout.JAVA_BYTE));
        return (int) crc.getValue();
    }

    public static long magic(MemorySegment header) {
        return header.get(LONG, MAGIC_OFFSET);
    }

    public static int version(MemorySegment header) {
        return header.get(INT, VERSION_OFFSET);
    }

    public static int recordSize(MemorySegment header) {
        return header.get(INT, RECORD_SIZE_OFFSET);
    }

    public static int capacity(MemorySegment header) {
        return header.get(INT, CAPACITY_OFFSET);
    }

    public static UUID poolId(MemorySegment header) {
        return new UUID(header.get(LONG, POOL_ID_MSB_OFFSET), header.get(LONG, POOL_ID_LSB_OFFSET));
    }

    public static long createdNs(MemorySegment header) {
        return header.get(LONG, CREATED_NS_OFFSET);
    }

    public static int storedHeaderCrc(MemorySegment header) {
        return header.get(INT, HEADER_CRC_OFFSET);
    }

    /** Offset of the retention block that generation {@code generation} is written to. */
    public static int retentionBlockOffset(long generation) {
        return (generation & 1) == 0 ? RETENTION_BLOCK_A_OFFSET : RETENTION_BLOCK_B_OFFSET;
    }

    /**
     * Fills a retention block (64 bytes) in {@code scratch}; the caller copies it into place so that
     * the write can go through the storage abstraction.
     */
    static void writeRetentionBlock(MemorySegment block, long generation, long oldestSeq, CRC32C crc, byte[] scratch) {
        block.fill((byte) 0);
        block.set(LONG, RETENTION_GENERATION, generation);
        block.set(LONG, RETENTION_OLDEST_SEQ, oldestSeq);
        block.set(INT, RETENTION_CRC, retentionCrc(block, crc, scratch));
    }

    static int retentionCrc(MemorySegment block, CRC32C crc, byte[] scratch) {
        MemorySegment.copy(block, ValueLayout.JAVA_BYTE, 0, scratch, 0, RETENTION_CRC);
        crc.reset();
        crc.update(scratch, 0, RETENTION_CRC);
        return (int) crc.getValue();
    }

    public static long retentionGeneration(MemorySegment block) {
        return block.get(LONG, RETENTION_GENERATION);
    }

    public static long retentionOldestSeq(MemorySegment block) {
        return block.get(LONG, RETENTION_OLDEST_SEQ);
    }

    /** Whether a retention block is intact: non-zero generation, matching CRC, a sequence >= 1. */
    public static boolean retentionValid(MemorySegment block) {
        long gen = retentionGeneration(block);
        if (gen <= 0 || retentionOldestSeq(block) < 1) {
            return false;
        }
        return block.get(INT, RETENTION_CRC) == retentionCrc(block, new CRC32C(), new byte[RETENTION_CRC]);
    }
}

package io.pswitch.pktlog.pool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.UUID;

/**
 * Layout of the buffer pool file: one header page followed by fixed-size buffers.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Magic "PSWPOOL\0" (8 bytes)              |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Layout version (int)                      |  8
 *  +---------------------------------------------------------------+
 *  |                     Buffer size, bytes (int)                  | 12
 *  +---------------------------------------------------------------+
 *  |                     Buffer count (int)                        | 16
 *  +---------------------------------------------------------------+
 *  |                     Reserved, zero (int)                      | 20
 *  +---------------------------------------------------------------+
 *  |              Pool id, UUID most significant (long)            | 24
 *  +---------------------------------------------------------------+
 *  |              Pool id, UUID least significant (long)           | 32
 *  +---------------------------------------------------------------+
 *  |              Created, epoch nanoseconds (long)                | 40
 *  +---------------------------------------------------------------+
 *  |              ... zero up to DATA_OFFSET (4096) ...            | 48
 *  +---------------------------------------------------------------+
 *  |  buffer 0 (reserved: "none") | buffer 1 (reserved) | buffer 2 | 4096
 *  |  ... bufferCount buffers of bufferSize bytes each ...         |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * All integers are little-endian. Buffers start on a page boundary and the buffer size is a
 * power of two of at least 64, so every buffer starts on a cache line: flushing a frame's
 * line-aligned range never touches a neighbour's lines.
 */
public final class BufferPoolDescriptor {
    public static final long MAGIC = 0x004C4F4F50575350L; // "PSWPOOL\0" read little-endian
    public static final int LAYOUT_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int BUFFER_SIZE_OFFSET = 12;
    public static final int BUFFER_COUNT_OFFSET = 16;
    public static final int RESERVED_OFFSET = 20;
    public static final int POOL_ID_MSB_OFFSET = 24;
    public static final int POOL_ID_LSB_OFFSET = 32;
    public static final int CREATED_NS_OFFSET = 40;
    public static final int DATA_OFFSET = 4096;

    /** Buffers 0 and 1 are never handed out; 0 means "no buffer". */
    public static final int RESERVED_BUFFERS = 2;
    public static final int MIN_BUFFER_SIZE = 64;
    public static final int MAX_BUFFER_SIZE = 16 * 1024;
    public static final int DEFAULT_BUFFER_SIZE = 2048;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private BufferPoolDescriptor() {
    }

    public static long fileSize(int bufferSize, int bufferCount) {
        return DATA_OFFSET + (long) bufferSize * bufferCount;
    }

    public static long bufferOffset(int bufferSize, int bufIdx) {
        return DATA_OFFSET + (long) bufferSize * bufIdx;
    }

    /** Checks a buffer size and count; returns null when valid, else what is wrong. */
    public static String validateGeometry(int bufferSize, int bufferCount) {
        if (bufferSize < MIN_BUFFER_SIZE || bufferSize > MAX_BUFFER_SIZE || Integer.bitCount(bufferSize) != 1) {
            return "buffer size " + bufferSize + " must be a power of two between " + MIN_BUFFER_SIZE + " and " + MAX_BUFFER_SIZE;
        }
        if (bufferCount <= RESERVED_BUFFERS + 1) {
            return "buffer count " + bufferCount + " must be greater than " + (RESERVED_BUFFERS + 1);
        }
        return null;
    }

    static void writeHeader(MemorySegment header, int bufferSize, int bufferCount, UUID poolId, long createdNs) {
        header.set(INT, VERSION_OFFSET, LAYOUT_VERSION);
        header.set(INT, BUFFER_SIZE_OFFSET, bufferSize);
        header.set(INT, BUFFER_COUNT_OFFSET, bufferCount);
        header.set(INT, RESERVED_OFFSET, 0);
        header.set(LONG, POOL_ID_MSB_OFFSET, poolId.getMostSignificantBits());
        header.set(LONG, POOL_ID_LSB_OFFSET, poolId.getLeastSignificantBits());
        header.set(LONG, CREATED_NS_OFFSET, createdNs);
        // The magic goes last: a header whose write was interrupted is recognisably not a pool.
        header.set(LONG, MAGIC_OFFSET, MAGIC);
    }

    public static long magic(MemorySegment header) {
        return header.get(LONG, MAGIC_OFFSET);
    }

    public static int version(MemorySegment header) {
        return header.get(INT, VERSION_OFFSET);
    }

    public static int bufferSize(MemorySegment header) {
        return header.get(INT, BUFFER_SIZE_OFFSET);
    }

    public static int bufferCount(MemorySegment header) {
        return header.get(INT, BUFFER_COUNT_OFFSET);
    }

    public static UUID poolId(MemorySegment header) {
        return new UUID(header.get(LONG, POOL_ID_MSB_OFFSET), header.get(LONG, POOL_ID_LSB_OFFSET));
    }

    public static long createdNs(MemorySegment header) {
        return header.get(LONG, CREATED_NS_OFFSET);
    }
}

package io.pswitch.drivers.shm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Layout of a shared-memory port file {@code /dev/shm/pswitch-<name>}: a header, the four ring
 * indices each on its own 128-byte line, then two rings of fixed-size slots.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Magic "PSWSHM\0\0" (8 bytes)             |    0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Layout version (int)                      |    8
 *  +---------------------------------------------------------------+
 *  |                     Slot count per ring (int, power of two)   |   12
 *  +---------------------------------------------------------------+
 *  |                     Slot size: frame capacity, bytes (int)    |   16
 *  +---------------------------------------------------------------+
 *  |  State flags (int): bit 0 switch attached, bit 1 peer attached |   20
 *  +---------------------------------------------------------------+
 *  |                     Switch pid (long)                         |   24
 *  +---------------------------------------------------------------+
 *  |                     Switch process start, epoch ms (long)     |   32
 *  +---------------------------------------------------------------+
 *  |                     Session id (long, random per creation)    |   40
 *  +---------------------------------------------------------------+
 *  |                     Created, epoch nanoseconds (long)         |   48
 *  +---------------------------------------------------------------+
 *  |                     Peer pid (long, 0 = none)                 |   56
 *  +---------------------------------------------------------------+
 *  |                     ... zero up to 128 ...                    |   64
 *  +---------------------------------------------------------------+
 *  |  to-switch producer index (long), written by the peer  [line] |  128
 *  +---------------------------------------------------------------+
 *  |  to-switch consumer index (long), written by the switch [line]|  256
 *  +---------------------------------------------------------------+
 *  |  from-switch producer index (long), written by the switch     |  384
 *  +---------------------------------------------------------------+
 *  |  from-switch consumer index (long), written by the peer       |  512
 *  +---------------------------------------------------------------+
 *  |                     ... zero up to SLOTS_OFFSET (4096) ...    |  640
 *  +---------------------------------------------------------------+
 *  |  to-switch ring: slotCount slots of slotStride bytes          | 4096
 *  +---------------------------------------------------------------+
 *  |  from-switch ring: slotCount slots of slotStride bytes        |
 *  +---------------------------------------------------------------+
 *
 *  slot (slotStride = SLOT_HEADER + slotSize rounded up to 64 bytes):
 *  +---------------------------------------------------------------+
 *  |                     Frame length on the wire (int)            |  +0
 *  +---------------------------------------------------------------+
 *  |                     Reserved, zero (int)                      |  +4
 *  +---------------------------------------------------------------+
 *  |                     Timestamp, epoch nanoseconds (long)       |  +8
 *  +---------------------------------------------------------------+
 *  |                     Frame bytes (min(length, slotSize))       | +16
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Integers are in native byte order (both sides are on one host). Each index line is 128 bytes,
 * two cache lines, so that adjacent-line prefetch never makes the producer's and the consumer's
 * index share traffic. Indices are frame counts that only grow (a 64-bit count never wraps in
 * practice); slot = index &amp; (slotCount - 1); a ring is full when producer - consumer == slotCount.
 *
 * <p>Ordering: a producer writes a slot's bytes, then publishes its index with a release store; a
 * consumer reads that index with an acquire load before reading the slots it covers, and publishes
 * its own index with a release store only after it has finished copying out of them. A frame whose
 * length exceeds the slot size keeps its full length in the slot but only {@code slotSize} bytes:
 * the switch then drops it as oversize, as it would a giant frame on a wire.
 */
public final class ShmRingDescriptor {
    public static final long MAGIC = 0x00004D4853575350L; // "PSWSHM\0\0" read little-endian
    public static final int LAYOUT_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int SLOT_COUNT_OFFSET = 12;
    public static final int SLOT_SIZE_OFFSET = 16;
    public static final int STATE_OFFSET = 20;
    public static final int SWITCH_PID_OFFSET = 24;
    public static final int SWITCH_START_MS_OFFSET = 32;
    public static final int SESSION_ID_OFFSET = 40;
    public static final int CREATED_NS_OFFSET = 48;
    public static final int PEER_PID_OFFSET = 56;

    public static final int INDEX_LINE = 128;
    public static final int TO_SWITCH_PRODUCER_OFFSET = 128;
    public static final int TO_SWITCH_CONSUMER_OFFSET = 256;
    public static final int FROM_SWITCH_PRODUCER_OFFSET = 384;
    public static final int FROM_SWITCH_CONSUMER_OFFSET = 512;
    public static final int SLOTS_OFFSET = 4096;

    public static final int SLOT_LENGTH_OFFSET = 0;
    public static final int SLOT_RESERVED_OFFSET = 4;
    public static final int SLOT_TIMESTAMP_OFFSET = 8;
    public static final int SLOT_HEADER = 16;

    public static final int STATE_SWITCH_ATTACHED = 1;
    public static final int STATE_PEER_ATTACHED = 2;

    public static final int DEFAULT_SLOT_COUNT = 1024;
    public static final int DEFAULT_SLOT_SIZE = 2048;
    public static final int MIN_SLOT_SIZE = 64;
    public static final int MAX_SLOT_SIZE = 65536;
    public static final int MAX_SLOT_COUNT = 1 << 16;

    /** Aligned (mapped files start on a page): plain, acquire/release and CAS access all work. */
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    /** Coordinates (MemorySegment, long offset). */
    static final VarHandle LONG_HANDLE = LONG.varHandle();
    static final VarHandle INT_HANDLE = INT.varHandle();

    private ShmRingDescriptor() {
    }

    /** Bytes between the starts of two slots: header plus frame capacity, rounded up to a cache line. */
    public static int slotStride(int slotSize) {
        return (SLOT_HEADER + slotSize + 63) & ~63;
    }

    public static long ringBytes(int slotCount, int slotSize) {
        return (long) slotCount * slotStride(slotSize);
    }

    public static long toSwitchSlotsOffset() {
        return SLOTS_OFFSET;
    }

    public static long fromSwitchSlotsOffset(int slotCount, int slotSize) {
        return SLOTS_OFFSET + ringBytes(slotCount, slotSize);
    }

    public static long fileSize(int slotCount, int slotSize) {
        return SLOTS_OFFSET + 2 * ringBytes(slotCount, slotSize);
    }

    /** Checks a geometry; returns null when valid, else what is wrong. */
    public static String validateGeometry(int slotCount, int slotSize) {
        if (slotCount < 2 || slotCount > MAX_SLOT_COUNT || Integer.bitCount(slotCount) != 1) {
            return "slots=" + slotCount + " must be a power of two between 2 and " + MAX_SLOT_COUNT;
        }
        if (slotSize < MIN_SLOT_SIZE || slotSize > MAX_SLOT_SIZE) {
            return "slotsize=" + slotSize + " must be between " + MIN_SLOT_SIZE + " and " + MAX_SLOT_SIZE + " bytes";
        }
        return null;
    }

    /**
     * Writes the header of a fresh file (indices and slots are already zero). The magic goes last
     * with a release store: a peer that sees the magic sees the rest of the header.
     */
    static void writeHeader(MemorySegment file, int slotCount, int slotSize, long switchPid, long switchStartMs,
            long sessionId, long createdNs) {
        file.set(INT, VERSION_OFFSET, LAYOUT_VERSION);
        file.set(INT, SLOT_COUNT_OFFSET, slotCount);
        file.set(INT, SLOT_SIZE_OFFSET, slotSize);
        file.set(LONG, SWITCH_PID_OFFSET, switchPid);
        file.set(LONG, SWITCH_START_MS_OFFSET, switchStartMs);
        file.set(LONG, SESSION_ID_OFFSET, sessionId);
        file.set(LONG, CREATED_NS_OFFSET, createdNs);
        file.set(LONG, PEER_PID_OFFSET, 0L);
        INT_HANDLE.setRelease(file, (long) STATE_OFFSET, STATE_SWITCH_ATTACHED);
        LONG_HANDLE.setRelease(file, (long) MAGIC_OFFSET, MAGIC);
    }

    public static long magic(MemorySegment file) {
        return (long) LONG_HANDLE.getAcquire(file, (long) MAGIC_OFFSET);
    }

    public static int version(MemorySegment file) {
        return file.get(INT, VERSION_OFFSET);
    }

    public static int slotCount(MemorySegment file) {
        return file.get(INT, SLOT_COUNT_OFFSET);
    }

    public static int slotSize(MemorySegment file) {
        return file.get(INT, SLOT_SIZE_OFFSET);
    }

    public static int state(MemorySegment file) {
        return (int) INT_HANDLE.getAcquire(file, (long) STATE_OFFSET);
    }

    static boolean compareAndSetState(MemorySegment file, int expected, int value) {
        return INT_HANDLE.compareAndSet(file, (long) STATE_OFFSET, expected, value);
    }

    /** Sets or clears one state bit, whatever the other side does to its own bit meanwhile. */
    static void updateStateBit(MemorySegment file, int bit, boolean on) {
        while (true) {
            int s = state(file);
            int n = on ? (s | bit) : (s & ~bit);
            if (s == n || compareAndSetState(file, s, n)) {
                return;
            }
        }
    }

    public static long switchPid(MemorySegment file) {
        return file.get(LONG, SWITCH_PID_OFFSET);
    }

    public static long switchStartMs(MemorySegment file) {
        return file.get(LONG, SWITCH_START_MS_OFFSET);
    }

    public static long sessionId(MemorySegment file) {
        return file.get(LONG, SESSION_ID_OFFSET);
    }

    public static long createdNs(MemorySegment file) {
        return file.get(LONG, CREATED_NS_OFFSET);
    }

    public static long peerPid(MemorySegment file) {
        return (long) LONG_HANDLE.getAcquire(file, (long) PEER_PID_OFFSET);
    }

    static void peerPid(MemorySegment file, long pid) {
        LONG_HANDLE.setRelease(file, (long) PEER_PID_OFFSET, pid);
    }
}

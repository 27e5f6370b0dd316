package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Layout of one index record: 64 bytes (one cache line), self-validating, pointing at a frame that
 * stays in place in its pool buffer.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Sequence number (long, >= 1)                 |  0
 *  |                                                               |
 *  +-------------------------------+---------------+---------------+
 *  |       Magic 0x5052 (short)    |  Version (1)  |  Flags (0)    |  8
 *  +-------------------------------+---------------+---------------+
 *  |   Ingress port index (short)  |   Forwarding decision (short) | 12
 *  +-------------------------------+-------------------------------+
 *  |                Receive timestamp, epoch ns (long)             | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |     Matched filter mask (long): bit i set = filter id i < 64  | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Wire length, bytes (int)                    | 32
 *  +---------------------------------------------------------------+
 *  |            Stored length, bytes (int, <= wire length)         | 36
 *  +---------------------------------------------------------------+
 *  |                   bufIdx in the pool (int)                    | 40
 *  +-------------------------------+-------------------------------+
 *  | First matching filter id (sh.)|        Reserved, zero         | 44
 *  +-------------------------------+-------------------------------+
 *  |    Tunnel metadata (long, see TunnelMeta; 0 = no tunnel)      | 48
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Sequence echo: low 32 bits of the sequence (int)       | 56
 *  +---------------------------------------------------------------+
 *  |  CRC32C of bytes 0..59 followed by the stored frame bytes     | 60
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * All integers are little-endian. Why each part is there:
 * <ul>
 *   <li>The CRC covers the record AND the frame bytes in the pool buffer: a record is accepted
 *       after a crash only if its frame is intact, and a record whose buffer was retired and reused
 *       fails it (retirement is still decided by the oldest-sequence marker, never by the CRC: two
 *       identical frames would pass it).</li>
 *   <li>The sequence sits in the first word and is echoed in the last one: a record torn at 8-byte
 *       granularity between an old and a new write shows two different sequences (reason
 *       {@code TORN}) before any CRC is computed.</li>
 *   <li>Filters: the mask holds every matched filter id below 64; the first matching id (any id,
 *       -1 when none) is kept separately so that filter sets with larger ids still say which
 *       filter caused the record.</li>
 *   <li>Forwarding decision: {@code >= 0} the output port index, {@link #DECISION_FLOOD} for a
 *       flood, {@code <= -2} a drop whose cause code is {@code -2 - decision} (the dataplane's
 *       DropCause ordinal; pktlog does not know the enum).</li>
 * </ul>
 */
public final class IndexRecordDescriptor {
    public static final int RECORD_SIZE = 64;
    public static final short MAGIC = 0x5052; // bytes 0x52 0x50 on disk
    public static final byte VERSION = 1;

    public static final int SEQUENCE_OFFSET = 0;
    public static final int MAGIC_OFFSET = 8;
    public static final int VERSION_OFFSET = 10;
    public static final int FLAGS_OFFSET = 11;
    public static final int INGRESS_PORT_OFFSET = 12;
    public static final int DECISION_OFFSET = 14;
    public static final int TIMESTAMP_OFFSET = 16;
    public static final int FILTER_MASK_OFFSET = 24;
    public static final int WIRE_LENGTH_OFFSET = 32;
    public static final int STORED_LENGTH_OFFSET = 36;
    public static final int BUF_IDX_OFFSET = 40;
    public static final int FIRST_FILTER_ID_OFFSET = 44;
    public static final int RESERVED_SHORT_OFFSET = 46;
    /** Where a frame came from through a tunnel (VXLAN: VNI and outer source); 0 for none. */
    public static final int TUNNEL_OFFSET = 48;
    public static final int SEQUENCE_ECHO_OFFSET = 56;
    public static final int CRC_OFFSET = 60;
    /** The CRC covers the record up to (not including) itself, then the frame bytes. */
    public static final int CRC_COVERED_LENGTH = CRC_OFFSET;

    public static final int DECISION_FLOOD = -1;
    public static final int NO_FILTER = -1;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private static final VarHandle ARRAY_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private IndexRecordDescriptor() {
    }

    /** Decision for a frame dropped with cause {@code causeCode} (>= 0). */
    public static int decisionDrop(int causeCode) {
        return -2 - causeCode;
    }

    public static boolean isDrop(int decision) {
        return decision <= -2;
    }

    public static int dropCause(int decision) {
        return -2 - decision;
    }

    /**
     * Writes every field except the CRC (which needs the frame bytes: see {@link #writeCrc}).
     * Reserved fields are written as zero so a record never carries stale bytes from an earlier one.
     */
    public static void write(MemorySegment rec, long seq, long timestampNs, int ingressPort, long filterMask,
                             int firstFilterId, int wireLength, int storedLength, int bufIdx, int decision) {
        write(rec, seq, timestampNs, ingressPort, filterMask, firstFilterId, wireLength, storedLength, bufIdx, decision, 0L);
    }

    /** {@link #write} with the frame's tunnel metadata (0 = none). */
    public static void write(MemorySegment rec, long seq, long timestampNs, int ingressPort, long filterMask,
                             int firstFilterId, int wireLength, int storedLength, int bufIdx, int decision, long tunnel) {
        rec.set(LONG, SEQUENCE_OFFSET, seq);
        rec.set(SHORT, MAGIC_OFFSET, MAGIC);
        rec.set(ValueLayout.JAVA_BYTE, VERSION_OFFSET, VERSION);
        rec.set(ValueLayout.JAVA_BYTE, FLAGS_OFFSET, (byte) 0);
        rec.set(SHORT, INGRESS_PORT_OFFSET, (short) ingressPort);
        rec.set(SHORT, DECISION_OFFSET, (short) decision);
        rec.set(LONG, TIMESTAMP_OFFSET, timestampNs);
        rec.set(LONG, FILTER_MASK_OFFSET, filterMask);
        rec.set(INT, WIRE_LENGTH_OFFSET, wireLength);
        rec.set(INT, STORED_LENGTH_OFFSET, storedLength);
        rec.set(INT, BUF_IDX_OFFSET, bufIdx);
        rec.set(SHORT, FIRST_FILTER_ID_OFFSET, (short) firstFilterId);
        rec.set(SHORT, RESERVED_SHORT_OFFSET, (short) 0);
        rec.set(LONG, TUNNEL_OFFSET, tunnel);
        rec.set(INT, SEQUENCE_ECHO_OFFSET, (int) seq);
    }

    /**
     * {@link #write} into the writer's staging record, a byte array: the same bytes, written by plain
     * array stores. The segment form, whose call sites see heap and mapped segments alike, cost the
     * dataplane about a fifth of its time per logged frame in its access checks (JFR, issue 10).
     */
    public static void write(byte[] rec, long seq, long timestampNs, int ingressPort, long filterMask,
                             int firstFilterId, int wireLength, int storedLength, int bufIdx, int decision, long tunnel) {
        ARRAY_LONG.set(rec, SEQUENCE_OFFSET, seq);
        ARRAY_SHORT.set(rec, MAGIC_OFFSET, MAGIC);
        rec[VERSION_OFFSET] = VERSION;
        rec[FLAGS_OFFSET] = 0;
        ARRAY_SHORT.set(rec, INGRESS_PORT_OFFSET, (short) ingressPort);
        ARRAY_SHORT.set(rec, DECISION_OFFSET, (short) decision);
        ARRAY_LONG.set(rec, TIMESTAMP_OFFSET, timestampNs);
        ARRAY_LONG.set(rec, FILTER_MASK_OFFSET, filterMask);
        ARRAY_INT.set(rec, WIRE_LENGTH_OFFSET, wireLength);
        ARRAY_INT.set(rec, STORED_LENGTH_OFFSET, storedLength);
        ARRAY_INT.set(rec, BUF_IDX_OFFSET, bufIdx);
        ARRAY_SHORT.set(rec, FIRST_FILTER_ID_OFFSET, (short) firstFilterId);
        ARRAY_SHORT.set(rec, RESERVED_SHORT_OFFSET, (short) 0);
        ARRAY_LONG.set(rec, TUNNEL_OFFSET, tunnel);
        ARRAY_INT.set(rec, SEQUENCE_ECHO_OFFSET, (int) seq);
    }

    public static void writeCrc(byte[] rec, int crc) {
        ARRAY_INT.set(rec, CRC_OFFSET, crc);
    }

    public static void writeCrc(MemorySegment rec, int crc) {
        rec.set(INT, CRC_OFFSET, crc);
    }

    public static long tunnel(MemorySegment rec) {
        return rec.get(LONG, TUNNEL_OFFSET);
    }

    public static long sequence(MemorySegment rec) {
        return rec.get(LONG, SEQUENCE_OFFSET);
    }

    public static short magic(MemorySegment rec) {
        return rec.get(SHORT, MAGIC_OFFSET);
    }

    public static byte version(MemorySegment rec) {
        return rec.get(ValueLayout.JAVA_BYTE, VERSION_OFFSET);
    }

    public static byte flags(MemorySegment rec) {
        return rec.get(ValueLayout.JAVA_BYTE, FLAGS_OFFSET);
    }

    public static int ingressPort(MemorySegment rec) {
        return rec.get(SHORT, INGRESS_PORT_OFFSET);
    }

    public static int decision(MemorySegment rec) {
        return rec.get(SHORT, DECISION_OFFSET);
    }

    public static long timestampNs(MemorySegment rec) {
        return rec.get(LONG, TIMESTAMP_OFFSET);
    }

    public static long filterMask(MemorySegment rec) {
        return rec.get(LONG, FILTER_MASK_OFFSET);
    }

    public static int wireLength(MemorySegment rec) {
        return rec.get(INT, WIRE_LENGTH_OFFSET);
    }

    public static int storedLength(MemorySegment rec) {
        return rec.get(INT, STORED_LENGTH_OFFSET);
    }

    public static int bufIdx(MemorySegment rec) {
        return rec.get(INT, BUF_IDX_OFFSET);
    }

    public static int firstFilterId(MemorySegment rec) {
        return rec.get(SHORT, FIRST_FILTER_ID_OFFSET);
    }

    public static int sequenceEcho(MemorySegment rec) {
        return rec.get(INT, SEQUENCE_ECHO_OFFSET);
    }

    public static int crc(MemorySegment rec) {
        return rec.get(INT, CRC_OFFSET);
    }

    /** Whether the head (magic, version, flags) and the sequence echo agree: false means torn or not a record. */
    public static boolean isWhole(MemorySegment rec) {
        return magic(rec) == MAGIC && version(rec) == VERSION && flags(rec) == 0
                && sequenceEcho(rec) == (int) sequence(rec);
    }
}

package io.pswitch.pktlog.tunnel;

/**
 * How a frame arrived when it came out of a tunnel, packed in one {@code long}: the value a ring
 * slot carries beside the frame ({@code Ring.tunnel}) and that a logged record keeps, so that log
 * readers can select and show frames by VNI and outer source. 0 means "no tunnel".
 *
 * <pre>
 *   6 6 6 6 5 5 5 5 5 5 5 5 5 5 4 4 4 4 4 4 4 4 4 4 3 3 3 3 3 3 3 3
 *   3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Reserved  |P|                 VNI (24 bits)                 |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   3 3 2 2 2 2 2 2 2 2 2 2 1 1 1 1 1 1 1 1 1 1
 *   1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Outer IPv4 source address (32 bits)              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  bits 63-57  Reserved: 0
 *  bit  56     P: present (the frame came out of a tunnel)
 *  bits 55-32  VNI
 *  bits 31-0   outer IPv4 source, a.b.c.d as (a << 24) | (b << 16) | (c << 8) | d
 * </pre>
 *
 * <ul>
 *   <li><b>P</b> (bit 56, {@link #PRESENT_BIT}): set whenever the frame came out of a tunnel, so
 *       VNI 0 from 0.0.0.0 is still told apart from "no tunnel".</li>
 *   <li>The reserved bits are written as 0 and a value with any of them set is not valid
 *       ({@link #isValid}): a reader of an older log never misreads a newer encoding as this one.</li>
 * </ul>
 * The value is a record field: its bit positions never change. In a record it is stored as one
 * 64-bit integer in the record's byte order.
 */
public final class TunnelMeta {
    /** No tunnel. */
    public static final long NONE = 0L;

    public static final int SOURCE_SHIFT = 0;
    public static final int VNI_SHIFT = 32;
    public static final int PRESENT_SHIFT = 56;

    public static final long SOURCE_MASK = 0xFFFF_FFFFL;
    public static final int VNI_MASK = 0xFF_FFFF;
    public static final long PRESENT_BIT = 1L << PRESENT_SHIFT;
    /** Bits 57-63: zero in every valid value. */
    public static final long RESERVED_MASK = ~((1L << (PRESENT_SHIFT + 1)) - 1);

    /** The largest VNI (24 bits). */
    public static final int MAX_VNI = VNI_MASK;

    private TunnelMeta() {
    }

    /**
     * Packs a VNI and an outer IPv4 source.
     *
     * @param vni 0 to {@link #MAX_VNI}; higher bits are cut off
     * @param ipv4Source the address as a big-endian int ({@code 10.0.0.1} is {@code 0x0a000001})
     */
    public static long encode(int vni, int ipv4Source) {
        return PRESENT_BIT | ((long) (vni & VNI_MASK) << VNI_SHIFT) | (ipv4Source & SOURCE_MASK);
    }

    /** Whether the frame came out of a tunnel. */
    public static boolean present(long meta) {
        return (meta & PRESENT_BIT) != 0;
    }

    /** Whether {@code meta} is {@link #NONE} or a value {@link #encode} could have made. */
    public static boolean isValid(long meta) {
        return meta == NONE || (present(meta) && (meta & RESERVED_MASK) == 0);
    }

    /** The VNI; meaningful only when {@link #present}. */
    public static int vni(long meta) {
        return (int) (meta >>> VNI_SHIFT) & VNI_MASK;
    }

    /** The outer IPv4 source as a big-endian int; meaningful only when {@link #present}. */
    public static int ipv4Source(long meta) {
        return (int) (meta & SOURCE_MASK);
    }

    /** The outer source in dotted-quad form. */
    public static String ipv4SourceText(long meta) {
        int a = ipv4Source(meta);
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    /** For logs and comments: {@code "vni 42 from 10.0.0.1"}, or {@code "no tunnel"}. */
    public static String toString(long meta) {
        if (!present(meta)) {
            return "no tunnel";
        }
        return "vni " + vni(meta) + " from " + ipv4SourceText(meta);
    }
}

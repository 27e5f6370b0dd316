package io.pswitch.dataplane.frame;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Allocation-free parsing of an Ethernet II frame held in a {@link MemorySegment} at an offset.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 destination MAC (6 bytes) ...                 |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  ... destination MAC          |   source MAC (6 bytes) ...    |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    ... source MAC                             |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  TPID 0x8100/0x88a8/0x9100    | PCP |D|   VID (12 bits)       | 12  (0..n tags,
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       4 bytes each)
 * |  EtherType / length           |  payload ...                  | 12 + 4 * tags
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>A MAC address is a {@code long} holding the 48 address bits in wire order (the first byte in
 * bits 47..40), so {@code 0xFFFFFFFFFFFFL} is broadcast and {@code Long.toHexString} reads like the
 * address. Both MACs are read with one unaligned big-endian 8-byte load each: the callers' buffers
 * are at least 64 bytes, so the loads never leave the buffer even for a runt.
 *
 * <p>Tags (802.1Q {@code 0x8100}, 802.1ad {@code 0x88a8}, and the pre-standard QinQ {@code 0x9100})
 * may be stacked; they are carried unchanged. The forwarding key uses the <em>outer</em> VID; a
 * priority tag (VID 0) is the same as no tag.
 */
public final class EthernetFrame {
    public static final int DST_OFFSET = 0;
    public static final int SRC_OFFSET = 6;
    public static final int TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;
    public static final int TAG_LENGTH = 4;

    public static final int TPID_8021Q = 0x8100;
    public static final int TPID_8021AD = 0x88a8;
    public static final int TPID_QINQ_LEGACY = 0x9100;

    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** The I/G bit: set in group (multicast and broadcast) addresses. */
    public static final long GROUP_BIT = 0x0100_0000_0000L;
    /** 01:80:C2:00:00:00, the first of the 16 IEEE 802.1D reserved addresses a bridge never forwards. */
    public static final long LINK_LOCAL_BASE = 0x0180_C200_0000L;
    public static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
    public static final int VID_MASK = 0x0FFF;

    /** Returned by {@link #parse} for a frame shorter than its header (with the tags it announces). */
    public static final long RUNT = -1L;

    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private EthernetFrame() {
    }

    /** Destination MAC. Reads 8 bytes from {@code offset} (the buffer must hold them). */
    public static long dst(MemorySegment segment, long offset) {
        return segment.get(LONG_BE, offset + DST_OFFSET) >>> 16;
    }

    /** Source MAC. Reads 8 bytes from {@code offset + 4} (the buffer must hold them). */
    public static long src(MemorySegment segment, long offset) {
        return segment.get(LONG_BE, offset + SRC_OFFSET - 2) & MAC_MASK;
    }

    public static int etherTypeAt(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(SHORT_BE, offset));
    }

    public static boolean isGroup(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    public static boolean isBroadcast(long mac) {
        return mac == BROADCAST;
    }

    /** 01:80:C2:00:00:00 to 01:80:C2:00:00:0F (STP, LACP, LLDP, 802.1X, ...). */
    public static boolean isLinkLocal(long mac) {
        return (mac & ~0xFL) == LINK_LOCAL_BASE;
    }

    public static boolean isTagType(int etherType) {
        return etherType == TPID_8021Q || etherType == TPID_8021AD || etherType == TPID_QINQ_LEGACY;
    }

    /**
     * Walks the tags of the frame of {@code length} bytes at {@code offset}.
     *
     * @return {@link #RUNT} when the frame is shorter than 14 bytes or than the tags it announces;
     *     otherwise the packed result read with {@link #headerLength}, {@link #outerVid} and
     *     {@link #innerEtherType} (a {@code long} so that parsing allocates nothing)
     */
    public static long parse(MemorySegment segment, long offset, int length) {
        if (length < HEADER_LENGTH) {
            return RUNT;
        }
        int type = etherTypeAt(segment, offset + TYPE_OFFSET);
        if (!isTagType(type)) {
            return pack(HEADER_LENGTH, 0, type);
        }
        int headerLength = HEADER_LENGTH + TAG_LENGTH;
        if (length < headerLength) {
            return RUNT;
        }
        int vid = etherTypeAt(segment, offset + TYPE_OFFSET + 2) & VID_MASK;
        type = etherTypeAt(segment, offset + headerLength - 2);
        while (isTagType(type)) {
            headerLength += TAG_LENGTH;
            if (length < headerLength) {
                return RUNT;
            }
            type = etherTypeAt(segment, offset + headerLength - 2);
        }
        return pack(headerLength, vid, type);
    }

    private static long pack(int headerLength, int vid, int etherType) {
        return ((long) headerLength << 32) | ((long) vid << 16) | etherType;
    }

    /** Bytes up to the payload: 14 plus 4 per tag. */
    public static int headerLength(long parsed) {
        return (int) (parsed >>> 32);
    }

    /** VID of the outermost tag; 0 when untagged or priority-tagged. */
    public static int outerVid(long parsed) {
        return (int) (parsed >>> 16) & VID_MASK;
    }

    /** The EtherType after the last tag. */
    public static int innerEtherType(long parsed) {
        return (int) parsed & 0xFFFF;
    }

    /** {@code aa:bb:cc:dd:ee:ff}. Cold path. */
    public static String macToString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int b = (int) (mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (or with '-'). Cold path.
     *
     * @throws IllegalArgumentException naming the bad text
     */
    public static long parseMac(String text) {
        if (text == null || text.length() != 17) {
            throw new IllegalArgumentException("MAC address '" + text + "' must be six hex byte pairs like 02:00:00:00:00:01");
        }
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            int hi = Character.digit(text.charAt(3 * i), 16);
            int lo = Character.digit(text.charAt(3 * i + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(3 * i + 2) != ':' && text.charAt(3 * i + 2) != '-')) {
                throw new IllegalArgumentException("MAC address '" + text + "' must be six hex byte pairs like 02:00:00:00:00:01");
            }
            mac = (mac << 8) | (hi << 4) | lo;
        }
        return mac;
    }
}

package io.pswitch.tools.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Network-order field access and the Internet checksum over {@link MemorySegment}s, plus the
 * protocol numbers and header sizes the tools use. Allocation-free.
 */
public final class Wire {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    public static final int ETHER_HEADER = 14;
    public static final int VLAN_TAG = 4;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int IPV4_HEADER = 20;
    public static final int UDP_HEADER = 8;
    public static final int TCP_HEADER = 20;
    public static final int ICMP_HEADER = 8;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private Wire() {
    }

    public static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    public static void u8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    public static int u16(MemorySegment s, long off) {
        return s.get(U16, off) & 0xffff;
    }

    public static void u16(MemorySegment s, long off, int v) {
        s.set(U16, off, (short) v);
    }

    public static int u32(MemorySegment s, long off) {
        return s.get(U32, off);
    }

    public static void u32(MemorySegment s, long off, int v) {
        s.set(U32, off, v);
    }

    public static long mac(MemorySegment s, long off) {
        return ((long) u16(s, off) << 32) | (u32(s, off + 2) & 0xFFFF_FFFFL);
    }

    public static void mac(MemorySegment s, long off, long mac) {
        u16(s, off, (int) (mac >>> 32));
        u32(s, off + 2, (int) mac);
    }

    /** Ones'-complement sum of {@code len} bytes (not folded, not inverted), added to {@code sum}. */
    public static long sum(MemorySegment s, long off, int len, long sum) {
        int i = 0;
        for (; i + 1 < len; i += 2) {
            sum += u16(s, off + i);
        }
        if (i < len) {
            sum += u8(s, off + i) << 8;
        }
        return sum;
    }

    /** Folds and inverts a {@link #sum}: the value to store in a checksum field. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** The Internet checksum (RFC 1071) of a byte range. */
    public static int checksum(MemorySegment s, long off, int len) {
        return fold(sum(s, off, len, 0));
    }

    /** Sum of the IPv4 pseudo-header for TCP/UDP checksums. */
    public static long pseudoHeaderSum(int srcIp, int dstIp, int protocol, int length) {
        return ((srcIp >>> 16) & 0xffff) + (srcIp & 0xffff) + ((dstIp >>> 16) & 0xffff) + (dstIp & 0xffff) + protocol + length;
    }

    /** Writes a 20-byte IPv4 header (no options, DF set, TTL 64) with its checksum. */
    public static void ipv4Header(MemorySegment s, long off, int totalLength, int id, int protocol, int srcIp, int dstIp) {
        u8(s, off, 0x45);
        u8(s, off + 1, 0);
        u16(s, off + 2, totalLength);
        u16(s, off + 4, id);
        u16(s, off + 6, 0x4000);
        u8(s, off + 8, 64);
        u8(s, off + 9, protocol);
        u16(s, off + 10, 0);
        u32(s, off + 12, srcIp);
        u32(s, off + 16, dstIp);
        u16(s, off + 10, checksum(s, off, IPV4_HEADER));
    }

    /** Writes an Ethernet header, with an 802.1Q tag when {@code vlan >= 0}; returns the header length. */
    public static int etherHeader(MemorySegment s, long off, long dst, long src, int vlan, int etherType) {
        mac(s, off, dst);
        mac(s, off + 6, src);
        if (vlan >= 0) {
            u16(s, off + 12, ETHERTYPE_VLAN);
            u16(s, off + 14, vlan & 0x0fff);
            u16(s, off + 16, etherType);
            return ETHER_HEADER + VLAN_TAG;
        }
        u16(s, off + 12, etherType);
        return ETHER_HEADER;
    }
}

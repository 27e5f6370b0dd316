package io.pswitch.control.warmup;

import java.nio.ByteBuffer;

/**
 * The synthetic frames of the warm-up: what a LAN carries (ARP, ICMP echo, UDP and TCP of several
 * sizes, a VLAN tag, IPv6 multicast) and what a switch must drop (a runt, a multicast source, a
 * link-local destination), between stations of locally administered MACs ({@code 02:57:41:pp:hh:00},
 * "WA" for warm-up) and benchmark-range addresses (198.18.p.h, RFC 2544). Cold path: built once per
 * warm-up.
 */
final class WarmupFrames {
    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_ARP = 0x0806;
    private static final int ETH_IPV6 = 0x86DD;
    private static final int ETH_VLAN = 0x8100;
    private static final int ETH_LLDP = 0x88CC;
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    private static final long IPV6_ALL_NODES = 0x3333_0000_0001L;
    private static final long LLDP_GROUP = 0x0180_C200_000EL;

    private WarmupFrames() {
    }

    static long mac(int port, int host) {
        return 0x0257_4100_0000L | (long) (port & 0xFF) << 16 | (long) (host & 0xFF) << 8;
    }

    /** A station nobody has heard from: frames to it are flooded. */
    static long unknownMac(int n) {
        return 0x0257_4200_0000L | (n & 0xFFFF);
    }

    static int ip(int port, int host) {
        return 198 << 24 | 18 << 16 | (port & 0xFF) << 8 | (host & 0xFF);
    }

    static byte[] arpRequest(long srcMac, int srcIp, int targetIp) {
        ByteBuffer b = ethernet(60, BROADCAST, srcMac, ETH_ARP);
        arp(b, 1, srcMac, srcIp, 0, targetIp);
        return b.array();
    }

    static byte[] arpReply(long srcMac, int srcIp, long dstMac, int dstIp) {
        ByteBuffer b = ethernet(60, dstMac, srcMac, ETH_ARP);
        arp(b, 2, srcMac, srcIp, dstMac, dstIp);
        return b.array();
    }

    /** An ICMP echo request (type 8) or reply (type 0) of a ping's default 98 bytes. */
    static byte[] icmpEcho(long srcMac, int srcIp, long dstMac, int dstIp, int type, int seq) {
        ByteBuffer b = ethernet(98, dstMac, srcMac, ETH_IPV4);
        ipv4(b, 84, 1, srcIp, dstIp);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) 0x5057).putShort((short) seq);
        return b.array();
    }

    /** UDP of {@code frameLength} bytes (60 to 1514). */
    static byte[] udp(long srcMac, int srcIp, long dstMac, int dstIp, int dstPort, int frameLength) {
        return udp(ethernet(frameLength, dstMac, srcMac, ETH_IPV4), frameLength - 14, srcIp, dstIp, dstPort);
    }

    /** The same UDP behind an 802.1Q tag of VLAN {@code vid}. */
    static byte[] taggedUdp(long srcMac, int srcIp, long dstMac, int dstIp, int dstPort, int frameLength, int vid) {
        ByteBuffer b = ByteBuffer.allocate(frameLength);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short) ETH_VLAN).putShort((short) vid).putShort((short) ETH_IPV4);
        return udp(b, frameLength - 18, srcIp, dstIp, dstPort);
    }

    /** A TCP segment with {@code flags} (0x02 SYN, 0x10 ACK, 0x18 PSH|ACK) filling {@code frameLength} bytes. */
    static byte[] tcp(long srcMac, int srcIp, long dstMac, int dstIp, int flags, int frameLength) {
        ByteBuffer b = ethernet(frameLength, dstMac, srcMac, ETH_IPV4);
        int ipLength = Math.max(40, frameLength - 14);
        ipv4(b, ipLength, 6, srcIp, dstIp);
        b.putShort((short) 40_000).putShort((short) 5201).putInt(1).putInt(1)
                .put((byte) 0x50).put((byte) flags).putShort((short) 64_240).putShort((short) 0).putShort((short) 0);
        return b.array();
    }

    /** An ICMPv6 neighbour solicitation-like frame to the all-nodes group: flooded. */
    static byte[] ipv6Multicast(long srcMac) {
        ByteBuffer b = ethernet(86, IPV6_ALL_NODES, srcMac, ETH_IPV6);
        b.putInt(0x6000_0000).putShort((short) 32).put((byte) 58).put((byte) 255);
        b.putLong(0xFE80_0000_0000_0000L).putLong(srcMac);
        b.putLong(0xFF02_0000_0000_0000L).putLong(1);
        b.put((byte) 135);
        return b.array();
    }

    /** LLDP to the nearest-bridge group: 802.1D says never forward it. */
    static byte[] lldp(long srcMac) {
        return ethernet(60, LLDP_GROUP, srcMac, ETH_LLDP).array();
    }

    /** Shorter than an Ethernet header. */
    static byte[] runt() {
        return new byte[10];
    }

    /** A frame whose source is a group address, which no station may have. */
    static byte[] multicastSource(long dstMac) {
        return ethernet(60, dstMac, 0x0100_5E00_0001L, ETH_IPV4).array();
    }

    private static ByteBuffer ethernet(int length, long dst, long src, int type) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(60, length));
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short) type);
        return b;
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    private static void arp(ByteBuffer b, int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        b.putShort((short) 1).putShort((short) ETH_IPV4).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
    }

    private static byte[] udp(ByteBuffer b, int ipLength, int srcIp, int dstIp, int dstPort) {
        ipv4(b, ipLength, 17, srcIp, dstIp);
        b.putShort((short) 40_000).putShort((short) dstPort).putShort((short) (ipLength - 20)).putShort((short) 0);
        return b.array();
    }

    private static void ipv4(ByteBuffer b, int totalLength, int protocol, int src, int dst) {
        int at = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) totalLength).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).putInt(src).putInt(dst);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(at + i) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum += sum >>> 16;
        b.putShort(at + 10, (short) ~sum);
    }
}

package io.pswitch.tools.hosts;

import io.pswitch.tools.wire.Wire;
import java.lang.foreign.MemorySegment;

/**
 * Writers for the frames a simulated host sends (untagged Ethernet): ARP, IPv4/ICMP echo, IPv4/TCP.
 * Each writes at offset 0 of {@code f} and returns the frame length; checksums are filled in.
 */
final class HostFrames {
    static final int ARP_REQUEST = 1;
    static final int ARP_REPLY = 2;
    static final int ICMP_ECHO_REPLY = 0;
    static final int ICMP_ECHO_REQUEST = 8;
    static final int TCP_FIN = 0x01;
    static final int TCP_SYN = 0x02;
    static final int TCP_RST = 0x04;
    static final int TCP_PSH = 0x08;
    static final int TCP_ACK = 0x10;
    /** Ethernet minimum without FCS: shorter frames are padded with zeros. */
    static final int MIN_FRAME = 60;

    private HostFrames() {
    }

    static int arp(MemorySegment f, int op, long srcMac, int srcIp, long targetMac, int targetIp, long ethDst) {
        int l2 = Wire.etherHeader(f, 0, ethDst, srcMac, -1, Wire.ETHERTYPE_ARP);
        Wire.u16(f, l2, 1); // Ethernet
        Wire.u16(f, l2 + 2, Wire.ETHERTYPE_IPV4);
        Wire.u8(f, l2 + 4, 6);
        Wire.u8(f, l2 + 5, 4);
        Wire.u16(f, l2 + 6, op);
        Wire.mac(f, l2 + 8, srcMac);
        Wire.u32(f, l2 + 14, srcIp);
        Wire.mac(f, l2 + 18, targetMac);
        Wire.u32(f, l2 + 24, targetIp);
        return pad(f, l2 + 28);
    }

    /** ICMP echo with {@code dataLen} bytes of data already at offset 42 of {@code f} (written by the caller). */
    static int icmpEcho(MemorySegment f, int type, long srcMac, int srcIp, long dstMac, int dstIp, int id, int seq, int dataLen,
            int ipId) {
        int l2 = Wire.etherHeader(f, 0, dstMac, srcMac, -1, Wire.ETHERTYPE_IPV4);
        int icmp = l2 + Wire.IPV4_HEADER;
        Wire.u8(f, icmp, type);
        Wire.u8(f, icmp + 1, 0);
        Wire.u16(f, icmp + 2, 0);
        Wire.u16(f, icmp + 4, id);
        Wire.u16(f, icmp + 6, seq);
        Wire.u16(f, icmp + 2, Wire.checksum(f, icmp, Wire.ICMP_HEADER + dataLen));
        Wire.ipv4Header(f, l2, Wire.IPV4_HEADER + Wire.ICMP_HEADER + dataLen, ipId, Wire.PROTO_ICMP, srcIp, dstIp);
        return pad(f, icmp + Wire.ICMP_HEADER + dataLen);
    }

    /** TCP segment with {@code dataLen} bytes of data already at offset 54 of {@code f}. */
    static int tcp(MemorySegment f, long srcMac, int srcIp, long dstMac, int dstIp, int srcPort, int dstPort, int seq, int ack,
            int flags, int window, int dataLen, int ipId) {
        int l2 = Wire.etherHeader(f, 0, dstMac, srcMac, -1, Wire.ETHERTYPE_IPV4);
        int tcp = l2 + Wire.IPV4_HEADER;
        Wire.u16(f, tcp, srcPort);
        Wire.u16(f, tcp + 2, dstPort);
        Wire.u32(f, tcp + 4, seq);
        Wire.u32(f, tcp + 8, ack);
        Wire.u16(f, tcp + 12, (5 << 12) | flags);
        Wire.u16(f, tcp + 14, window);
        Wire.u16(f, tcp + 16, 0);
        Wire.u16(f, tcp + 18, 0);
        int tcpLength = Wire.TCP_HEADER + dataLen;
        long sum = Wire.pseudoHeaderSum(srcIp, dstIp, Wire.PROTO_TCP, tcpLength);
        Wire.u16(f, tcp + 16, Wire.fold(Wire.sum(f, tcp, tcpLength, sum)));
        Wire.ipv4Header(f, l2, Wire.IPV4_HEADER + tcpLength, ipId, Wire.PROTO_TCP, srcIp, dstIp);
        return pad(f, tcp + tcpLength);
    }

    private static int pad(MemorySegment f, int len) {
        if (len >= MIN_FRAME) {
            return len;
        }
        for (int i = len; i < MIN_FRAME; i++) {
            Wire.u8(f, i, 0);
        }
        return MIN_FRAME;
    }
}

package io.pswitch.tools.testpcaps;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds Ethernet frames layer by layer, outermost first, with the lengths, type fields and
 * checksums filled in:
 * <pre>{@code
 * byte[] ping = FrameBuilder.ethernet(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
 *         .ipv4(ip("10.0.0.1"), ip("10.0.0.2"))
 *         .icmpEcho(true, 0x1234, 1)
 *         .payload(56)
 *         .build();
 * }</pre>
 * Each layer's type field (EtherType, VLAN inner type, IP protocol / next header) names the layer
 * that follows it; IPv4 total length, IPv6 payload length and UDP length cover everything after
 * the header; the IPv4 header, ICMP, ICMPv6, UDP and TCP checksums are computed (with the IPv4 or
 * IPv6 pseudo header). Frames shorter than 60 bytes are padded with zeros after the last layer,
 * as a NIC does (lengths exclude the padding), unless {@link #minLength(int)} says otherwise.
 *
 * <p>Deliberately broken frames are built valid, then edited as bytes by the caller.
 * Cold path (tests, tools, generators): it allocates freely.
 */
public final class FrameBuilder {
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88a8;
    public static final int ETHERTYPE_IPV6 = 0x86dd;

    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ICMPV6 = 58;

    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;

    public static final int ARP_REQUEST = 1;
    public static final int ARP_REPLY = 2;

    /** Shortest Ethernet frame without its FCS. */
    public static final int MIN_FRAME_LENGTH = 60;
    public static final int ETHERNET_HEADER_LENGTH = 14;

    public static final byte[] BROADCAST = mac("ff:ff:ff:ff:ff:ff");
    public static final byte[] ZERO_MAC = mac("00:00:00:00:00:00");

    private sealed interface Layer {
    }

    private record Ethernet(byte[] dst, byte[] src, int etherType) implements Layer {
    }

    private record Vlan(int tpid, int pcp, int vid) implements Layer {
    }

    private record Arp(int op, byte[] sha, byte[] spa, byte[] tha, byte[] tpa) implements Layer {
    }

    private record Ipv4(byte[] src, byte[] dst, int ttl, int id, boolean dontFragment, boolean moreFragments,
            int fragmentOffset, int protocol) implements Layer {
    }

    private record Ipv6(byte[] src, byte[] dst, int hopLimit, int nextHeader) implements Layer {
    }

    private record Icmp(int type, int code, int rest) implements Layer {
    }

    private record Icmpv6(int type, int code, int rest) implements Layer {
    }

    private record Udp(int srcPort, int dstPort) implements Layer {
    }

    private record Tcp(int srcPort, int dstPort, long seq, long ack, int flags, int window) implements Layer {
    }

    private record Payload(byte[] bytes) implements Layer {
    }

    private final List<Layer> layers = new ArrayList<>();
    private int minLength = MIN_FRAME_LENGTH;

    private FrameBuilder() {
    }

    /** Starts a frame; the EtherType comes from the next layer. */
    public static FrameBuilder ethernet(byte[] dst, byte[] src) {
        return ethernet(dst, src, -1);
    }

    /** Starts a frame with an explicit EtherType (for a raw {@link #payload}). */
    public static FrameBuilder ethernet(byte[] dst, byte[] src, int etherType) {
        FrameBuilder b = new FrameBuilder();
        b.layers.add(new Ethernet(check(dst, 6, "MAC"), check(src, 6, "MAC"), etherType));
        return b;
    }

    /** An 802.1Q tag (TPID 0x8100), priority 0. */
    public FrameBuilder vlan(int vid) {
        return vlan(ETHERTYPE_VLAN, 0, vid);
    }

    /** A VLAN tag with the given TPID (0x8100 C-tag, 0x88a8 S-tag), priority and VLAN id. */
    public FrameBuilder vlan(int tpid, int pcp, int vid) {
        if (vid < 0 || vid > 4095 || pcp < 0 || pcp > 7) {
            throw new IllegalArgumentException("VLAN id " + vid + " / priority " + pcp + " out of range");
        }
        layers.add(new Vlan(tpid, pcp, vid));
        return this;
    }

    /** An Ethernet/IPv4 ARP packet. */
    public FrameBuilder arp(int op, byte[] senderMac, byte[] senderIp, byte[] targetMac, byte[] targetIp) {
        layers.add(new Arp(op, check(senderMac, 6, "MAC"), check(senderIp, 4, "IPv4 address"), check(targetMac, 6, "MAC"),
                check(targetIp, 4, "IPv4 address")));
        return this;
    }

    /** An IPv4 header (no options), TTL 64, id 0, don't-fragment set. */
    public FrameBuilder ipv4(byte[] src, byte[] dst) {
        return ipv4(src, dst, 64, 0);
    }

    public FrameBuilder ipv4(byte[] src, byte[] dst, int ttl, int id) {
        layers.add(new Ipv4(check(src, 4, "IPv4 address"), check(dst, 4, "IPv4 address"), ttl, id, true, false, 0, -1));
        return this;
    }

    /**
     * An IPv4 fragment: {@code offset} is in bytes (a multiple of 8); follow it with the fragment's
     * bytes as a {@link #payload}.
     */
    public FrameBuilder ipv4Fragment(byte[] src, byte[] dst, int id, int protocol, int offset, boolean moreFragments) {
        if ((offset & 7) != 0) {
            throw new IllegalArgumentException("fragment offset " + offset + " is not a multiple of 8");
        }
        layers.add(new Ipv4(check(src, 4, "IPv4 address"), check(dst, 4, "IPv4 address"), 64, id, false, moreFragments, offset,
                protocol));
        return this;
    }

    /** An IPv6 header, hop limit 64. */
    public FrameBuilder ipv6(byte[] src, byte[] dst) {
        return ipv6(src, dst, 64);
    }

    public FrameBuilder ipv6(byte[] src, byte[] dst, int hopLimit) {
        layers.add(new Ipv6(check(src, 16, "IPv6 address"), check(dst, 16, "IPv6 address"), hopLimit, -1));
        return this;
    }

    /** An ICMP header; {@code rest} is the 4 bytes after the checksum. */
    public FrameBuilder icmp(int type, int code, int rest) {
        layers.add(new Icmp(type, code, rest));
        return this;
    }

    /** ICMP echo request (type 8) or reply (type 0). */
    public FrameBuilder icmpEcho(boolean request, int id, int seq) {
        return icmp(request ? 8 : 0, 0, (id & 0xffff) << 16 | (seq & 0xffff));
    }

    /** An ICMPv6 header; {@code rest} is the 4 bytes after the checksum. */
    public FrameBuilder icmpv6(int type, int code, int rest) {
        layers.add(new Icmpv6(type, code, rest));
        return this;
    }

    /** ICMPv6 echo request (128) or reply (129). */
    public FrameBuilder icmpv6Echo(boolean request, int id, int seq) {
        return icmpv6(request ? 128 : 129, 0, (id & 0xffff) << 16 | (seq & 0xffff));
    }

    public FrameBuilder udp(int srcPort, int dstPort) {
        layers.add(new Udp(srcPort, dstPort));
        return this;
    }

    /** A TCP header without options (data offset 5). */
    public FrameBuilder tcp(int srcPort, int dstPort, long seq, long ack, int flags, int window) {
        layers.add(new Tcp(srcPort, dstPort, seq, ack, flags, window));
        return this;
    }

    public FrameBuilder payload(byte[] bytes) {
        layers.add(new Payload(bytes.clone()));
        return this;
    }

    /** {@code length} bytes of a fixed pattern (0x00, 0x01, … wrapping), so frames are reproducible. */
    public FrameBuilder payload(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) i;
        }
        layers.add(new Payload(b));
        return this;
    }

    /** Pads the frame with zeros up to this length (default 60; 0 for no padding). */
    public FrameBuilder minLength(int length) {
        this.minLength = length;
        return this;
    }

    public byte[] build() {
        int size = 0;
        for (Layer l : layers) {
            size += headerLength(l);
        }
        byte[] f = new byte[Math.max(size, minLength)];
        int[] at = new int[layers.size()];
        int pos = 0;
        for (int i = 0; i < layers.size(); i++) {
            at[i] = pos;
            pos = write(f, pos, layers.get(i), typeOf(i + 1));
        }
        int end = pos;
        // Innermost first: a checksum covers the finished bytes of the layers inside it.
        for (int i = layers.size() - 1; i >= 0; i--) {
            finish(f, at[i], end, layers.get(i), i);
        }
        return f;
    }

    private static int headerLength(Layer l) {
        return switch (l) {
            case Ethernet e -> 14;
            case Vlan v -> 4;
            case Arp a -> 28;
            case Ipv4 ip -> 20;
            case Ipv6 ip -> 40;
            case Icmp c -> 8;
            case Icmpv6 c -> 8;
            case Udp u -> 8;
            case Tcp t -> 20;
            case Payload p -> p.bytes().length;
        };
    }

    /** The type code the layer before {@code next} announces: EtherType or IP protocol. */
    private int typeOf(int next) {
        if (next >= layers.size()) {
            return -1;
        }
        return switch (layers.get(next)) {
            case Vlan v -> v.tpid();
            case Arp a -> ETHERTYPE_ARP;
            case Ipv4 v -> ETHERTYPE_IPV4;
            case Ipv6 v -> ETHERTYPE_IPV6;
            case Icmp c -> IPPROTO_ICMP;
            case Icmpv6 c -> IPPROTO_ICMPV6;
            case Udp u -> IPPROTO_UDP;
            case Tcp t -> IPPROTO_TCP;
            case Ethernet e -> -1;
            case Payload p -> -1;
        };
    }

    private static int write(byte[] f, int p, Layer layer, int nextType) {
        switch (layer) {
            case Ethernet e -> {
                System.arraycopy(e.dst(), 0, f, p, 6);
                System.arraycopy(e.src(), 0, f, p + 6, 6);
                put16(f, p + 12, e.etherType() >= 0 ? e.etherType() : required(nextType, "EtherType after Ethernet"));
                return p + 14;
            }
            case Vlan v -> {
                put16(f, p, v.pcp() << 13 | v.vid()); // DEI 0
                put16(f, p + 2, required(nextType, "EtherType after a VLAN tag"));
                return p + 4;
            }
            case Arp a -> {
                put16(f, p, 1);
                put16(f, p + 2, ETHERTYPE_IPV4);
                f[p + 4] = 6;
                f[p + 5] = 4;
                put16(f, p + 6, a.op());
                System.arraycopy(a.sha(), 0, f, p + 8, 6);
                System.arraycopy(a.spa(), 0, f, p + 14, 4);
                System.arraycopy(a.tha(), 0, f, p + 18, 6);
                System.arraycopy(a.tpa(), 0, f, p + 24, 4);
                return p + 28;
            }
            case Ipv4 ip -> {
                f[p] = 0x45;
                put16(f, p + 4, ip.id());
                put16(f, p + 6, (ip.dontFragment() ? 0x4000 : 0) | (ip.moreFragments() ? 0x2000 : 0) | (ip.fragmentOffset() >> 3));
                f[p + 8] = (byte) ip.ttl();
                f[p + 9] = (byte) (ip.protocol() >= 0 ? ip.protocol() : required(nextType, "protocol after IPv4"));
                System.arraycopy(ip.src(), 0, f, p + 12, 4);
                System.arraycopy(ip.dst(), 0, f, p + 16, 4);
                return p + 20;
            }
            case Ipv6 ip -> {
                f[p] = 0x60;
                f[p + 6] = (byte) (ip.nextHeader() >= 0 ? ip.nextHeader() : required(nextType, "next header after IPv6"));
                f[p + 7] = (byte) ip.hopLimit();
                System.arraycopy(ip.src(), 0, f, p + 8, 16);
                System.arraycopy(ip.dst(), 0, f, p + 24, 16);
                return p + 40;
            }
            case Icmp c -> {
                f[p] = (byte) c.type();
                f[p + 1] = (byte) c.code();
                put32(f, p + 4, c.rest());
                return p + 8;
            }
            case Icmpv6 c -> {
                f[p] = (byte) c.type();
                f[p + 1] = (byte) c.code();
                put32(f, p + 4, c.rest());
                return p + 8;
            }
            case Udp u -> {
                put16(f, p, u.srcPort());
                put16(f, p + 2, u.dstPort());
                return p + 8;
            }
            case Tcp t -> {
                put16(f, p, t.srcPort());
                put16(f, p + 2, t.dstPort());
                put32(f, p + 4, (int) t.seq());
                put32(f, p + 8, (int) t.ack());
                f[p + 12] = 0x50;
                f[p + 13] = (byte) t.flags();
                put16(f, p + 14, t.window());
                return p + 20;
            }
            case Payload pl -> {
                System.arraycopy(pl.bytes(), 0, f, p, pl.bytes().length);
                return p + pl.bytes().length;
            }
        }
    }

    private static int required(int type, String what) {
        if (type < 0) {
            throw new IllegalStateException("cannot tell the " + what + ": add the next layer or give the type explicitly");
        }
        return type;
    }

    /** Fills lengths and checksums once everything inside the layer is written. */
    private void finish(byte[] f, int p, int end, Layer layer, int index) {
        switch (layer) {
            case Ipv4 ip -> {
                put16(f, p + 2, end - p);
                put16(f, p + 10, 0);
                put16(f, p + 10, checksum(f, p, 20, 0));
            }
            case Ipv6 ip -> put16(f, p + 4, end - p - 40);
            case Icmp c -> put16(f, p + 2, checksum(f, p, end - p, 0));
            case Icmpv6 c -> put16(f, p + 2, checksum(f, p, end - p, pseudoHeader(f, index, end - p, IPPROTO_ICMPV6)));
            case Udp u -> {
                put16(f, p + 4, end - p);
                int sum = checksum(f, p, end - p, pseudoHeader(f, index, end - p, IPPROTO_UDP));
                put16(f, p + 6, sum == 0 ? 0xffff : sum);
            }
            case Tcp t -> put16(f, p + 16, checksum(f, p, end - p, pseudoHeader(f, index, end - p, IPPROTO_TCP)));
            default -> {
                // no length or checksum
            }
        }
    }

    /** The unfolded sum of the pseudo header of the IP layer that encloses layer {@code index}. */
    private int pseudoHeader(byte[] f, int index, int length, int protocol) {
        for (int i = index - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            if (l instanceof Ipv4 ip) {
                return sum(ip.src(), 0, 4) + sum(ip.dst(), 0, 4) + protocol + length;
            }
            if (l instanceof Ipv6 ip) {
                return sum(ip.src(), 0, 16) + sum(ip.dst(), 0, 16) + (length >>> 16) + (length & 0xffff) + protocol;
            }
        }
        throw new IllegalStateException("a checksummed layer needs an enclosing IPv4 or IPv6 layer");
    }

    /** The Internet checksum (RFC 1071) of {@code len} bytes plus an initial unfolded sum. */
    public static int checksum(byte[] b, int off, int len, int initial) {
        long s = initial + (long) sum(b, off, len);
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    private static int sum(byte[] b, int off, int len) {
        int s = 0;
        int i = 0;
        for (; i + 1 < len; i += 2) {
            s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        if (i < len) {
            s += (b[off + i] & 0xff) << 8;
        }
        return s;
    }

    private static void put16(byte[] f, int p, int v) {
        f[p] = (byte) (v >>> 8);
        f[p + 1] = (byte) v;
    }

    private static void put32(byte[] f, int p, int v) {
        f[p] = (byte) (v >>> 24);
        f[p + 1] = (byte) (v >>> 16);
        f[p + 2] = (byte) (v >>> 8);
        f[p + 3] = (byte) v;
    }

    private static byte[] check(byte[] b, int length, String what) {
        if (b == null || b.length != length) {
            throw new IllegalArgumentException(what + " must be " + length + " bytes, not " + (b == null ? "null" : b.length));
        }
        return b.clone();
    }

    /** Parses {@code 02:00:00:00:00:01}. */
    public static byte[] mac(String text) {
        String[] parts = text.split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }

    /** Parses an IPv4 or IPv6 address literal (no name lookup). */
    public static byte[] ip(String literal) {
        return InetAddress.ofLiteral(literal).getAddress();
    }

    /** The IPv6 solicited-node multicast MAC 33:33:ff:xx:xx:xx for an address. */
    public static byte[] solicitedNodeMac(byte[] ipv6) {
        return new byte[] {0x33, 0x33, (byte) 0xff, ipv6[13], ipv6[14], ipv6[15]};
    }

    @Override
    public String toString() {
        return "FrameBuilder" + Arrays.toString(layers.toArray());
    }
}

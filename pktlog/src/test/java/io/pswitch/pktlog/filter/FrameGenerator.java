package io.pswitch.pktlog.filter;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds varied Ethernet frames from a seed: untagged, 802.1Q, QinQ (0x88a8 and stacked 0x8100),
 * IPv4 with and without options and fragments, IPv6 with extension-header chains and fragments, TCP,
 * UDP, ICMP, ICMPv6, ARP, LLC/STP, LLDP, plus runts of 0-13 bytes, truncated captures (caplen below
 * the wire length) and random bytes. Addresses and ports come from small pools that the test
 * expressions name, so that every expression matches some frames and misses others.
 */
final class FrameGenerator {
    static final byte[][] MACS = {
            mac("00:11:22:33:44:55"), mac("66:77:88:99:aa:bb"), mac("ff:ff:ff:ff:ff:ff"),
            mac("01:00:5e:00:00:fb"), mac("33:33:00:00:00:01"), mac("01:80:c2:00:00:00"), mac("02:00:00:00:00:07")};
    static final int[] IPV4 = {0x0a000001, 0x0a010203, 0xc0a8010a, 0xac100005, 0xe00000fb, 0xffffffff, 0x08080808};
    static final int[] PORTS = {80, 443, 53, 22, 1024, 1500, 4789, 67, 68, 65535, 0};
    static final int[] VIDS = {0, 1, 100, 200, 2001, 30, 20, 10, 4095};

    private final Random rnd;

    FrameGenerator(long seed) {
        this.rnd = new Random(seed);
    }

    List<CapturedFrame> frames(int count) {
        List<CapturedFrame> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(next(i));
        }
        return out;
    }

    private CapturedFrame next(int i) {
        int kind = rnd.nextInt(100);
        if (kind < 4) {
            byte[] runt = bytes(rnd.nextInt(14));
            return new CapturedFrame("runt#" + i, runt, runt.length);
        }
        if (kind < 8) {
            byte[] random = bytes(14 + rnd.nextInt(200));
            return new CapturedFrame("random#" + i, random, random.length);
        }
        byte[] frame = ethernet();
        int wireLen = frame.length;
        if (rnd.nextInt(5) == 0) {
            // A capture cut short (snaplen): the filter sees fewer bytes than the wire carried.
            int capLen = rnd.nextInt(frame.length + 1);
            byte[] cut = new byte[capLen];
            System.arraycopy(frame, 0, cut, 0, capLen);
            return new CapturedFrame("truncated#" + i, cut, wireLen + rnd.nextInt(3) * rnd.nextInt(2000));
        }
        if (rnd.nextInt(20) == 0) {
            // Corrupt one byte: header fields that lie.
            frame[rnd.nextInt(frame.length)] = (byte) rnd.nextInt(256);
        }
        return new CapturedFrame("frame#" + i, frame, wireLen);
    }

    private byte[] ethernet() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(pick(MACS));
        b.writeBytes(rnd.nextInt(8) == 0 ? mac("01:00:5e:7f:00:01") : pick(MACS));
        int tags = rnd.nextInt(10) < 6 ? 0 : rnd.nextInt(4);
        for (int t = 0; t < tags; t++) {
            int tpid = t == 0 && rnd.nextInt(3) == 0 ? 0x88a8 : (rnd.nextInt(10) == 0 ? 0x9100 : 0x8100);
            short16(b, tpid);
            short16(b, (rnd.nextInt(8) << 13) | VIDS[rnd.nextInt(VIDS.length)]);
        }
        int payload = rnd.nextInt(100);
        if (payload < 40) {
            short16(b, 0x0800);
            b.writeBytes(ipv4());
        } else if (payload < 65) {
            short16(b, 0x86dd);
            b.writeBytes(ipv6());
        } else if (payload < 78) {
            short16(b, 0x0806);
            b.writeBytes(arp());
        } else if (payload < 84) {
            byte[] llc = {(byte) 0x42, (byte) 0x42, 0x03, 0, 0, 0, 0};
            short16(b, llc.length + rnd.nextInt(40));
            b.writeBytes(llc);
            b.writeBytes(bytes(rnd.nextInt(40)));
        } else if (payload < 88) {
            short16(b, 0x88cc);
            b.writeBytes(bytes(rnd.nextInt(60)));
        } else {
            short16(b, new int[]{0x8847, 0x8864, 0x0800, 0x86dd, rnd.nextInt(65536)}[rnd.nextInt(5)]);
            b.writeBytes(bytes(rnd.nextInt(120)));
        }
        if (rnd.nextBoolean() && b.size() < 60) {
            b.writeBytes(new byte[60 - b.size()]); // Ethernet padding to the minimum frame
        }
        if (rnd.nextInt(30) == 0) {
            b.writeBytes(bytes(1400 + rnd.nextInt(200)));
        }
        return b.toByteArray();
    }

    private byte[] ipv4() {
        int proto = new int[]{6, 6, 17, 17, 1, 47, 2, rnd.nextInt(256)}[rnd.nextInt(8)];
        byte[] l4 = transport(proto, false);
        int optWords = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 0;
        int hlen = 20 + 4 * optWords;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(rnd.nextInt(20) == 0 ? 0x65 : 0x40 | (5 + optWords));
        b.write(rnd.nextInt(256));
        short16(b, hlen + l4.length);
        short16(b, rnd.nextInt(65536));
        int frag = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 0x2000 : 0) | rnd.nextInt(0x2000) : (rnd.nextBoolean() ? 0x4000 : 0);
        short16(b, frag);
        b.write(rnd.nextInt(4) == 0 ? 1 : 64);
        b.write(proto);
        short16(b, 0);
        int32(b, IPV4[rnd.nextInt(IPV4.length)] + (rnd.nextInt(6) == 0 ? rnd.nextInt(256) : 0));
        int32(b, rnd.nextInt(5) == 0 ? rnd.nextInt() : IPV4[rnd.nextInt(IPV4.length)]);
        b.writeBytes(bytes(4 * optWords));
        b.writeBytes(l4);
        return b.toByteArray();
    }

    private byte[] ipv6() {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        int[] chain = {0, 43, 44, 60};
        int extCount = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(3) : 0;
        List<Integer> headers = new ArrayList<>();
        for (int i = 0; i < extCount; i++) {
            headers.add(chain[rnd.nextInt(chain.length)]);
        }
        int proto = new int[]{6, 17, 58, 58, 59}[rnd.nextInt(5)];
        for (int i = 0; i < headers.size(); i++) {
            int next = i + 1 < headers.size() ? headers.get(i + 1) : proto;
            int type = headers.get(i);
            ext.write(next);
            if (type == 44) {
                ext.write(0);
                short16(ext, rnd.nextBoolean() ? 1 : (rnd.nextInt(100) << 3));
                int32(ext, rnd.nextInt());
            } else {
                int len = rnd.nextInt(2);
                ext.write(len);
                ext.writeBytes(new byte[6 + 8 * len]);
            }
        }
        int first = headers.isEmpty() ? proto : headers.get(0);
        byte[] l4 = transport(proto, true);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int32(b, 0x60000000 | rnd.nextInt(1 << 20));
        short16(b, ext.size() + l4.length);
        b.write(first);
        b.write(rnd.nextBoolean() ? 255 : 64);
        b.writeBytes(ipv6Address());
        b.writeBytes(ipv6Address());
        b.writeBytes(ext.toByteArray());
        b.writeBytes(l4);
        return b.toByteArray();
    }

    private byte[] ipv6Address() {
        return switch (rnd.nextInt(4)) {
            case 0 -> hex("20010db8000000000000000000000001");
            case 1 -> hex("fe800000000000000000000000000001");
            case 2 -> hex("ff020000000000000000000000000001");
            default -> bytes(16);
        };
    }

    private byte[] transport(int proto, boolean v6) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        switch (proto) {
            case 6 -> {
                short16(b, PORTS[rnd.nextInt(PORTS.length)]);
                short16(b, PORTS[rnd.nextInt(PORTS.length)]);
                int32(b, rnd.nextInt());
                int32(b, rnd.nextInt());
                int offWords = 5 + (rnd.nextInt(3) == 0 ? rnd.nextInt(3) : 0);
                b.write(offWords << 4);
                b.write(new int[]{0x02, 0x12, 0x10, 0x18, 0x11, 0x04, rnd.nextInt(256)}[rnd.nextInt(7)]);
                short16(b, rnd.nextInt(65536));
                int32(b, 0);
                b.writeBytes(new byte[4 * (offWords - 5)]);
                b.writeBytes(rnd.nextInt(4) == 0 ? "GET / HTTP/1.1\r\n".getBytes() : bytes(rnd.nextInt(60)));
            }
            case 17 -> {
                short16(b, PORTS[rnd.nextInt(PORTS.length)]);
                short16(b, PORTS[rnd.nextInt(PORTS.length)]);
                byte[] payload = bytes(rnd.nextInt(60));
                short16(b, 8 + payload.length);
                short16(b, 0);
                b.writeBytes(payload);
            }
            case 1, 58 -> {
                int[] types = v6 ? new int[]{128, 129, 135, 136, 1} : new int[]{8, 0, 3, 11};
                b.write(types[rnd.nextInt(types.length)]);
                b.write(0);
                short16(b, 0);
                b.writeBytes(bytes(rnd.nextInt(40)));
            }
            default -> b.writeBytes(bytes(rnd.nextInt(40)));
        }
        return b.toByteArray();
    }

    private byte[] arp() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        short16(b, 1);
        short16(b, 0x0800);
        b.write(6);
        b.write(4);
        short16(b, 1 + rnd.nextInt(2));
        b.writeBytes(pick(MACS));
        int32(b, IPV4[rnd.nextInt(IPV4.length)]);
        b.writeBytes(new byte[6]);
        int32(b, IPV4[rnd.nextInt(IPV4.length)]);
        return b.toByteArray();
    }

    private byte[] pick(byte[][] pool) {
        return rnd.nextInt(6) == 0 ? bytes(6) : pool[rnd.nextInt(pool.length)];
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static void short16(ByteArrayOutputStream b, int v) {
        b.write(v >>> 8);
        b.write(v);
    }

    private static void int32(ByteArrayOutputStream b, int v) {
        short16(b, v >>> 16);
        short16(b, v);
    }

    static byte[] mac(String text) {
        return hex(text.replace(":", ""));
    }

    static byte[] hex(String text) {
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}

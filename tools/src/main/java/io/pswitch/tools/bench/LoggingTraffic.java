package io.pswitch.tools.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The logging benchmark's traffic: IPv4/UDP frames from 02:00:00:00:00:01 (10.0.0.1) to
 * 02:00:00:00:00:02 (10.0.0.2), numbered by a sequence in the UDP payload. A frame is <em>marked</em>
 * — sent to UDP port {@link #MARKED_PORT} instead of {@link #PLAIN_PORT} — for {@code match} percent
 * of the sequence numbers, spread evenly (10 %: every tenth frame), and {@link #FILTER}, a real
 * libpcap expression, selects exactly the marked ones. Frame {@code seq} is a pure function of
 * {@code (size, match, seq)}, so a test can rebuild every frame the generator sent.
 */
public final class LoggingTraffic {
    public static final int PLAIN_PORT = 5000;
    public static final int MARKED_PORT = 5001;
    /** The logging filter of every logging case. */
    public static final String FILTER = "udp dst port " + MARKED_PORT;
    /** Where the sequence number sits: the first 8 bytes of the UDP payload. */
    public static final int SEQ_OFFSET = 14 + 20 + 8;
    public static final int MIN_SIZE = SEQ_OFFSET + 8;

    private LoggingTraffic() {
    }

    /** Whether frame {@code seq} is one of the {@code match} percent the filter selects. */
    public static boolean marked(long seq, int match) {
        return (seq * match) % 100 < match;
    }

    /** The frame without its sequence number (zero there), marked or not. */
    public static byte[] template(int size, boolean marked) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("frame size " + size + " is below " + MIN_SIZE + " bytes");
        }
        byte[] f = new byte[size];
        f[0] = 0x02; f[5] = 0x02;                 // dst 02:00:00:00:00:02
        f[6] = 0x02; f[11] = 0x01;                // src 02:00:00:00:00:01
        f[12] = 0x08; f[13] = 0x00;               // IPv4
        int ip = 14;
        f[ip] = 0x45;                             // version 4, IHL 5
        put16(f, ip + 2, size - 14);              // total length
        f[ip + 8] = 64;                           // TTL
        f[ip + 9] = 17;                           // UDP
        f[ip + 12] = 10; f[ip + 15] = 1;          // 10.0.0.1
        f[ip + 16] = 10; f[ip + 19] = 2;          // 10.0.0.2
        put16(f, ip + 10, ipChecksum(f, ip));
        int udp = ip + 20;
        put16(f, udp, 40000);
        put16(f, udp + 2, marked ? MARKED_PORT : PLAIN_PORT);
        put16(f, udp + 4, size - udp);            // UDP length; checksum 0 (none, allowed on IPv4)
        return f;
    }

    /** Frame {@code seq} as sent, for checks. */
    public static byte[] frame(int size, int match, long seq) {
        byte[] f = template(size, marked(seq, match));
        MemorySegment.ofArray(f).set(ValueLayout.JAVA_LONG_UNALIGNED, SEQ_OFFSET, seq);
        return f;
    }

    /** The sequence number of a frame read back from {@code segment} at {@code offset}. */
    public static long seq(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + SEQ_OFFSET);
    }

    private static void put16(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }

    private static int ipChecksum(byte[] f, int ip) {
        int sum = 0;
        for (int i = ip; i < ip + 20; i += 2) {
            sum += ((f[i] & 0xff) << 8) | (f[i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }
}

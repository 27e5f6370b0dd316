package io.pswitch.archive;

import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.segment.SegmentWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Real Ethernet/IPv4/UDP frames, a different one per sequence number, written into a segment log
 * as the drain would: from one pool-like off-heap segment, slots reused only after a sync (large
 * frames are written from it in place). Source address 10.0.{@code seq % 4}.1, destination
 * 10.1.0.{@code seq % 200}, UDP ports 1000 + seq % 7 → 2000; lengths 60..1400.
 */
public final class UdpFrames implements AutoCloseable {
    public static final long BASE_TS = 1_700_000_000_000_000_000L;
    public static final long SPACING_NS = 1_000_000L;
    private static final int SLOT = 2048;
    private static final int SLOTS = 1024;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment pool = arena.allocate((long) SLOT * SLOTS, 4096);

    public static long ts(long seq) {
        return BASE_TS + seq * SPACING_NS;
    }

    public static int length(long seq) {
        return 60 + (int) ((seq * 7919) % 1341);
    }

    public static int port(long seq) {
        return (int) (seq % 3);
    }

    /** A pcap at {@code file} of frames 1..{@code frames}, each at {@link #ts}: a capture port's input. */
    public static Path writeCapture(Path file, int frames) throws IOException {
        try (PcapWriter w = PcapWriter.create(file)) {
            for (long seq = 1; seq <= frames; seq++) {
                w.write(ts(seq), frame(seq));
            }
        }
        return file;
    }

    /** The frame of {@code seq}. */
    public static byte[] frame(long seq) {
        return frame(seq, false);
    }

    /**
     * The frame of {@code seq}; with {@code randomPayload} its UDP payload is pseudo-random bytes
     * (seeded by {@code seq}: as incompressible as encrypted traffic) instead of a byte ramp.
     */
    public static byte[] frame(long seq, boolean randomPayload) {
        int len = length(seq);
        byte[] f = new byte[len];
        // Ethernet: dst, src, type IPv4
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (0x02 + i);
            f[6 + i] = (byte) (0x12 + i);
        }
        f[12] = 0x08;
        f[13] = 0x00;
        int ip = 14;
        f[ip] = 0x45;
        int ipLen = len - 14;
        f[ip + 2] = (byte) (ipLen >> 8);
        f[ip + 3] = (byte) ipLen;
        f[ip + 8] = 64;
        f[ip + 9] = 17;
        f[ip + 12] = 10;
        f[ip + 13] = 0;
        f[ip + 14] = (byte) (seq % 4);
        f[ip + 15] = 1;
        f[ip + 16] = 10;
        f[ip + 17] = 1;
        f[ip + 18] = 0;
        f[ip + 19] = (byte) (seq % 200);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((f[ip + i] & 0xFF) << 8) | (f[ip + i + 1] & 0xFF);
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        f[ip + 10] = (byte) (~sum >> 8);
        f[ip + 11] = (byte) ~sum;
        int udp = ip + 20;
        int sport = 1000 + (int) (seq % 7);
        f[udp] = (byte) (sport >> 8);
        f[udp + 1] = (byte) sport;
        f[udp + 2] = (byte) (2000 >> 8);
        f[udp + 3] = (byte) 2000;
        int udpLen = len - udp;
        f[udp + 4] = (byte) (udpLen >> 8);
        f[udp + 5] = (byte) udpLen;
        long x = seq * 0x9E3779B97F4A7C15L | 1;
        for (int i = udp + 8; i < len; i++) {
            if (randomPayload) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                f[i] = (byte) x;
            } else {
                f[i] = (byte) (seq * 31 + i);
            }
        }
        return f;
    }

    /** Appends records {@code from..to} (sequence numbers) and makes them durable. */
    public void write(SegmentWriter w, long from, long to) {
        write(w, from, to, false);
    }

    /** As {@link #write(SegmentWriter, long, long)}, the payloads pseudo-random when {@code randomPayload}. */
    public void write(SegmentWriter w, long from, long to, boolean randomPayload) {
        long since = 0;
        for (long seq = from; seq <= to; seq++) {
            byte[] f = frame(seq, randomPayload);
            long at = (seq % SLOTS) * SLOT;
            MemorySegment.copy(MemorySegment.ofArray(f), 0, pool, at, f.length);
            while (!w.add(seq, ts(seq), port(seq), 0, 1L, 0, f.length, f.length, 0L, pool, at)) {
                w.write();
            }
            if (++since == SLOTS / 2) {
                // Slots are reused only once what was written from them is durable.
                w.write();
                w.sync();
                since = 0;
            }
        }
        w.write();
        w.sync();
    }

    static long u32(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at) & 0xFFFFFFFFL;
    }

    @Override
    public void close() {
        arena.close();
    }
}

package io.pswitch.control.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The far side of a {@code testmem:} port: frames a test puts in are received by the switch;
 * frames the switch transmits come out. Thread-safe: the test thread feeds and reads, the
 * dataplane thread syncs.
 */
public final class MemoryWire {
    private static final ConcurrentHashMap<String, MemoryWire> WIRES = new ConcurrentHashMap<>();

    final ConcurrentLinkedQueue<byte[]> inbound = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<byte[]> outbound = new ConcurrentLinkedQueue<>();
    /** False: the port's driver reports DOWN, as when a cable is pulled. */
    public volatile boolean linkUp = true;

    /** The wire named by a port spec argument ({@code a=testmem:WIRE}). */
    public static MemoryWire named(String name) {
        return WIRES.computeIfAbsent(name, n -> new MemoryWire());
    }

    public void send(byte[]... frames) {
        for (byte[] f : frames) {
            inbound.add(f);
        }
    }

    public List<byte[]> received() {
        List<byte[]> out = new ArrayList<>();
        byte[] f;
        while ((f = outbound.poll()) != null) {
            out.add(f);
        }
        return out;
    }

    /** An Ethernet II frame of {@code length} bytes from {@code src} to {@code dst} (last octets). */
    public static byte[] frame(int dst, int src, int length) {
        byte[] f = new byte[length];
        f[0] = 0x02;
        f[5] = (byte) dst;
        f[6] = 0x02;
        f[11] = (byte) src;
        f[12] = 0x08;
        f[13] = 0x00;
        return f;
    }

    public static byte[] broadcast(int src, int length) {
        byte[] f = frame(0, src, length);
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        return f;
    }
}

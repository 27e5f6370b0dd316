package io.pswitch.tools.reliability;

import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.tools.wire.MacAddress;
import io.pswitch.tools.wire.Wire;
import java.lang.foreign.MemorySegment;

/** Frames the tests build by hand to make the switch learn where stations are. */
final class Stations {
    static final int ANNOUNCE_ETHERTYPE = 0x88B5;

    private Stations() {
    }

    /** A 60-byte broadcast frame from {@code src}: the switch learns {@code src} on the port it arrives on. */
    static byte[] announce(long src) {
        byte[] frame = new byte[60];
        Wire.etherHeader(MemorySegment.ofArray(frame), 0, MacAddress.BROADCAST, src, -1, ANNOUNCE_ETHERTYPE);
        return frame;
    }

    /** A 64-byte unicast IPv4-typed frame from {@code src} to {@code dst}. */
    static byte[] unicast(long dst, long src) {
        byte[] frame = new byte[64];
        Wire.etherHeader(MemorySegment.ofArray(frame), 0, dst, src, -1, Wire.ETHERTYPE_IPV4);
        return frame;
    }

    /** Sends, waiting (up to 5 s) while the to-switch ring is full. */
    static void send(ShmEndpoint port, byte[] frame) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!port.send(frame, 0, frame.length)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the switch took no frame from shm port " + port.name() + " for 5 s");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Reads and hands back everything waiting in the port's from-switch ring until nothing has come
     * for {@code quietMs}; returns how many frames of {@code etherType} there were (-1 = any).
     */
    static long drain(ShmEndpoint port, int etherType, long quietMs) {
        long count = 0;
        long quietSince = System.nanoTime();
        while (true) {
            int n = port.poll(port.slotCount());
            if (n == 0) {
                if (System.nanoTime() - quietSince >= quietMs * 1_000_000L) {
                    return count;
                }
                Thread.yield(); // the switch shares the machine's few cores with this reader
                continue;
            }
            MemorySegment s = port.segment();
            for (int i = 0; i < n; i++) {
                if (etherType < 0 || (port.storedLength(i) >= 14 && Wire.u16(s, port.frameOffset(i) + 12) == etherType)) {
                    count++;
                }
            }
            port.release(n);
            quietSince = System.nanoTime();
        }
    }
}

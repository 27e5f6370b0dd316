package io.pswitch.control.system;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Frames numbered by an id, each with a payload and a length that only its id determines, so a
 * logged frame can be regenerated from the id it carries and compared byte for byte.
 *
 * <p>Every frame is IPv4/UDP from {@link #SRC_MAC} to {@link #DST_MAC} (never learned: flooded to
 * the other ports), UDP destination port {@code 1000 + id % 4}: the filter
 * {@code udp dst port 1000} matches exactly the frames whose id is a multiple of 4.
 */
final class NumberedFrames {
    static final long SRC_MAC = 0x02_00_5e_00_aa_01L;
    static final long DST_MAC = 0x02_00_5e_00_bb_02L;
    static final int BASE_PORT = 1000;
    /** Offset of the 8-byte id: after Ethernet (14), IPv4 (20) and UDP (8) headers. */
    static final int ID_OFFSET = 42;
    static final int MAX_LENGTH = 60 + 397;
    private static final ValueLayout.OfLong ID = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private NumberedFrames() {
    }

    static int udpDstPort(long id) {
        return BASE_PORT + (int) (id % 4);
    }

    static int length(long id) {
        return 60 + (int) (mix(id) % 398);
    }

    /** The frame with this id. */
    static byte[] frame(long id) {
        int len = length(id);
        ByteBuffer b = ByteBuffer.allocate(len);
        putMac(b, DST_MAC);
        putMac(b, SRC_MAC);
        b.putShort((short) 0x0800);
        // IPv4: version 4, IHL 5, no fragments, TTL 64, UDP, 10.99.0.1 -> 10.99.0.2.
        b.put((byte) 0x45).put((byte) 0).putShort((short) (len - 14)).putShort((short) id).putShort((short) 0)
                .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(0x0a630001).putInt(0x0a630002);
        b.putShort((short) 40000).putShort((short) udpDstPort(id)).putShort((short) (len - 34)).putShort((short) 0);
        b.putLong(id);
        long x = mix(id ^ 0x5deece66dL);
        while (b.hasRemaining()) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            b.put((byte) (x >>> 56));
        }
        return b.array();
    }

    /** The id a (possibly truncated) stored frame carries, or -1 when it is too short to carry one. */
    static long id(MemorySegment frame, long offset, int storedLength) {
        if (storedLength < ID_OFFSET + 8) {
            return -1;
        }
        return frame.get(ID, offset + ID_OFFSET);
    }

    /** Whether {@code stored} bytes at {@code offset} are exactly the first bytes of frame {@code id}. */
    static boolean matches(long id, MemorySegment frame, long offset, int storedLength, int wireLength) {
        byte[] expected = frame(id);
        if (wireLength != expected.length || storedLength > expected.length) {
            return false;
        }
        return MemorySegment.mismatch(frame, offset, offset + storedLength,
                MemorySegment.ofArray(expected), 0, storedLength) == -1;
    }

    private static long mix(long z) {
        z = (z + 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (mac >>> shift));
        }
    }
}

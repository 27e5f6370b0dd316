package io.pswitch.control.scenario;

import java.nio.ByteBuffer;

/** Hand-made Ethernet frames for the scenarios: addresses, optional tags, an EtherType and a marked payload. */
final class Frames {
    static final int TPID_8021Q = 0x8100;
    static final int TPID_8021AD = 0x88a8;
    static final int TPID_QINQ_LEGACY = 0x9100;
    static final int MIN_FRAME = 60;

    private Frames() {
    }

    static long mac(String s) {
        return Long.parseLong(s.replace(":", ""), 16);
    }

    /** An untagged frame padded to 60 bytes whose payload starts with {@code marker}. */
    static byte[] eth(String dst, String src, int marker) {
        return tagged(dst, src, new int[0], marker, MIN_FRAME);
    }

    /**
     * A frame of {@code length} bytes (at least the header): {@code tags} holds (TPID, TCI) pairs,
     * outermost first; EtherType 0x88b5 (local experimental) then a 4-byte marker, then a byte pattern.
     */
    static byte[] tagged(String dst, String src, int[] tags, int marker, int length) {
        int header = 14 + 2 * tags.length;
        ByteBuffer b = ByteBuffer.allocate(Math.max(length, header + 4));
        putMac(b, mac(dst));
        putMac(b, mac(src));
        for (int i = 0; i < tags.length; i += 2) {
            b.putShort((short) tags[i]).putShort((short) tags[i + 1]);
        }
        b.putShort((short) 0x88b5).putInt(marker);
        for (int i = b.position(); i < b.capacity(); i++) {
            b.put((byte) (i * 7 + marker));
        }
        return b.array();
    }

    /** A VID-only 802.1Q tag list: {0x8100, vid}. */
    static int[] vlan(int vid) {
        return new int[] {TPID_8021Q, vid};
    }

    /** The first {@code length} bytes of a frame: for runts. */
    static byte[] cut(byte[] frame, int length) {
        byte[] b = new byte[length];
        System.arraycopy(frame, 0, b, 0, length);
        return b;
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (mac >>> shift));
        }
    }
}

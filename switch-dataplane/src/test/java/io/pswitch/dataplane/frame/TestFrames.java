package io.pswitch.dataplane.frame;

/**
 * Ethernet frames for tests, the one builder every module's tests share (through switch-dataplane's
 * test-jar): real headers the switch parses (destination, source, optional 802.1Q tag, EtherType
 * 0x88b5, the IEEE local-experimental type) and a payload derived from {@code seq}, so two frames
 * differ byte-wise and a test can tell which one arrived.
 */
public final class TestFrames {
    /** 02:00:00:00:00:01 and 02:00:00:00:00:02: locally administered unicast stations. */
    public static final long STATION_1 = 0x020000000001L;
    public static final long STATION_2 = 0x020000000002L;

    private TestFrames() {
    }

    /**
     * @param vid the 802.1Q VLAN id, or -1 for an untagged frame
     * @param length bytes in all; a frame shorter than its headers is cut (a runt)
     */
    public static byte[] frame(long dst, long src, int vid, int length, int seq) {
        byte[] f = new byte[length];
        for (int i = 0; i < 6 && i < length; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            if (6 + i < length) {
                f[6 + i] = (byte) (src >>> (40 - 8 * i));
            }
        }
        int at = 12;
        if (vid >= 0 && length >= at + 4) {
            f[at++] = (byte) 0x81;
            f[at++] = 0x00;
            f[at++] = (byte) (vid >>> 8);
            f[at++] = (byte) vid;
        }
        if (length >= at + 2) {
            f[at++] = (byte) 0x88;
            f[at++] = (byte) 0xb5;
        }
        for (int i = at; i < length; i++) {
            f[i] = (byte) (seq + i);
        }
        return f;
    }

    /** A 64-byte untagged frame. */
    public static byte[] frame(long dst, long src) {
        return frame(dst, src, -1, 64, 0);
    }

    /** An untagged frame from station 2 to station 1. */
    public static byte[] frame(int length, int seq) {
        return frame(STATION_1, STATION_2, -1, length, seq);
    }
}

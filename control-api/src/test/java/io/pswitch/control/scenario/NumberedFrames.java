package io.pswitch.control.scenario;

import java.nio.ByteBuffer;

/** Test frames of the worker scenarios: unicast with a sequence number and a payload that proves the frame intact. */
final class NumberedFrames {
    private NumberedFrames() {
    }

    /** A frame of {@code size} bytes from {@code src} to {@code dst} (EtherType 0x88b5), numbered {@code seq}. */
    static byte[] frame(long dst, long src, int seq, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort((short) (dst >>> 32)).putInt((int) dst);
        b.putShort((short) (src >>> 32)).putInt((int) src);
        b.putShort((short) 0x88b5).putInt(seq);
        for (int i = b.position(); i < size; i++) {
            b.put((byte) (seq * 31 + i));
        }
        return b.array();
    }
}

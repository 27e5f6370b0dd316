package io.pswitch.pktlog.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Builds capture files byte by byte in either order, for cases the writers never produce. */
final class RawCapture {
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);

    RawCapture(ByteOrder order) {
        buf.order(order);
    }

    RawCapture order(ByteOrder order) {
        buf.order(order);
        return this;
    }

    RawCapture i32(int v) {
        buf.putInt(v);
        return this;
    }

    RawCapture i16(int v) {
        buf.putShort((short) v);
        return this;
    }

    RawCapture i64(long v) {
        buf.putLong(v);
        return this;
    }

    RawCapture bytes(byte[] b) {
        buf.put(b);
        return this;
    }

    RawCapture pad() {
        while ((buf.position() & 3) != 0) {
            buf.put((byte) 0);
        }
        return this;
    }

    int position() {
        return buf.position();
    }

    /** Patches a 32-bit field at an absolute position (block lengths). */
    RawCapture putAt(int at, int v) {
        buf.putInt(at, v);
        return this;
    }

    byte[] toBytes() {
        return Arrays.copyOf(buf.array(), buf.position());
    }

    Path write(Path path) throws IOException {
        Files.write(path, toBytes());
        return path;
    }

    /** A classic pcap global header. */
    RawCapture pcapHeader(int magic, int major, int minor, int snaplen, int linkType) {
        return i32(magic).i16(major).i16(minor).i32(0).i32(0).i32(snaplen).i32(linkType);
    }

    RawCapture pcapRecord(long sec, long fraction, byte[] data, int wireLength) {
        return i32((int) sec).i32((int) fraction).i32(data.length).i32(wireLength).bytes(data);
    }

    /** A pcapng SHB with no options. */
    RawCapture shb() {
        return i32(0x0A0D0D0A).i32(28).i32(0x1A2B3C4D).i16(1).i16(0).i64(-1).i32(28);
    }

    /** A pcapng IDB; {@code tsresol} < 0 leaves the option out. */
    RawCapture idb(int linkType, int snaplen, String name, int tsresol) {
        int start = position();
        i32(1).i32(0).i16(linkType).i16(0).i32(snaplen);
        if (name != null) {
            byte[] n = name.getBytes();
            i16(2).i16(n.length).bytes(n).pad();
        }
        if (tsresol >= 0) {
            i16(9).i16(1).bytes(new byte[] {(byte) tsresol, 0, 0, 0});
        }
        i32(0);
        int len = position() - start + 4;
        i32(len);
        return putAt(start + 4, len);
    }

    RawCapture epb(int ifx, long ts, byte[] data, int wireLength) {
        int len = 32 + ((data.length + 3) & ~3);
        return i32(6).i32(len).i32(ifx).i32((int) (ts >>> 32)).i32((int) ts).i32(data.length).i32(wireLength)
                .bytes(data).pad().i32(len);
    }

    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (seed * 31 + i);
        }
        return f;
    }
}

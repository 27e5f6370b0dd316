package io.pswitch.pktlog.pcap;

import static io.pswitch.pktlog.pcap.PcapFileDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/** Reads classic pcap files (see {@link PcapFileDescriptor}), either byte order, micro or nano. */
public final class PcapReader extends CaptureReader {
    private final boolean nanos;
    private final int snaplen;
    private final int fileLinkType;
    private final int versionMajor;
    private final int versionMinor;

    PcapReader(String file, ReadableByteChannel channel, ByteBuffer magic) {
        super(file, channel, magic);
        if (fill(GLOBAL_HEADER_LENGTH) < GLOBAL_HEADER_LENGTH) {
            throw error(0, "truncated pcap global header: file is shorter than " + GLOBAL_HEADER_LENGTH + " bytes");
        }
        int start = buf.position();
        int m = buf.order(ByteOrder.BIG_ENDIAN).getInt(start + MAGIC_OFFSET);
        ByteOrder order = (m == MAGIC_MICROS || m == MAGIC_NANOS) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        buf.order(order);
        nanos = m == MAGIC_NANOS || m == MAGIC_NANOS_SWAPPED;
        versionMajor = Short.toUnsignedInt(buf.getShort(start + VERSION_MAJOR_OFFSET));
        versionMinor = Short.toUnsignedInt(buf.getShort(start + VERSION_MINOR_OFFSET));
        if (versionMajor != VERSION_MAJOR) {
            throw error(VERSION_MAJOR_OFFSET, "unsupported pcap version " + versionMajor + "." + versionMinor
                    + " (only " + VERSION_MAJOR + ".x is defined)");
        }
        snaplen = buf.getInt(start + SNAPLEN_OFFSET);
        fileLinkType = buf.getInt(start + LINKTYPE_OFFSET) & LINKTYPE_MASK;
        linkType = fileLinkType;
        buf.position(start + GLOBAL_HEADER_LENGTH);
    }

    @Override
    public boolean next() {
        long recordOffset = position();
        int got = fill(RECORD_HEADER_LENGTH);
        if (got == 0) {
            return false;
        }
        if (got < RECORD_HEADER_LENGTH) {
            throw error(recordOffset, "truncated record header: " + got + " of " + RECORD_HEADER_LENGTH + " bytes before end of file");
        }
        int p = buf.position();
        long sec = Integer.toUnsignedLong(buf.getInt(p + RECORD_TS_SEC_OFFSET));
        long fraction = Integer.toUnsignedLong(buf.getInt(p + RECORD_TS_FRACTION_OFFSET));
        int caplen = buf.getInt(p + RECORD_CAPLEN_OFFSET);
        int wirelen = buf.getInt(p + RECORD_WIRELEN_OFFSET);
        if (caplen < 0 || caplen > MAX_CAPTURED_LENGTH) {
            throw error(recordOffset, "record caplen " + Integer.toUnsignedString(caplen) + " is larger than the limit of "
                    + MAX_CAPTURED_LENGTH + " bytes");
        }
        int total = RECORD_HEADER_LENGTH + caplen;
        int have = fill(total);
        if (have < total) {
            throw error(recordOffset, "truncated record: caplen " + caplen + " but only " + (have - RECORD_HEADER_LENGTH)
                    + " bytes before end of file");
        }
        p = buf.position();
        timestampNs = sec * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
        capturedLength = caplen;
        wireLength = wirelen;
        interfaceIndex = 0;
        linkType = fileLinkType;
        dataOffset = p + RECORD_HEADER_LENGTH;
        buf.position(p + total);
        return true;
    }

    /** True when the file has nanosecond timestamps (magic 0xa1b23c4d). */
    public boolean nanosecondTimestamps() {
        return nanos;
    }

    public int snaplen() {
        return snaplen;
    }

    public ByteOrder byteOrder() {
        return buf.order();
    }

    public int versionMajor() {
        return versionMajor;
    }

    public int versionMinor() {
        return versionMinor;
    }

    @Override
    public int interfaceCount() {
        return 1;
    }

    @Override
    public int interfaceLinkType(int index) {
        if (index != 0) {
            throw new IndexOutOfBoundsException("a pcap file has one interface, not " + (index + 1));
        }
        return fileLinkType;
    }

    @Override
    public String interfaceName(int index) {
        return null;
    }

    @Override
    public int firstLinkType() {
        return fileLinkType;
    }
}

package io.pswitch.pktlog.pcap;

import static io.pswitch.pktlog.pcap.PcapngBlockDescriptor.*;

import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes a little-endian pcapng file (see {@link PcapngBlockDescriptor}): one section header, one
 * interface description block per {@link #addInterface} (with if_name and if_tsresol = 9, so
 * timestamps are nanoseconds), and an enhanced packet block per packet, optionally with an
 * opt_comment.
 *
 * <p>Streaming and buffered like {@link PcapWriter}; complete on {@link #close()}. Interfaces may be
 * added at any point (pcapng allows an IDB anywhere in its section) but before their first packet.
 * Writing a packet without a comment allocates nothing. Not thread-safe.
 */
public final class PcapngWriter implements AutoCloseable {
    private static final byte[] USER_APPLICATION = "pswitch".getBytes(StandardCharsets.UTF_8);

    /** Longest opt_comment, in UTF-8 bytes: an option's length field is 16 bits. */
    public static final int MAX_COMMENT_LENGTH = 60_000;

    private final CaptureOutput out;
    private int interfaces;
    private long packets;

    private PcapngWriter(CaptureOutput out) {
        this.out = out;
        int optionsLength = OPT_HEADER_LENGTH + pad4(USER_APPLICATION.length) + OPT_HEADER_LENGTH;
        int len = SHB_OPTIONS_OFFSET + optionsLength + 4;
        out.ensure(len);
        out.buf.putInt(SHB_TYPE).putInt(len).putInt(BYTE_ORDER_MAGIC)
                .putShort((short) SHB_VERSION_MAJOR).putShort((short) SHB_VERSION_MINOR)
                .putLong(-1L); // section length unknown: we stream
        option(SHB_USERAPPL, USER_APPLICATION);
        out.buf.putInt(OPT_ENDOFOPT).putInt(len);
    }

    public static PcapngWriter create(Path path) {
        return new PcapngWriter(CaptureOutput.create(path));
    }

    public static PcapngWriter to(String name, OutputStream stream) {
        return new PcapngWriter(CaptureOutput.of(name, stream));
    }

    public static PcapngWriter to(String name, WritableByteChannel channel) {
        return new PcapngWriter(new CaptureOutput(name, channel));
    }

    /**
     * Describes an interface (an IDB with if_name and if_tsresol = 9); returns its index for
     * {@link #write}.
     */
    public int addInterface(String name, int linkType, int snaplen) {
        byte[] nameBytes = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 0xFFFF - 4) {
            throw new IllegalArgumentException("interface name is too long (" + nameBytes.length + " bytes)");
        }
        int optionsLength = (nameBytes.length > 0 ? OPT_HEADER_LENGTH + pad4(nameBytes.length) : 0)
                + OPT_HEADER_LENGTH + 4 + OPT_HEADER_LENGTH;
        int len = IDB_OPTIONS_OFFSET + optionsLength + 4;
        out.ensure(len);
        out.buf.putInt(IDB_TYPE).putInt(len).putShort((short) linkType).putShort((short) 0).putInt(snaplen);
        if (nameBytes.length > 0) {
            option(IF_NAME, nameBytes);
        }
        out.buf.putShort((short) IF_TSRESOL).putShort((short) 1).put((byte) TSRESOL_NANOS).put((byte) 0).putShort((short) 0);
        out.buf.putInt(OPT_ENDOFOPT).putInt(len);
        return interfaces++;
    }

    /** An Ethernet interface with the default snaplen. */
    public int addInterface(String name) {
        return addInterface(name, LinkType.ETHERNET, PcapFileDescriptor.DEFAULT_SNAPLEN);
    }

    private void option(int code, byte[] value) {
        out.buf.putShort((short) code).putShort((short) value.length).put(value);
        for (int i = value.length; i < pad4(value.length); i++) {
            out.buf.put((byte) 0);
        }
    }

    /** Appends an EPB of {@code length} bytes from {@code src} at {@code offset}. */
    public void write(int interfaceIndex, long timestampNs, MemorySegment src, long offset, int length, int wireLength) {
        write(interfaceIndex, timestampNs, src, offset, length, wireLength, null);
    }

    /** Appends an EPB; {@code comment} (may be null) becomes its opt_comment. */
    public void write(int interfaceIndex, long timestampNs, MemorySegment src, long offset, int length, int wireLength,
            String comment) {
        if (interfaceIndex < 0 || interfaceIndex >= interfaces) {
            throw new IllegalArgumentException("interface " + interfaceIndex + " was not added (" + interfaces + " interfaces)");
        }
        if (length < 0 || length > CaptureReader.MAX_CAPTURED_LENGTH) {
            throw new IllegalArgumentException("packet length " + length + " is outside 0.." + CaptureReader.MAX_CAPTURED_LENGTH);
        }
        byte[] commentBytes = comment == null ? null : comment.getBytes(StandardCharsets.UTF_8);
        if (commentBytes != null && commentBytes.length > MAX_COMMENT_LENGTH) {
            throw new IllegalArgumentException("comment is too long (" + commentBytes.length + " bytes)");
        }
        int optionsLength = commentBytes == null ? 0 : OPT_HEADER_LENGTH + pad4(commentBytes.length) + OPT_HEADER_LENGTH;
        int len = EPB_DATA_OFFSET + pad4(length) + optionsLength + 4;
        out.ensure(EPB_DATA_OFFSET);
        out.buf.putInt(EPB_TYPE).putInt(len).putInt(interfaceIndex)
                .putInt((int) (timestampNs >>> 32)).putInt((int) timestampNs)
                .putInt(length).putInt(Math.max(wireLength, length));
        out.put(src, offset, length);
        out.zeros(pad4(length) - length);
        out.ensure(optionsLength + 4);
        if (commentBytes != null) {
            option(OPT_COMMENT, commentBytes);
            out.buf.putInt(OPT_ENDOFOPT);
        }
        out.buf.putInt(len);
        packets++;
    }

    public void write(int interfaceIndex, long timestampNs, byte[] frame, String comment) {
        write(interfaceIndex, timestampNs, MemorySegment.ofArray(frame), 0, frame.length, frame.length, comment);
    }

    public int interfaceCount() {
        return interfaces;
    }

    public long packets() {
        return packets;
    }

    /** Bytes of the file so far, buffered ones included. */
    public long size() {
        return out.size();
    }

    public void flush() {
        out.flush();
    }

    public void force() {
        out.force();
    }

    @Override
    public void close() {
        out.close();
    }
}

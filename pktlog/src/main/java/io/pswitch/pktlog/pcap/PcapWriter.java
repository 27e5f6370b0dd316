package io.pswitch.pktlog.pcap;

import static io.pswitch.pktlog.pcap.PcapFileDescriptor.*;

import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * Writes a classic pcap file with nanosecond timestamps (magic 0xa1b23c4d), version 2.4,
 * snaplen 262144, in little-endian order (see {@link PcapFileDescriptor}).
 *
 * <p>Streaming and buffered: records gather in a 64 KiB buffer that goes to the channel when full,
 * on {@link #flush()} and on {@link #close()}; the file is complete and readable once closed (and
 * after each flush). Writing a record allocates nothing. A frame longer than the snaplen is cut to
 * it; the wire length keeps the full size. Not thread-safe.
 */
public final class PcapWriter implements AutoCloseable {
    private final CaptureOutput out;
    private final int snaplen;
    private long records;

    private PcapWriter(CaptureOutput out, int linkType, int snaplen) {
        this.out = out;
        this.snaplen = snaplen;
        out.ensure(GLOBAL_HEADER_LENGTH);
        out.buf.putInt(MAGIC_NANOS)
                .putShort((short) VERSION_MAJOR)
                .putShort((short) VERSION_MINOR)
                .putInt(0)
                .putInt(0)
                .putInt(snaplen)
                .putInt(linkType);
    }

    /** Creates (or truncates) an Ethernet capture file. */
    public static PcapWriter create(Path path) {
        return new PcapWriter(CaptureOutput.create(path), LinkType.ETHERNET, DEFAULT_SNAPLEN);
    }

    public static PcapWriter create(Path path, int linkType, int snaplen) {
        return new PcapWriter(CaptureOutput.create(path), linkType, checkSnaplen(snaplen));
    }

    /** Writes to a stream (closed with the writer); {@code name} is used in error messages. */
    public static PcapWriter to(String name, OutputStream stream) {
        return new PcapWriter(CaptureOutput.of(name, stream), LinkType.ETHERNET, DEFAULT_SNAPLEN);
    }

    /** Writes to a channel (a FileChannel positioned at the start, a pipe…), closed with the writer. */
    public static PcapWriter to(String name, WritableByteChannel channel) {
        return new PcapWriter(new CaptureOutput(name, channel), LinkType.ETHERNET, DEFAULT_SNAPLEN);
    }

    private static int checkSnaplen(int snaplen) {
        if (snaplen < 1 || snaplen > CaptureReader.MAX_CAPTURED_LENGTH) {
            throw new IllegalArgumentException("snaplen " + snaplen + " must be between 1 and " + CaptureReader.MAX_CAPTURED_LENGTH);
        }
        return snaplen;
    }

    /**
     * Appends a record of {@code length} bytes from {@code src} at {@code offset}, a frame that was
     * {@code wireLength} bytes long on the wire.
     */
    public void write(long timestampNs, MemorySegment src, long offset, int length, int wireLength) {
        int caplen = Math.min(length, snaplen);
        out.ensure(RECORD_HEADER_LENGTH);
        out.buf.putInt((int) Math.floorDiv(timestampNs, 1_000_000_000L))
                .putInt((int) Math.floorMod(timestampNs, 1_000_000_000L))
                .putInt(caplen)
                .putInt(Math.max(wireLength, caplen));
        out.put(src, offset, caplen);
        records++;
    }

    /** Appends a whole frame (wire length = its length). */
    public void write(long timestampNs, byte[] frame) {
        write(timestampNs, MemorySegment.ofArray(frame), 0, frame.length, frame.length);
    }

    /** Records written so far. */
    public long records() {
        return records;
    }

    /** Bytes of the file so far, buffered ones included. */
    public long size() {
        return out.size();
    }

    /** Hands buffered records to the channel: a reader sees them after this. */
    public void flush() {
        out.flush();
    }

    /** Flushes and, for a file, forces it to the device. */
    public void force() {
        out.force();
    }

    /** Flushes and closes: the file is complete. Idempotent. */
    @Override
    public void close() {
        out.close();
    }
}

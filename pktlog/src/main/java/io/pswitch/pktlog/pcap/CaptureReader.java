package io.pswitch.pktlog.pcap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams the records of a pcap or pcapng file into one reusable read buffer.
 *
 * <p>Use: {@link #open(Path)} detects the format from the magic; then {@code while (reader.next())}
 * read the current record's {@link #timestampNs()}, {@link #capturedLength()}, {@link #wireLength()},
 * {@link #interfaceIndex()}, {@link #linkType()}, and its bytes at {@link #dataOffset()} in
 * {@link #buffer()}. The bytes stay valid until the next call to {@code next()}. Stepping from
 * record to record allocates nothing: a port driver copies the bytes straight from the read
 * buffer into a pool buffer, the only copy a received frame ever gets.
 *
 * <p>Memory stays bounded whatever a length field says: a record longer than
 * {@link #MAX_CAPTURED_LENGTH} (or a pcapng block longer than {@link #MAX_BLOCK_LENGTH}) is refused
 * with a {@link CaptureFormatException}, never allocated. A snaplen smaller than a record's caplen
 * is tolerated (libpcap does too; some captures have snaplen 1), the record is read whole.
 *
 * <p>Errors are {@link CaptureFormatException}s naming the file, the byte offset and the problem.
 * After an error the reader is unusable (the file position is lost); what came before stays valid.
 */
public abstract class CaptureReader implements AutoCloseable {
    /** libpcap's largest snaplen: no capture this project accepts has a longer record. */
    public static final int MAX_CAPTURED_LENGTH = 262144;
    /** The longest pcapng block: a maximal packet plus room for options. */
    public static final int MAX_BLOCK_LENGTH = MAX_CAPTURED_LENGTH + 4096;
    /** Interfaces per pcapng section: bounds the per-interface tables. */
    public static final int MAX_INTERFACES = 4096;

    private static final int BUFFER_CAPACITY = MAX_BLOCK_LENGTH + 64 * 1024;

    protected final String file;
    private final ReadableByteChannel channel;
    /** The read buffer: [position, limit) holds file bytes not yet consumed. */
    protected final ByteBuffer buf;
    private final MemorySegment bufSegment;
    /** File offset of buf index 0. */
    private long bufFileOffset;
    private boolean eof;

    protected long timestampNs;
    protected int capturedLength;
    protected int wireLength;
    protected int interfaceIndex;
    protected int linkType;
    /** Index in {@link #buf} of the current record's first byte. */
    protected int dataOffset;

    protected CaptureReader(String file, ReadableByteChannel channel, ByteBuffer alreadyRead) {
        this.file = file;
        this.channel = channel;
        this.buf = ByteBuffer.allocate(BUFFER_CAPACITY);
        this.bufSegment = MemorySegment.ofArray(buf.array());
        buf.put(alreadyRead);
        buf.flip();
    }

    /**
     * Opens a capture, telling pcap from pcapng by its first four bytes.
     *
     * @throws CaptureFormatException when the file is missing, empty, unreadable or of another format
     */
    public static CaptureReader open(Path path) {
        String name = path.toString();
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CaptureFormatException(name, 0, "no such file");
        } catch (IOException e) {
            throw new CaptureFormatException(name, 0, "cannot open: " + e.getMessage(), e);
        }
        try {
            return open(name, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Opens a capture from any channel; {@code name} is what error messages call it. */
    public static CaptureReader open(String name, ReadableByteChannel channel) {
        ByteBuffer head = ByteBuffer.allocate(4);
        try {
            while (head.hasRemaining() && channel.read(head) >= 0) {
                // keep reading until four bytes or end of file
            }
        } catch (IOException e) {
            throw new CaptureFormatException(name, 0, "cannot read: " + e.getMessage(), e);
        }
        head.flip();
        if (head.remaining() == 0) {
            throw new CaptureFormatException(name, 0, "empty file, not a pcap or pcapng capture");
        }
        if (head.remaining() < 4) {
            throw new CaptureFormatException(name, 0, "file of " + head.remaining() + " bytes is too short for a capture header");
        }
        int magic = head.order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (PcapFileDescriptor.isPcapMagic(magic)) {
            return new PcapReader(name, channel, head);
        }
        if (magic == PcapngBlockDescriptor.SHB_TYPE) {
            return new PcapngReader(name, channel, head);
        }
        throw new CaptureFormatException(name, 0, String.format(
                "bad magic 0x%08x: not a pcap (0xa1b2c3d4, 0xa1b23c4d) or pcapng (0x0a0d0d0a) capture", magic));
    }

    /**
     * Advances to the next packet record.
     *
     * @return false at a clean end of file
     * @throws CaptureFormatException when the next record is malformed or truncated
     */
    public abstract boolean next();

    /** Name of the file, as used in error messages. */
    public String file() {
        return file;
    }

    /** Receive time of the current record, nanoseconds since the epoch, whatever the file's precision. */
    public long timestampNs() {
        return timestampNs;
    }

    /** Bytes of the current record present in the file. */
    public int capturedLength() {
        return capturedLength;
    }

    /** Length of the frame on the wire (may exceed the captured length). */
    public int wireLength() {
        return wireLength;
    }

    /** Interface of the current record (always 0 for classic pcap; per section for pcapng). */
    public int interfaceIndex() {
        return interfaceIndex;
    }

    /** Link type (LINKTYPE_*) of the current record's interface. */
    public int linkType() {
        return linkType;
    }

    /** The read buffer; the current record's bytes are at {@link #dataOffset()}. */
    public MemorySegment buffer() {
        return bufSegment;
    }

    public int dataOffset() {
        return dataOffset;
    }

    /** Copies the current record's bytes into a new array (cold path: tests and tools). */
    public byte[] data() {
        byte[] b = new byte[capturedLength];
        MemorySegment.copy(bufSegment, ValueLayout.JAVA_BYTE, dataOffset, b, 0, capturedLength);
        return b;
    }

    /**
     * Interfaces known so far in the current section (1 for classic pcap; grows as pcapng IDBs
     * are read).
     */
    public abstract int interfaceCount();

    /** Link type of an interface of the current section. */
    public abstract int interfaceLinkType(int index);

    /** if_name of a pcapng interface, or null when it has none (always null for classic pcap). */
    public abstract String interfaceName(int index);

    /**
     * The link type the capture starts with: the pcap header's, or the first pcapng interface's
     * (reading ahead to the first IDB if needed); -1 for a pcapng file without interfaces.
     */
    public abstract int firstLinkType();

    /** File offset of the next unread byte. */
    public long position() {
        return bufFileOffset + buf.position();
    }

    /**
     * Makes {@code n} bytes available from the buffer's position, reading more of the file as needed.
     *
     * @return the number available: {@code n}, or fewer at end of file
     */
    protected final int fill(int n) {
        if (buf.remaining() >= n) {
            return n;
        }
        if (buf.position() + n > buf.capacity()) {
            // Slide the unread bytes to the front; callers never ask for more than the capacity.
            bufFileOffset += buf.position();
            buf.compact().flip();
        }
        int pos = buf.position();
        int have = buf.remaining();
        buf.position(buf.limit()).limit(buf.capacity());
        try {
            while (!eof && have < n) {
                int r = channel.read(buf);
                if (r < 0) {
                    eof = true;
                } else {
                    have += r;
                }
            }
        } catch (IOException e) {
            buf.limit(buf.position()).position(pos);
            throw new CaptureFormatException(file, position(), "read failed: " + e.getMessage(), e);
        }
        buf.limit(buf.position()).position(pos);
        return Math.min(n, have);
    }

    /** File offset of an index in {@link #buf}. */
    protected final long offsetOf(int bufIndex) {
        return bufFileOffset + bufIndex;
    }

    protected final CaptureFormatException error(long offset, String problem) {
        return new CaptureFormatException(file, offset, problem);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": close failed: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // the open failure is what matters
        }
    }
}

package io.pswitch.pktlog.pcap;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The buffered output the capture writers share: little-endian fields gathered in one heap buffer
 * and written to the channel when it fills, on {@link #flush()} and on {@link #close()}.
 */
final class CaptureOutput implements AutoCloseable {
    static final int CAPACITY = 64 * 1024;

    final String name;
    private final WritableByteChannel channel;
    final ByteBuffer buf = ByteBuffer.allocate(CAPACITY).order(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment bufSegment = MemorySegment.ofArray(buf.array());
    private long written;
    private boolean closed;

    CaptureOutput(String name, WritableByteChannel channel) {
        this.name = name;
        this.channel = channel;
    }

    static CaptureOutput create(Path path) {
        try {
            return new CaptureOutput(path.toString(), FileChannel.open(path, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create capture " + path + ": " + e.getMessage(), e);
        }
    }

    static CaptureOutput of(String name, OutputStream out) {
        return new CaptureOutput(name, Channels.newChannel(out));
    }

    /** Makes room for {@code n} contiguous bytes ({@code n <= CAPACITY}). */
    void ensure(int n) {
        if (closed) {
            throw new IllegalStateException("capture " + name + " is closed");
        }
        if (buf.remaining() < n) {
            drain();
        }
    }

    /** Copies bytes from a segment, in pieces when they are longer than the buffer. */
    void put(MemorySegment src, long offset, int length) {
        int done = 0;
        while (done < length) {
            if (!buf.hasRemaining()) {
                drain();
            }
            int n = Math.min(length - done, buf.remaining());
            MemorySegment.copy(src, offset + done, bufSegment, buf.position(), n);
            buf.position(buf.position() + n);
            done += n;
        }
    }

    void put(byte[] src, int offset, int length) {
        put(MemorySegment.ofArray(src), offset, length);
    }

    void zeros(int n) {
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf.put((byte) 0);
        }
    }

    private void drain() {
        buf.flip();
        try {
            while (buf.hasRemaining()) {
                written += channel.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing capture " + name + " failed: " + e.getMessage(), e);
        } finally {
            buf.clear();
        }
    }

    /** Bytes handed to the channel so far plus bytes buffered. */
    long size() {
        return written + buf.position();
    }

    void flush() {
        if (!closed) {
            drain();
        }
    }

    /** Flushes; with {@code force}, also makes the file durable (FileChannel only). */
    void force() {
        flush();
        if (channel instanceof FileChannel fc) {
            try {
                fc.force(false);
            } catch (IOException e) {
                throw new UncheckedIOException("syncing capture " + name + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            drain();
        } finally {
            closed = true;
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing capture " + name + " failed: " + e.getMessage(), e);
            }
        }
    }

}

package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The bytes of one segment as recovery and readers see them: a file, or (for the power-loss
 * model) an image in memory. Reads are positional; a read past the end is short.
 */
interface SegmentImage extends AutoCloseable {
    long size();

    /** Reads up to {@code length} bytes at {@code offset} into {@code dst} at {@code dstOffset}; returns bytes read. */
    int read(long offset, MemorySegment dst, long dstOffset, int length);

    @Override
    void close();

    static SegmentImage open(Path path) throws IOException {
        return new FileImage(path, FileChannel.open(path, StandardOpenOption.READ));
    }

    static SegmentImage of(MemorySegment bytes) {
        return new SegmentImage() {
            @Override
            public long size() {
                return bytes.byteSize();
            }

            @Override
            public int read(long offset, MemorySegment dst, long dstOffset, int length) {
                int n = (int) Math.max(0, Math.min(length, bytes.byteSize() - offset));
                MemorySegment.copy(bytes, offset, dst, dstOffset, n);
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    /** A segment file read through the page cache (readers never need direct I/O). */
    record FileImage(Path path, FileChannel channel) implements SegmentImage {
        @Override
        public long size() {
            try {
                return channel.size();
            } catch (IOException e) {
                throw new SegmentException(path + ": cannot read its size: " + e.getMessage(), e);
            }
        }

        @Override
        public int read(long offset, MemorySegment dst, long dstOffset, int length) {
            ByteBuffer buf = dst.asSlice(dstOffset, length).asByteBuffer();
            try {
                while (buf.hasRemaining()) {
                    int n = channel.read(buf, offset + buf.position());
                    if (n < 0) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw new SegmentException(path + ": cannot read " + length + " bytes at offset " + offset + ": "
                        + e.getMessage(), e);
            }
            return buf.position();
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Read-only: nothing to lose.
            }
        }
    }
}

package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Every store into the index mapping and every flush of the index or of pool buffers goes through
 * this seam, so that a test layer can record what was written since the last flush and build the
 * images a power cut could leave behind. Production uses {@link #MAPPED}.
 *
 * <p>{@code segment} is always the whole mapping (the pool's {@code segment()} or the index's),
 * never a slice, so an implementation can tell the two files apart by identity.
 */
public interface LogStorage {
    /** Copies {@code length} bytes from {@code src} into the mapping at {@code offset}. */
    void write(MemorySegment segment, long offset, MemorySegment src, long length);

    /**
     * The same from a byte array (the writer's staging record). The default wraps the array;
     * {@link #MAPPED} copies straight from it, which for 64 bytes is several times cheaper than a
     * segment-to-segment copy.
     */
    default void write(MemorySegment segment, long offset, byte[] src, int length) {
        write(segment, offset, MemorySegment.ofArray(src), length);
    }

    /** Makes {@code [offset, offset + length)} of the mapping durable. */
    void force(MemorySegment segment, long offset, long length);

    /** Stores go straight to the mapping; a flush is {@link MemorySegment#force()} of the range (msync, or a cache-line write-back on DAX). */
    LogStorage MAPPED = new LogStorage() {
        @Override
        public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
            MemorySegment.copy(src, 0, segment, offset, length);
        }

        @Override
        public void write(MemorySegment segment, long offset, byte[] src, int length) {
            MemorySegment.copy(src, 0, segment, ValueLayout.JAVA_BYTE, offset, length);
        }

        @Override
        public void force(MemorySegment segment, long offset, long length) {
            segment.asSlice(offset, length).force();
        }
    };
}

package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.StorageClass;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Every store into the index mapping and every flush of the index or of pool buffers goes through
 * this seam, so that a test layer can record what was written since the last flush and build the
 * images a power cut could leave behind. Production uses {@link #MAPPED}, or {@link #IN_MEMORY} when
 * the pool and the index are in memory (see {@link #of}).
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

    /**
     * {@link #MAPPED} for a pool and an index that both live in memory (tmpfs, ramfs): a store into a
     * shared mapping of such a file <em>is</em> in the file as soon as it is made (the page cache is
     * the file; there is no device to write back to), so it survives a crash of the process with no
     * flush, and nothing survives a power cut whatever is flushed. {@code msync} there only costs a
     * system call (and a slice) per flush, on the writer's thread or the committer's, so this skips it.
     * The order of persistence still holds: x86-64 and AArch64 stores reach the page cache in the
     * order the writer's program makes them visible to other cores, and the writer stores the frame,
     * then the record, then publishes (see {@link PacketLog}).
     */
    LogStorage IN_MEMORY = new LogStorage() {
        @Override
        public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
            MAPPED.write(segment, offset, src, length);
        }

        @Override
        public void write(MemorySegment segment, long offset, byte[] src, int length) {
            MAPPED.write(segment, offset, src, length);
        }

        @Override
        public void force(MemorySegment segment, long offset, long length) {
            // In memory: already where a flush would put it (see above).
        }
    };

    /**
     * The storage a log really uses: {@link #IN_MEMORY} in place of {@link #MAPPED} when the pool and
     * the index are both in memory; any other choice (a test's recording layer) as given.
     */
    static LogStorage of(LogStorage requested, BufferPool pool, Path indexPath) {
        if (requested == MAPPED && pool.storageClass() == StorageClass.VOLATILE && StorageClass.inMemory(indexPath)) {
            return IN_MEMORY;
        }
        return requested;
    }
}

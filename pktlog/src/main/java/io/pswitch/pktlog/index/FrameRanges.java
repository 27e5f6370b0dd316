package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;

/**
 * Frame ranges appended since a commit and not yet flushed: the exact line-aligned ranges, and the
 * span that covers them all. Off {@link io.pswitch.pktlog.pool.StorageClass#DAX} one msync over the
 * span is far cheaper than one per frame; on DAX each exact range is written back and nothing more.
 * Owned by one thread at a time (the writer fills it, a commit flushes it); never grows.
 */
final class FrameRanges {
    private final long[] offset;
    private final int[] length;
    private int count;
    private long spanStart = Long.MAX_VALUE;
    private long spanEnd;

    FrameRanges(int capacity) {
        offset = new long[capacity];
        length = new int[capacity];
    }

    boolean full() {
        return count == offset.length;
    }

    void add(long off, int len) {
        offset[count] = off;
        length[count] = len;
        count++;
        spanStart = Math.min(spanStart, off);
        spanEnd = Math.max(spanEnd, off + len);
    }

    /** Makes every range durable and empties the set. */
    void flush(LogStorage storage, MemorySegment pool, boolean span) {
        if (count == 0) {
            return;
        }
        if (span || count == 1) {
            storage.force(pool, spanStart, spanEnd - spanStart);
        } else {
            for (int i = 0; i < count; i++) {
                storage.force(pool, offset[i], length[i]);
            }
        }
        count = 0;
        spanStart = Long.MAX_VALUE;
        spanEnd = 0;
    }
}

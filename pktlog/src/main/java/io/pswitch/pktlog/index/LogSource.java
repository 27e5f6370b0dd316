package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * What a reader needs from a log, live ({@link PacketLog}) or closed ({@link ClosedLog}).
 *
 * <p>Reader protocol for a live log (a seqlock on the oldest sequence): read {@link #newestSeq()},
 * copy the record and its frame bytes, then {@code VarHandle.acquireFence()} and read
 * {@link #oldestSeq()}: if the record's sequence is now below it, the copy may mix old and new
 * bytes and must be discarded. The writer publishes a new oldest sequence before it frees the
 * buffers or reuses the slots.
 */
public interface LogSource {
    /** The index mapping (header page + slots). */
    MemorySegment indexSegment();

    int capacity();

    BufferPool pool();

    /** First sequence not retired (volatile read). */
    long oldestSeq();

    /** Last sequence a reader may read (volatile read): the committed sequence of a live log. */
    long newestSeq();
}

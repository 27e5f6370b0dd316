package io.pswitch.dataplane.logging;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What the logging stage did, published once per batch by the dataplane thread (opaque stores),
 * read by any thread (REST, metrics, status line).
 */
public final class LogCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int FRAMES = 0;
    private static final int BYTES = 1;
    private static final int SKIPPED_NO_BUFFER = 2;
    private static final int RETIRED = 3;
    private static final int COMMITS = 4;
    private static final int COMMITTED_SEQ = 5;
    private static final int PUBLISHED_SEQ = 6;
    private static final int LIVE_BYTES = 7;
    private static final int SKIPPED_STORAGE_BEHIND = 8;
    private static final int DRAINED_SEQ = 9;

    private final long[] values = new long[10];

    void publish(long frames, long bytes, long skippedNoBuffer, long skippedStorageBehind, long retired, long commits,
                 long committedSeq, long publishedSeq, long liveBytes, long drainedSeq) {
        LONGS.setOpaque(values, SKIPPED_STORAGE_BEHIND, skippedStorageBehind);
        LONGS.setOpaque(values, DRAINED_SEQ, drainedSeq);
        LONGS.setOpaque(values, LIVE_BYTES, liveBytes);
        LONGS.setOpaque(values, FRAMES, frames);
        LONGS.setOpaque(values, BYTES, bytes);
        LONGS.setOpaque(values, SKIPPED_NO_BUFFER, skippedNoBuffer);
        LONGS.setOpaque(values, RETIRED, retired);
        LONGS.setOpaque(values, COMMITS, commits);
        LONGS.setOpaque(values, COMMITTED_SEQ, committedSeq);
        LONGS.setOpaque(values, PUBLISHED_SEQ, publishedSeq);
    }

    private long get(int i) {
        return (long) LONGS.getOpaque(values, i);
    }

    /** Frames logged since start. */
    public long frames() {
        return get(FRAMES);
    }

    /** Bytes stored (after snaplen) since start. */
    public long bytes() {
        return get(BYTES);
    }

    /** Matching frames not logged because no buffer could replace theirs (the pool was exhausted). */
    public long skippedNoBuffer() {
        return get(SKIPPED_NO_BUFFER);
    }

    /**
     * Matching frames not logged because the hot tier was full of records the drain had not yet
     * made durable in the segment tier (storage fell behind); forwarding went on.
     */
    public long skippedStorageBehind() {
        return get(SKIPPED_STORAGE_BEHIND);
    }

    /** Last sequence durable in the segment tier ({@code Long.MAX_VALUE} without one). */
    public long drainedSeq() {
        return get(DRAINED_SEQ);
    }

    /** Records retired by retention since start. */
    public long retired() {
        return get(RETIRED);
    }

    public long commits() {
        return get(COMMITS);
    }

    public long committedSeq() {
        return get(COMMITTED_SEQ);
    }

    public long publishedSeq() {
        return get(PUBLISHED_SEQ);
    }

    /** Stored bytes of the records the log holds now. */
    public long liveBytes() {
        return get(LIVE_BYTES);
    }
}

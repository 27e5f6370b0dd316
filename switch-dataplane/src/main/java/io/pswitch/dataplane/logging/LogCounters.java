package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.counters.CountersFile;
import org.agrona.concurrent.AtomicBuffer;

/**
 * What the logging stage did, in the switch's counters file (labels {@code "log <counter>"}),
 * published once per batch by the dataplane worker that owns the stage: each value is a release
 * store of the stage's own running total (single writer), read with acquire semantics by any
 * thread or process (REST, {@code /metrics}, the status line, {@code pswitch stat}).
 */
public final class LogCounters {
    private final AtomicBuffer values;
    private final int frames;
    private final int bytes;
    private final int skippedNoBuffer;
    private final int skippedStorageBehind;
    private final int retired;
    private final int commits;
    private final int committedSeq;
    private final int publishedSeq;
    private final int liveBytes;
    private final int drainedSeq;

    LogCounters(CountersFile file, int worker) {
        this.values = file.values();
        this.frames = file.allocate(CounterType.LOG_FRAMES, worker, "log frames");
        this.bytes = file.allocate(CounterType.LOG_BYTES, worker, "log bytes");
        this.skippedNoBuffer = file.allocate(CounterType.LOG_SKIPPED_NO_BUFFER, worker, "log skipped cause=no_buffer");
        this.skippedStorageBehind = file.allocate(CounterType.LOG_SKIPPED_STORAGE_BEHIND, worker,
                "log skipped cause=storage_behind");
        this.retired = file.allocate(CounterType.LOG_RETIRED, worker, "log retired");
        this.commits = file.allocate(CounterType.LOG_COMMITS, worker, "log commits");
        this.committedSeq = file.allocate(CounterType.LOG_COMMITTED_SEQ, worker, "log committed_seq");
        this.publishedSeq = file.allocate(CounterType.LOG_PUBLISHED_SEQ, worker, "log published_seq");
        this.liveBytes = file.allocate(CounterType.LOG_LIVE_BYTES, worker, "log live_bytes");
        this.drainedSeq = file.allocate(CounterType.LOG_DRAINED_SEQ, worker, "log drained_seq");
    }

    void publish(long frames, long bytes, long skippedNoBuffer, long skippedStorageBehind, long retired, long commits,
                 long committedSeq, long publishedSeq, long liveBytes, long drainedSeq) {
        AtomicBuffer v = values;
        v.putLongRelease(this.skippedStorageBehind, skippedStorageBehind);
        v.putLongRelease(this.drainedSeq, drainedSeq);
        v.putLongRelease(this.liveBytes, liveBytes);
        v.putLongRelease(this.frames, frames);
        v.putLongRelease(this.bytes, bytes);
        v.putLongRelease(this.skippedNoBuffer, skippedNoBuffer);
        v.putLongRelease(this.retired, retired);
        v.putLongRelease(this.commits, commits);
        v.putLongRelease(this.committedSeq, committedSeq);
        v.putLongRelease(this.publishedSeq, publishedSeq);
    }

    private long get(int offset) {
        return values.getLongAcquire(offset);
    }

    /** Frames logged since start. */
    public long frames() {
        return get(frames);
    }

    /** Bytes stored (after snaplen) since start. */
    public long bytes() {
        return get(bytes);
    }

    /** Matching frames not logged because no buffer could replace theirs (the pool was exhausted). */
    public long skippedNoBuffer() {
        return get(skippedNoBuffer);
    }

    /**
     * Matching frames not logged because the hot tier was full of records the drain had not yet
     * made durable in the segment tier (storage fell behind); forwarding went on.
     */
    public long skippedStorageBehind() {
        return get(skippedStorageBehind);
    }

    /** Last sequence durable in the segment tier ({@code Long.MAX_VALUE} without one). */
    public long drainedSeq() {
        return get(drainedSeq);
    }

    /** Records retired by retention since start. */
    public long retired() {
        return get(retired);
    }

    public long commits() {
        return get(commits);
    }

    public long committedSeq() {
        return get(committedSeq);
    }

    public long publishedSeq() {
        return get(publishedSeq);
    }

    /** Stored bytes of the records the log holds now. */
    public long liveBytes() {
        return get(liveBytes);
    }
}

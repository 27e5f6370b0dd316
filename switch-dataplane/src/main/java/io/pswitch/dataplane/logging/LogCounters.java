package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.counters.CountersFile;
import org.agrona.concurrent.AtomicBuffer;

/**
 * What the logging stage did, in the switch's counters file (labels {@code "log <counter>"}),
 * published once per batch: each value is a release store of its writer's own running total
 * (single writer), read with acquire semantics by any thread or process (REST, {@code /metrics},
 * the status line, {@code pswitch stat}).
 *
 * <p>Several workers: frames, bytes and the two skip counts have one block per worker (each worker
 * skips its own matches; worker 0, the log's one writer, counts every record appended, its own and
 * those other workers queued to it), summed when read here and by {@code pswitch stat} (same type
 * and label). The log-wide values (retired, commits, sequences, live bytes) have one writer,
 * worker 0, and one counter.
 */
public final class LogCounters {
    private final AtomicBuffer values;
    /** Per worker block. */
    private final int[] frames;
    private final int[] bytes;
    private final int[] skippedNoBuffer;
    private final int[] skippedStorageBehind;
    private final int retired;
    private final int commits;
    private final int committedSeq;
    private final int publishedSeq;
    private final int liveBytes;
    private final int drainedSeq;

    /** @param worker the counters-file id of worker 0 (later workers follow it) */
    LogCounters(CountersFile file, int worker, int workers) {
        this.values = file.values();
        this.frames = new int[workers];
        this.bytes = new int[workers];
        this.skippedNoBuffer = new int[workers];
        this.skippedStorageBehind = new int[workers];
        for (int w = 0; w < workers; w++) {
            frames[w] = file.allocate(CounterType.LOG_FRAMES, worker + w, "log frames");
            bytes[w] = file.allocate(CounterType.LOG_BYTES, worker + w, "log bytes");
            skippedNoBuffer[w] = file.allocate(CounterType.LOG_SKIPPED_NO_BUFFER, worker + w, "log skipped cause=no_buffer");
            skippedStorageBehind[w] = file.allocate(CounterType.LOG_SKIPPED_STORAGE_BEHIND, worker + w,
                    "log skipped cause=storage_behind");
        }
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
        v.putLongRelease(this.skippedStorageBehind[0], skippedStorageBehind);
        v.putLongRelease(this.drainedSeq, drainedSeq);
        v.putLongRelease(this.liveBytes, liveBytes);
        v.putLongRelease(this.frames[0], frames);
        v.putLongRelease(this.bytes[0], bytes);
        v.putLongRelease(this.skippedNoBuffer[0], skippedNoBuffer);
        v.putLongRelease(this.retired, retired);
        v.putLongRelease(this.commits, commits);
        v.putLongRelease(this.committedSeq, committedSeq);
        v.putLongRelease(this.publishedSeq, publishedSeq);
    }

    /** Worker {@code block}'s skips (a worker other than 0: it appends nothing itself). That worker's thread. */
    void publishSkips(int block, long skippedNoBuffer, long skippedStorageBehind) {
        values.putLongRelease(this.skippedNoBuffer[block], skippedNoBuffer);
        values.putLongRelease(this.skippedStorageBehind[block], skippedStorageBehind);
    }

    private long get(int offset) {
        return values.getLongAcquire(offset);
    }

    private long sum(int[] offsets) {
        long total = 0;
        for (int o : offsets) {
            total += values.getLongAcquire(o);
        }
        return total;
    }

    /** Frames logged since start. */
    public long frames() {
        return sum(frames);
    }

    /** Bytes stored (after snaplen) since start. */
    public long bytes() {
        return sum(bytes);
    }

    /** Matching frames not logged because no buffer could replace theirs (the pool was exhausted). */
    public long skippedNoBuffer() {
        return sum(skippedNoBuffer);
    }

    /**
     * Matching frames not logged because the hot tier was full of records the segment tier did not
     * hold yet (storage fell behind), or because the queue of matches from
     * another worker to worker 0, the log's writer, was full (the writer fell behind); forwarding
     * went on.
     */
    public long skippedStorageBehind() {
        return sum(skippedStorageBehind);
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

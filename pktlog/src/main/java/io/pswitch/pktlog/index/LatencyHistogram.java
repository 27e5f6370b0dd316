package io.pswitch.pktlog.index;

import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Durations in nanoseconds (commit latency), recorded by the threads that commit and read by any
 * other (REST, {@code /metrics}, the status line, the benchmark), over HdrHistogram.
 *
 * <p>Cross-thread reads, concretely: writers record into a {@link Recorder} (wait-free, safe for
 * the committer and the dataplane thread, which both commit). A reader takes the recorder's
 * interval histogram (the recorder's writer-reader phaser makes the values recorded before the
 * flip visible to it) and adds it to a cumulative histogram only readers touch, under this
 * object's lock: every percentile is computed from a stable copy, never from counts a writer is
 * changing. {@link #count()} and {@link #sum()} are atomics, exact and cheap enough for the
 * dataplane's per-commit counter publication; a percentile read may trail them by the values
 * recorded since.
 *
 * <p>Precision: 3 significant digits (a percentile is within 0.1 %, reported as its bucket's upper
 * bound), up to an hour; longer durations count as an hour.
 */
public final class LatencyHistogram {
    private static final long HIGHEST_NS = 3_600_000_000_000L;
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Recorder recorder = new Recorder(HIGHEST_NS, SIGNIFICANT_DIGITS);
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong sum = new AtomicLong();
    /** Everything recorded up to the last {@link #snapshot}; guarded by {@code this}. */
    private final Histogram total = new Histogram(HIGHEST_NS, SIGNIFICANT_DIGITS);
    /** Recycled by the recorder on every flip, so a read allocates nothing after the first; guarded by {@code this}. */
    private Histogram interval;

    /** Records one duration; negative values count as 0. */
    public void record(long ns) {
        long v = Math.min(HIGHEST_NS, Math.max(0, ns));
        recorder.recordValue(v);
        sum.addAndGet(v);
        count.incrementAndGet();
    }

    /** Folds what writers recorded since the last read into the readers' cumulative histogram. */
    private Histogram snapshot() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return total;
    }

    /** The value at or below which {@code percent} (0..100) of the recorded durations fall; 0 when empty. */
    public synchronized long percentile(double percent) {
        Histogram h = snapshot();
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percent);
    }

    public long p50() {
        return percentile(50);
    }

    public long p99() {
        return percentile(99);
    }

    /** The longest duration recorded (within the histogram's precision); 0 when empty. */
    public synchronized long max() {
        Histogram h = snapshot();
        return h.getTotalCount() == 0 ? 0 : h.getMaxValue();
    }

    /** How many durations were recorded. */
    public long count() {
        return count.get();
    }

    /** Sum of the recorded durations, exact (for a Prometheus summary's {@code _sum}). */
    public long sum() {
        return sum.get();
    }
}

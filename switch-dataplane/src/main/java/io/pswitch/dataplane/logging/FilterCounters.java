package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.counters.CountersFile;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Frames and stored bytes logged by one filter (by id), in the switch's counters file (labels
 * {@code "filter <name> frames id=<id>"}), kept across filter-set changes so a filter's totals
 * survive an edit of another. They count records persisted ({@code pswitch_log_frames_total{filter}}),
 * never matches skipped: those count under the log's skip counters with their cause.
 *
 * <p>One block per dataplane worker, as every per-worker counter: each written by its worker only
 * (release stores of its own running totals), read with acquire semantics and summed by any thread;
 * another process ({@code pswitch stat}) sums the blocks of the same label. As the log's own frame
 * count, the filters' counts are taken where the outcome of the append is known: on worker 0, the
 * log's one writer, for its own matches and for those other workers handed it (with the positions
 * that matched: {@link LogLink}), so today only worker 0's block moves.
 */
public final class FilterCounters {
    private final int filterId;
    private final AtomicBuffer values;
    /** Per worker block: the offsets of its frames and bytes. */
    private final int[] frames;
    private final int[] bytes;

    /** @param firstWorker the counters-file id of worker 0 (later workers follow it) */
    FilterCounters(CountersFile file, int filterId, String name, int firstWorker, int workers) {
        this.filterId = filterId;
        this.values = file.values();
        this.frames = new int[workers];
        this.bytes = new int[workers];
        for (int w = 0; w < workers; w++) {
            frames[w] = file.allocate(CounterType.FILTER_FRAMES, firstWorker + w, "filter " + name + " frames id=" + filterId);
            bytes[w] = file.allocate(CounterType.FILTER_BYTES, firstWorker + w, "filter " + name + " bytes id=" + filterId);
        }
    }

    /** Worker {@code block}'s thread only: its plain load is current, the release store publishes the sum. */
    void add(int block, int storedBytes) {
        int f = frames[block];
        int b = bytes[block];
        values.putLongRelease(f, values.getLong(f) + 1);
        values.putLongRelease(b, values.getLong(b) + storedBytes);
    }

    public int filterId() {
        return filterId;
    }

    /** Summed over the workers. */
    public long frames() {
        return sum(frames);
    }

    /** Summed over the workers. */
    public long bytes() {
        return sum(bytes);
    }

    private long sum(int[] offsets) {
        long total = 0;
        for (int o : offsets) {
            total += values.getLongAcquire(o);
        }
        return total;
    }
}

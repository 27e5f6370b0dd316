package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.counters.CountersFile;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Frames and stored bytes logged by one filter (by id), in the switch's counters file (labels
 * {@code "filter <name> frames id=<id>"}), kept across filter-set changes so a filter's totals
 * survive an edit of another. Written by the dataplane worker that owns the logging stage only
 * (release stores of its own running totals), read with acquire semantics by any thread or process.
 */
public final class FilterCounters {
    private final int filterId;
    private final AtomicBuffer values;
    private final int frames;
    private final int bytes;

    FilterCounters(CountersFile file, int filterId, String name, int worker) {
        this.filterId = filterId;
        this.values = file.values();
        this.frames = file.allocate(CounterType.FILTER_FRAMES, worker, "filter " + name + " frames id=" + filterId);
        this.bytes = file.allocate(CounterType.FILTER_BYTES, worker, "filter " + name + " bytes id=" + filterId);
    }

    /** Single writer: its plain load is current, the release store publishes the sum. */
    void add(int storedBytes) {
        values.putLongRelease(frames, values.getLong(frames) + 1);
        values.putLongRelease(bytes, values.getLong(bytes) + storedBytes);
    }

    public int filterId() {
        return filterId;
    }

    public long frames() {
        return values.getLongAcquire(frames);
    }

    public long bytes() {
        return values.getLongAcquire(bytes);
    }
}

package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.counters.CountersFile;
import org.agrona.concurrent.AtomicBuffer;

/**
 * How loaded one dataplane worker is, in the switch's counters file: time spent in duty cycles that
 * did work and frames moved (counts), and, over the last window of about a second, the busy fraction
 * and frames per second (gauges), so the status line, {@code /metrics} and the REST API read the same
 * figures without keeping history. Single writer: the worker's thread (one clock read per busy cycle).
 */
public final class WorkerLoad {
    static final long WINDOW_NS = 1_000_000_000L;

    private final AtomicBuffer values;
    private final int busyNsOffset;
    private final int framesOffset;
    private final int busyPpmOffset;
    private final int fpsOffset;
    private long busyNs;
    private long frames;
    private long windowStartNs;
    private long windowBusyNs;
    private long windowFrames;

    WorkerLoad(CountersFile file, int worker) {
        String w = "worker " + worker + " ";
        this.values = file.values();
        this.busyNsOffset = file.allocate(CounterType.WORKER_BUSY_NS, worker, w + "busy_ns");
        this.framesOffset = file.allocate(CounterType.WORKER_FRAMES, worker, w + "frames");
        this.busyPpmOffset = file.allocate(CounterType.WORKER_BUSY_PPM, worker, w + "busy_ppm");
        this.fpsOffset = file.allocate(CounterType.WORKER_FPS, worker, w + "frames_per_second");
    }

    /** A duty cycle from {@code startNs} to {@code endNs} moved {@code moved} frames (work > 0). Worker thread. */
    void busy(long startNs, long endNs, int moved) {
        busyNs += endNs - startNs;
        frames += moved;
    }

    /** Publishes the counts, and the gauges when the window has closed. Worker thread, once per cycle. */
    void publish(long nowNs) {
        if (windowStartNs == 0) {
            windowStartNs = nowNs;
            windowBusyNs = busyNs;
            windowFrames = frames;
            return;
        }
        long elapsed = nowNs - windowStartNs;
        if (elapsed < WINDOW_NS) {
            return;
        }
        values.putLongRelease(busyNsOffset, busyNs);
        values.putLongRelease(framesOffset, frames);
        values.putLongRelease(busyPpmOffset, Math.min(1_000_000L, (busyNs - windowBusyNs) * 1_000_000L / elapsed));
        values.putLongRelease(fpsOffset, (frames - windowFrames) * 1_000_000_000L / elapsed);
        windowStartNs = nowNs;
        windowBusyNs = busyNs;
        windowFrames = frames;
    }

    /** Busy fraction over the last window, 0..1. Any thread. */
    public double busyFraction() {
        return values.getLongAcquire(busyPpmOffset) / 1e6;
    }

    /** Frames moved per second over the last window. Any thread. */
    public long framesPerSecond() {
        return values.getLongAcquire(fpsOffset);
    }

    /** Frames moved in total (as of the last window). Any thread. */
    public long frames() {
        return values.getLongAcquire(framesOffset);
    }

    /** Busy seconds in total (as of the last window). Any thread. */
    public double busySeconds() {
        return values.getLongAcquire(busyNsOffset) / 1e9;
    }
}

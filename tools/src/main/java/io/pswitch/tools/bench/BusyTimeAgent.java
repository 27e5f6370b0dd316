package io.pswitch.tools.bench;

import io.pswitch.dataplane.port.PortCounters;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.Agent;

/**
 * Wraps the switch agent to add up the wall time of the duty cycles that did work. Frames divided
 * by busy time is what the dataplane sustains while it has frames to do, which a loaded machine
 * disturbs less than the end-to-end rate: the cycles the dataplane spins idle, waiting for a
 * generator that lost its core, do not count. (A cycle in which the dataplane itself lost its
 * core still counts whole.)
 *
 * <p>While {@link #recording}, each cycle that took frames also records its own ns per frame,
 * weighted by its frames: the median of that is the dataplane's cost per frame with the cycles in
 * which it lost its core (a few, each costing milliseconds) out of the picture, which on a shared
 * machine the sum above is not.
 */
final class BusyTimeAgent implements Agent {
    private final Agent agent;
    private final PortCounters received;
    /** Written by the agent thread only; read by the benchmark thread. */
    private volatile long busyNs;
    private volatile boolean recording;
    /** Per-cycle ns per frame; read once the agent's thread has stopped. */
    private final Histogram cycleNsPerFrame = new Histogram(1, 100_000_000L, 2);

    /** @param received the counters of the port the benchmark sends into (frames per cycle) */
    BusyTimeAgent(Agent agent, PortCounters received) {
        this.agent = agent;
        this.received = received;
    }

    @Override
    public int doWork() throws Exception {
        long f0 = received.rxFrames();
        long t0 = System.nanoTime();
        int work = agent.doWork();
        if (work > 0) {
            long ns = System.nanoTime() - t0;
            busyNs = busyNs + ns;
            long frames = received.rxFrames() - f0;
            if (recording && frames > 0) {
                cycleNsPerFrame.recordValueWithCount(Math.max(1, Math.min(ns / frames, 100_000_000L)), frames);
            }
        }
        return work;
    }

    /** From now on (until {@link #stopRecording}) cycles are recorded; any thread. */
    void recording() {
        recording = true;
    }

    void stopRecording() {
        recording = false;
    }

    /** The frame-weighted median of the recorded cycles' ns per frame; after the agent's thread stopped. */
    double medianCycleNsPerFrame() {
        return cycleNsPerFrame.getTotalCount() == 0 ? 0 : cycleNsPerFrame.getValueAtPercentile(50);
    }

    @Override
    public void onStart() {
        agent.onStart();
    }

    @Override
    public void onClose() {
        agent.onClose();
    }

    @Override
    public String roleName() {
        return agent.roleName();
    }

    long busyNs() {
        return busyNs;
    }
}

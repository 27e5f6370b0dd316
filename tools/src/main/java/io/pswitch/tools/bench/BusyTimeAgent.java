package io.pswitch.tools.bench;

import org.agrona.concurrent.Agent;

/**
 * Wraps the switch agent to add up the wall time of the duty cycles that did work. Frames divided
 * by busy time is what the dataplane sustains while it has frames to do, which a loaded machine
 * disturbs less than the end-to-end rate: the cycles the dataplane spins idle, waiting for a
 * generator that lost its core, do not count. (A cycle in which the dataplane itself lost its
 * core still counts whole.)
 */
final class BusyTimeAgent implements Agent {
    private final Agent agent;
    /** Written by the agent thread only; read by the benchmark thread. */
    private volatile long busyNs;

    BusyTimeAgent(Agent agent) {
        this.agent = agent;
    }

    @Override
    public int doWork() throws Exception {
        long t0 = System.nanoTime();
        int work = agent.doWork();
        if (work > 0) {
            busyNs = busyNs + (System.nanoTime() - t0);
        }
        return work;
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

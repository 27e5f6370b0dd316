package io.pswitch.tools.reliability;

import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.tools.gen.GenConfig;
import io.pswitch.tools.gen.TrafficGenerator;
import java.util.List;

/**
 * One {@link TrafficGenerator} on its own thread (its templates live in a thread-confined arena, so
 * it is built there). {@link #finish()} stops sending; the thread then keeps receiving until the
 * generator's drain phase is done and every frame sent has come back or none has for a second, so
 * every frame the switch delivers is counted. Figures are read after {@link #join()}.
 */
final class GeneratorThread {
    private final Thread thread;
    private final GenConfig config;
    private final List<ShmEndpoint> tx;
    private final List<ShmEndpoint> rx;
    private final long quietMs;
    private volatile TrafficGenerator gen;
    private volatile boolean finish;
    private volatile Throwable failure;
    private long sent;
    private long received;
    private long backPressured;
    private long outOfOrder;

    GeneratorThread(String name, GenConfig config, List<ShmEndpoint> tx, List<ShmEndpoint> rx) {
        this(name, config, tx, rx, 1_000);
    }

    /** {@code quietMs}: after sending, how long to wait for a frame still on its way before calling the rest lost. */
    GeneratorThread(String name, GenConfig config, List<ShmEndpoint> tx, List<ShmEndpoint> rx, long quietMs) {
        this.quietMs = quietMs;
        this.config = config;
        this.tx = tx;
        this.rx = rx;
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::run);
    }

    private void run() {
        try (TrafficGenerator g = new TrafficGenerator(config, tx, rx)) {
            gen = g;
            while (!finish && !g.done()) {
                if (g.doWork(System.nanoTime()) == 0) {
                    Thread.yield(); // the switch's rings are full: let the switch (and the API) run
                }
            }
            g.stop();
            while (!g.done()) {
                g.doWork(System.nanoTime());
            }
            // Keep receiving until every frame sent is in, or nothing has come for a second (the rest was dropped).
            long lastReceived = g.received();
            long quietSince = System.nanoTime();
            while (g.received() < g.sent() && System.nanoTime() - quietSince < quietMs * 1_000_000L) {
                if (g.doWork(System.nanoTime()) == 0) {
                    Thread.yield();
                }
                if (g.received() != lastReceived) {
                    lastReceived = g.received();
                    quietSince = System.nanoTime();
                }
            }
            sent = g.sent();
            received = g.received();
            backPressured = g.backPressured();
            outOfOrder = g.outOfOrder();
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Racy progress read for the test's log lines only; the exact figures come after {@link #join()}. */
    long sentSoFar() {
        TrafficGenerator g = gen;
        return g == null ? 0 : g.sent();
    }

    void finish() {
        finish = true;
    }

    void join() throws InterruptedException {
        join(30_000 + quietMs);
    }

    /** Waits for the thread (which ends by itself once a count-limited generator is done). */
    void join(long timeoutMs) throws InterruptedException {
        thread.join(timeoutMs);
        if (thread.isAlive()) {
            throw new AssertionError("generator thread " + thread.getName() + " did not stop");
        }
        if (failure != null) {
            throw new AssertionError("generator thread " + thread.getName() + " failed", failure);
        }
    }

    long sent() {
        return sent;
    }

    long received() {
        return received;
    }

    long backPressured() {
        return backPressured;
    }

    long outOfOrder() {
        return outOfOrder;
    }
}

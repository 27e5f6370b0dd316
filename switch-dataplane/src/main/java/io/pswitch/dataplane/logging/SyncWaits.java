package io.pswitch.dataplane.logging;

import io.pswitch.pktlog.index.PacketLog;

/**
 * The waits of {@code sync} logging, the one place a worker waits for durability: no logged frame
 * leaves before its record is durable (tiered: in its segment, {@link PacketLog#drainedSeq()};
 * untiered: committed).
 *
 * <p>Worker 0, the log's writer, commits its own batch's records and waits for the drain, as with
 * one worker. Another worker, after queueing its batch's matches, waits before its pass 2 until
 * worker 0 has taken them all and committed them ({@link LogLink#taken}), then for the drain
 * ({@link LogTap}); worker 0 commits what it appended for the others at once, in
 * {@link LoggingStage#beginCycle}. Why the other worker waits in place rather than holding its batch
 * and trying pass 2 again next cycle: a batch held across cycles would keep its RX slots back and
 * every later batch of its ports would queue behind it (per-flow order), and the time until the
 * record is durable is the same either way. The wait cannot deadlock: worker 0 never waits for
 * another worker, only for its own commit and the drain, which wait for no worker.
 *
 * <p>Nothing waits forever: every worker gives up when the drain is stalled (records then durable
 * in the hot tier only), and another worker also when worker 0 has stopped ({@link #writerStopped};
 * what it queued is appended and committed once every worker stopped). When every worker runs in
 * turn on one thread, a worker finding worker 0 behind takes its requests itself, as worker 0 would
 * (worker 0 is between two cycles then, so the log keeps one writer at a time).
 */
final class SyncWaits {
    private final PacketLog log;
    /** The thread that runs worker 0's duty cycles (first the one that built the stage). */
    private volatile Thread writerThread = Thread.currentThread();
    /** Worker 0 stopped: nobody takes requests any more until every worker stopped. */
    private volatile boolean writerStopped;

    SyncWaits(PacketLog log) {
        this.log = log;
    }

    /** Start of worker 0's duty cycle: on this thread. */
    void writerCycle() {
        Thread t = Thread.currentThread();
        if (writerThread != t) {
            writerThread = t;
        }
    }

    /** Whether this thread runs worker 0's duty cycles. Any thread. */
    boolean onWriterThread() {
        return writerThread == Thread.currentThread();
    }

    /** Worker 0's agent closed: workers waiting for it give up. */
    void writerStopped() {
        writerStopped = true;
    }

    /** Whether worker 0 stopped taking requests. Any thread. */
    boolean isWriterStopped() {
        return writerStopped;
    }

    /**
     * Tiered: until the drain has made every record up to {@code target} durable in its segment
     * (untiered, committed is durable, and the caller knows it committed). Any worker's thread.
     */
    /** About a microsecond of spinning: a flush that already returned is seen without a system call. */
    static final int SPINS_BEFORE_YIELD = 100;

    void awaitDurable(long target) {
        int spins = 0;
        while (log.isTiered() && log.drainedSeq() < target) {
            if (log.drainStalled()) {
                // The drain cannot write (full disk, failed device): durability in the segment
                // tier is not to be had now; the records stay durable in the hot tier only.
                return;
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                // The flush takes hundreds of µs; once it returns the drain needs a core to publish
                // it. With fewer cores than busy threads, a waiter that only spins holds the core the
                // drain is queued for until the scheduler's tick (ms): yield it instead.
                Thread.yield();
            }
        }
    }
}

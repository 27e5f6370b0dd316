package io.pswitch.pktlog.index;

import io.pswitch.pktlog.sched.StorageThreads;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * The hot tier's group committer as an Agrona {@link Agent}: the dataplane hands it the frames and
 * slots appended since the last commit ({@link GroupCommit#request}) and a retention marker to
 * flush ahead of need ({@link Retirement#requestAhead}), and never waits for either. Each duty
 * cycle makes the marker durable, then the commit in flight (frames first, then the records that
 * point at them). What it flushes, the writer no longer changes: frames the log owns, slots already
 * written, a marker block that is not the current one.
 *
 * <p>Run on its own thread by an {@link AgentRunner} ({@link #start}), or by the caller (tests call
 * {@link #doWork()}; a writer waiting for it then does its work too, see {@link #assist}).
 */
final class LogCommitAgent implements Agent {
    private final Retirement retirement;
    private final GroupCommit commit;
    private AgentRunner runner;
    private volatile Throwable error;

    LogCommitAgent(Retirement retirement, GroupCommit commit) {
        this.retirement = retirement;
        this.commit = commit;
    }

    @Override
    public int doWork() {
        return retirement.flushRequested() + commit.flushInFlight();
    }

    @Override
    public String roleName() {
        return "pswitch-log-commit";
    }

    /**
     * Runs the agent on a thread of its own, backing off to 1 ms parks when idle: every hand-over
     * wakes it ({@link #wake}), so the parks cost no commit latency.
     */
    void start(StorageThreads threads) {
        runner = new AgentRunner(new BackoffIdleStrategy(10, 10, 1_000, 1_000_000), this::failed, null, this);
        threads.start(runner);
    }

    private void failed(Throwable t) {
        error = t;
    }

    /** After a hand-over: a parked committer thread runs now rather than at the end of its park. */
    void wake() {
        AgentRunner r = runner;
        if (r != null && r.thread() != null) {
            LockSupport.unpark(r.thread());
        }
    }

    /**
     * Called by a writer spinning for the agent's work: reports the agent's failure, and when the
     * caller drives the agent (no thread of its own), does its work here.
     */
    void assist() {
        Throwable e = error;
        if (e != null) {
            throw new IllegalStateException("log committer failed: " + e, e);
        }
        if (runner == null) {
            doWork();
        }
    }

    Throwable error() {
        return error;
    }

    /** Stops it: a caller-driven agent first finishes what is in flight here, as its thread would have. */
    void finishCallerDriven() {
        if (runner == null) {
            while (doWork() > 0) {
                // until nothing is in flight
            }
        }
    }

    void close() {
        if (runner != null) {
            runner.close();
        }
    }
}

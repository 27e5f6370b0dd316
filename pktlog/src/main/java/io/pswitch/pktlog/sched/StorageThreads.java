package io.pswitch.pktlog.sched;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agrona.concurrent.AgentRunner;

/**
 * Starts the log's storage agents (drain, group-commit syncer, segment preparer, hot-tier commit
 * agent) on threads with a better nice value than the dataplane's ({@code --storage-nice}; by default
 * {@value #SYNC_NICE} when the dataplane waits for durability, else normal priority: {@link #defaultNice}).
 *
 * <p>Why: with fewer cores than busy threads, a storage thread whose {@code pwritev} or
 * {@code fdatasync} returns waits on the run queue behind the spinning dataplane and generator
 * threads (measured: the drain 22 % of its time, the syncer 53 %). A lower nice gives it a larger
 * CFS weight, so it is picked as soon as its I/O completes. It costs the dataplane only the storage
 * threads' own CPU time: they sleep in I/O most of the time, and the dataplane never waits on them.
 *
 * <p>The nice value is set by each storage thread on itself, before its agent's first duty cycle;
 * the starting thread waits for the outcome, so the start-up report ({@link #reportLine}) is exact.
 * A refusal (no CAP_SYS_NICE, RLIMIT_NICE too low) leaves the thread at the nice it inherited, and
 * the log runs on: it is a report line, not an error.
 */
public final class StorageThreads {
    /** The default for {@code sync} durability, where a logged frame waits for the drain's flush. */
    public static final int SYNC_NICE = -10;

    /**
     * The default nice. Under {@code sync} the dataplane waits for the storage threads, so their
     * run-queue wait is the frame's: -10 halved the commit p50 and p99 (BENCHMARKS.md). Under
     * {@code batch} and {@code async} nothing waits for them, and -10 gave them the CPU the
     * dataplane and the traffic needed on 2 cores (the 10 % logging cost rose from 37 % to 59 %
     * of the filter-only rate), against "logging never slows the switch": normal priority.
     */
    public static int defaultNice(boolean sync) {
        return sync ? SYNC_NICE : 0;
    }

    private final int nice;
    private final List<String> roles = new CopyOnWriteArrayList<>();
    private volatile String refusal;

    private StorageThreads(int nice) {
        this.nice = nice;
    }

    /**
     * @param nice -20..19; 0 leaves the storage threads as they are (the nice they inherit)
     * @throws IllegalArgumentException outside that range
     */
    public static StorageThreads atNice(int nice) {
        if (nice < ThreadScheduling.MIN_NICE || nice > ThreadScheduling.MAX_NICE) {
            throw new IllegalArgumentException(rangeError(nice));
        }
        return new StorageThreads(nice);
    }

    /** Storage threads as any other thread of the process (tests, tools that assemble a log). */
    public static StorageThreads normal() {
        return new StorageThreads(0);
    }

    /** The one-line message for a nice value out of range (null when it is in range). */
    public static String rangeError(int nice) {
        return nice < ThreadScheduling.MIN_NICE || nice > ThreadScheduling.MAX_NICE
                ? "--storage-nice " + nice + " must be between " + ThreadScheduling.MIN_NICE + " and "
                        + ThreadScheduling.MAX_NICE + " (0: the storage threads at normal priority)"
                : null;
    }

    public int nice() {
        return nice;
    }

    /**
     * Starts {@code runner}'s thread, which sets its own nice value first; returns once it has.
     * Cold: once per storage agent, at start-up.
     */
    public void start(AgentRunner runner) {
        String role = runner.agent().roleName();
        if (nice == 0) {
            AgentRunner.startOnThread(runner);
            roles.add(role);
            return;
        }
        CompletableFuture<String> outcome = new CompletableFuture<>();
        AgentRunner.startOnThread(runner, agentLoop -> new Thread(() -> {
            outcome.complete(ThreadScheduling.niceCurrentThread(nice));
            agentLoop.run();
        }));
        String refused = outcome.join();
        if (refused != null && refusal == null) {
            refusal = refused;
        }
        roles.add(role);
    }

    /** The kernel's reason when a storage thread could not take the nice value asked, or null. */
    public String refusal() {
        return refusal;
    }

    /** The start-up report's line on the storage threads' priority. */
    public String reportLine() {
        if (nice == 0) {
            return "storage threads at normal priority (--storage-nice 0: the default unless durability is sync)";
        }
        if (roles.isEmpty()) {
            return "storage threads: none running (sync durability on an in-place hot tier commits on the dataplane thread)";
        }
        String r = refusal;
        if (r != null) {
            return "storage threads at normal priority: the kernel refused nice " + nice + " (" + r + "): run as root, with"
                    + " CAP_SYS_NICE or with RLIMIT_NICE >= " + (20 - nice) + " (ulimit -e), or set --storage-nice 0";
        }
        return "storage threads at nice " + nice + " (" + String.join(", ", roles) + ")" + (nice < 0
                ? ": each runs as soon as its I/O completes, ahead of the dataplane's spinning threads" : "");
    }
}

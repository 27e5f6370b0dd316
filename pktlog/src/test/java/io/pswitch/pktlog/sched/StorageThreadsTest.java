package io.pswitch.pktlog.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Real threads started at a nice value, read back from the kernel (getpriority and /proc). */
class StorageThreadsTest {
    /** An agent that tells the kernel id of the thread it runs on. */
    private static final class TidAgent implements Agent {
        final CompletableFuture<Integer> tid = new CompletableFuture<>();

        @Override
        public void onStart() {
            tid.complete(ThreadScheduling.currentTid());
        }

        @Override
        public int doWork() {
            return 0;
        }

        @Override
        public String roleName() {
            return "pswitch-test-storage";
        }
    }

    /** Field 19 of /proc/self/task/TID/stat: the nice value (after the ")" that ends the name). */
    private static int procNice(int tid) throws Exception {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    private static int ownNice() {
        return ThreadScheduling.niceOf(ThreadScheduling.currentTid());
    }

    @Test
    void aStorageThreadRunsAtTheNiceAsked() throws Exception {
        Assumptions.assumeTrue(WithoutSysNice.effective(), "needs CAP_SYS_NICE (root) to lower a nice value");
        StorageThreads threads = StorageThreads.atNice(-7);
        TidAgent agent = new TidAgent();
        try (AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, agent)) {
            threads.start(runner);
            int tid = agent.tid.get();
            assertThat(ThreadScheduling.niceOf(tid)).isEqualTo(-7);
            assertThat(procNice(tid)).isEqualTo(-7);
            assertThat(ownNice()).as("only the storage thread changes").isNotEqualTo(-7);
        }
        assertThat(threads.refusal()).isNull();
        assertThat(threads.reportLine()).isEqualTo("storage threads at nice -7 (pswitch-test-storage): each runs as soon as"
                + " its I/O completes, ahead of the dataplane's spinning threads");
    }

    @Test
    void withoutCapSysNiceTheThreadRunsOnAtNormalPriorityAndTheReportSaysWhyInOneLine() throws Exception {
        Assumptions.assumeTrue(WithoutSysNice.effective(), "needs CAP_SYS_NICE to drop it from one thread");
        String limit = Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max nice priority"))
                .findFirst().orElseThrow();
        Assumptions.assumeTrue(Integer.parseInt(limit.split("\\s+")[3]) < 30, "RLIMIT_NICE lets nice -10 through: " + limit);
        StorageThreads threads = StorageThreads.atNice(-10);
        TidAgent agent = new TidAgent();
        int[] nices = WithoutSysNice.call(() -> {
            try (AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, agent)) {
                threads.start(runner);
                int tid = agent.tid.get();
                // The agent ran its duty cycles all the same: it got as far as onStart, and is running.
                assertThat(runner.isClosed()).isFalse();
                return new int[] {procNice(tid), ownNice()};
            }
        });
        assertThat(nices[0]).as("the inherited nice, unchanged").isEqualTo(nices[1]);
        assertThat(threads.refusal()).isEqualTo("Permission denied");
        assertThat(threads.reportLine()).isEqualTo("storage threads at normal priority: the kernel refused nice -10"
                + " (Permission denied): run as root, with CAP_SYS_NICE or with RLIMIT_NICE >= 30 (ulimit -e),"
                + " or set --storage-nice 0").doesNotContain("\n");
    }

    @Test
    void niceZeroLeavesTheThreadAsItIs() throws Exception {
        StorageThreads threads = StorageThreads.atNice(0);
        TidAgent agent = new TidAgent();
        try (AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, agent)) {
            threads.start(runner);
            assertThat(procNice(agent.tid.get())).isEqualTo(ownNice());
        }
        assertThat(threads.reportLine()).isEqualTo("storage threads at normal priority (--storage-nice 0: the default unless durability is sync)");
    }

    @Test
    void aNiceOutOfRangeIsRefusedByName() {
        assertThatThrownBy(() -> StorageThreads.atNice(-21)).hasMessage("--storage-nice -21 must be between -20 and 19"
                + " (0: the storage threads at normal priority)");
        assertThat(StorageThreads.rangeError(19)).isNull();
    }
}

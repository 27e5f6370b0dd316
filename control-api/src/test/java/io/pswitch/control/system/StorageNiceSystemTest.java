package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pswitch run} with a log on a disk (a segment tier): its storage threads run at the nice
 * asked, read back from /proc; a switch without CAP_SYS_NICE says so in one start-up line and runs on.
 */
class StorageNiceSystemTest {
    @TempDir
    Path tmp;
    private Path memory;
    private final String tag = "snc" + Long.toString(ProcessHandle.current().pid() % 100000, 36)
            + Long.toString(System.nanoTime() % 1000, 36);

    @BeforeEach
    void pools() throws IOException {
        Path shm = Path.of("/dev/shm");
        memory = Files.isDirectory(shm) ? Files.createTempDirectory(shm, "pswitch-snice") : Files.createTempDirectory("pswitch-snice");
    }

    @AfterEach
    void cleanUp() throws IOException {
        ShmTraffic.deletePortFiles(tag + "a", tag + "b");
        try (var walk = Files.walk(memory)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private String[] args(String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("--port", "a=shm:" + tag + "a", "--port", "b=shm:" + tag + "b",
                "--data-dir", tmp.resolve("data").toString(), "--pool-dir", memory.toString(), "--log-size", "8M",
                "--segment-size", "1M", "--buffers", "4096", "--ring-size", "256", "--batch", "32", "--log-records", "1024",
                "--filter", "all=udp", "--durability", "sync", "--status-interval", "1h"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** The nice value (field 19 of stat) of the child's thread whose name starts with {@code name}. */
    private static int niceOfThread(Process child, String name) throws IOException {
        try (var tasks = Files.list(Path.of("/proc/" + child.pid() + "/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().startsWith(name)) {
                    String stat = Files.readString(task.resolve("stat"));
                    return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]);
                }
            }
        }
        throw new AssertionError("no thread " + name + " in pid " + child.pid());
    }

    /** The nice this test runs at, which a child switch's threads inherit unless told otherwise. */
    private static int ownNice() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]);
    }

    @Test
    void underSyncTheStorageThreadsRunAtNiceMinusTenByDefaultAndTheStartUpReportSaysSo() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (CAP_SYS_NICE) for a negative nice");
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), args())) {
            sw.awaitOutput("pswitch: filters:", 60_000);
            // Under sync the drain flushes itself (no group-commit syncer) and the in-memory hot tier
            // has no commit agent: the drain and the segment preparer are the storage threads.
            assertThat(sw.output()).contains("pswitch: storage threads at nice -10 (pswitch-segment-prepare, pswitch-drain):"
                    + " each runs as soon as its I/O completes, ahead of the dataplane's spinning threads\n");
            assertThat(niceOfThread(sw.process(), "pswitch-drain")).isEqualTo(-10);
            assertThat(niceOfThread(sw.process(), "pswitch-segment")).as("comm keeps 15 characters").isEqualTo(-10);
            assertThat(niceOfThread(sw.process(), "pswitch-datapl")).as("the dataplane as it was").isEqualTo(ownNice());
        }
    }

    @Test
    void underBatchTheStorageThreadsStayAtNormalPriorityByDefault() throws Exception {
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), args("--durability", "batch"))) {
            sw.awaitOutput("pswitch: filters:", 60_000);
            assertThat(sw.output()).contains("pswitch: storage threads at normal priority (--storage-nice 0: the default unless"
                    + " durability is sync)\n");
            assertThat(niceOfThread(sw.process(), "pswitch-drain")).isEqualTo(ownNice());
            assertThat(niceOfThread(sw.process(), "pswitch-segment")).as("the group-commit syncer").isEqualTo(ownNice());
        }
    }

    @Test
    void storageNiceZeroLeavesThemAtNormalPriority() throws Exception {
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), args("--storage-nice", "0"))) {
            sw.awaitOutput("pswitch: filters:", 60_000);
            assertThat(sw.output()).contains("pswitch: storage threads at normal priority (--storage-nice 0: the default unless durability is sync)\n");
            assertThat(niceOfThread(sw.process(), "pswitch-drain")).isEqualTo(ownNice());
        }
    }

    @Test
    void withoutCapSysNiceOneLineSaysWhyAndTheSwitchRunsOn() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux) to drop CAP_SYS_NICE");
        String limit = Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max nice priority"))
                .findFirst().orElseThrow();
        Assumptions.assumeTrue(Integer.parseInt(limit.split("\\s+")[3]) < 30, "RLIMIT_NICE lets nice -10 through: " + limit);
        // Root without CAP_SYS_NICE in its bounding set execs with none: what a non-root user has.
        List<String> withoutSysNice = List.of("/usr/bin/setpriv", "--bounding-set=-sys_nice");
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), withoutSysNice, Map.of(), args())) {
            sw.awaitOutput("pswitch: filters:", 60_000);
            String out = sw.output();
            assertThat(out).contains("pswitch: storage threads at normal priority: the kernel refused nice -10"
                    + " (Permission denied): run as root, with CAP_SYS_NICE or with RLIMIT_NICE >= 30 (ulimit -e),"
                    + " or set --storage-nice 0\n");
            assertThat(out).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(niceOfThread(sw.process(), "pswitch-drain")).as("as inherited").isEqualTo(ownNice());
            assertThat(sw.process().isAlive()).isTrue();
        }
    }
}

package io.pswitch.control.run;

import io.pswitch.control.assembly.DataDirLock;
import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.assertj.core.api.Assertions.tuple;

import io.pswitch.control.config.ConfigException;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RunSettingsTest {
    @TempDir
    Path tmp;

    private RunSettings parse(String... args) {
        RunCommand cmd = new RunCommand();
        RunCommand.commandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    @Test
    void flagsWinOverTheConfigFileWhichWinsOverDefaults() throws IOException {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "ringSize: 256\nbatch: 32\nports: [a=shm:a, b=shm:b]\n");
        RunSettings s = parse("--config", f.toString(), "--batch", "64");
        assertThat(s.ringSize()).isEqualTo(256);
        assertThat(s.batch()).isEqualTo(64);
        assertThat(s.buffers()).isEqualTo(RunSettings.DEFAULT_BUFFERS);
        assertThat(s.ports()).extracting(p -> p.name()).containsExactly("a", "b");
        RunSettings flagsOnly = parse("--config", f.toString(), "--port", "x=shm:x");
        assertThat(flagsOnly.ports()).extracting(p -> p.name()).containsExactly("x");
    }

    @Test
    void refusesNoPortsDuplicateNamesAndBadSizes() {
        assertThatThrownBy(() -> parse()).isInstanceOf(ConfigException.class).hasMessageStartingWith("no ports");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--port", "a=shm:b")).hasMessage("port name 'a' is used twice");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--ring-size", "100")).hasMessageContaining("must be a power of two");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--buffers", "100"))
                .hasMessageContaining("a pool of 100 buffers is too small for 1 ports");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--idle", "sleepy")).hasMessageContaining("auto, busy, yield, backoff, wait");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--workers", "2")).isInstanceOf(ConfigException.class)
                .hasMessage("--workers 2: more workers than ports (1); a worker owns whole ports, so give at most 1");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--workers", "many")).isInstanceOf(ConfigException.class)
                .hasMessage("--workers 'many' is not a number of worker threads or 'auto'");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--workers", "0")).hasMessageContaining("must be between 1 and");
    }

    @Test
    void workersAreANumberOrAutoAndAtMostThePorts() {
        assertThat(parse("--port", "a=shm:a", "--port", "b=shm:b", "--workers", "2").workers()).isEqualTo(2);
        int auto = parse("--port", "a=shm:a", "--port", "b=shm:b", "--workers", "auto").workers();
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(auto).isEqualTo(Math.max(1, Math.min(cores - 1, 2)));
        assertThat(parse("--port", "a=shm:a").workers()).as("one worker by default").isEqualTo(1);
    }

    @Test
    void aFlagGivenTwiceTakesItsLastValueSoAWrappersDefaultsCanBeOverridden() {
        RunSettings s = parse("--port", "a=shm:a", "--idle", "busy", "--batch", "16", "--idle", "wait", "--batch", "64");
        assertThat(s.idle()).isEqualTo(RunSettings.IdleMode.WAIT);
        assertThat(s.batch()).isEqualTo(64);
    }

    @Test
    void waitIdleAndARealtimePriorityAreParsedAndTheirRangeChecked() {
        RunSettings s = parse("--port", "a=shm:a", "--idle", "wait", "--rt-priority", "10");
        assertThat(s.idle()).isEqualTo(RunSettings.IdleMode.WAIT);
        assertThat(s.rtPriority()).isEqualTo(10);
        assertThat(parse("--port", "a=shm:a").rtPriority()).as("normal scheduling by default").isZero();
        assertThat(parse("--port", "a=shm:a").idle()).as("auto by default: wait on live interfaces, else backoff")
                .isEqualTo(RunSettings.IdleMode.AUTO);
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--rt-priority", "100"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--rt-priority 100 must be between 1 and 99");
    }

    @Test
    void theStorageThreadsNiceComesFromTheFlagTheFileOrTheDurabilityAndItsRangeIsChecked() throws IOException {
        assertThat(parse("--port", "a=shm:a").log().storageNice()).as("the default under batch").isZero();
        assertThat(parse("--port", "a=shm:a", "--durability", "async").log().storageNice()).as("async").isZero();
        assertThat(parse("--port", "a=shm:a", "--durability", "sync").log().storageNice()).as("the default under sync").isEqualTo(-10);
        assertThat(parse("--port", "a=shm:a", "--storage-nice", "0").log().storageNice()).isZero();
        Path f = tmp.resolve("nice.yaml");
        Files.writeString(f, "log:\n  storageNice: -5\n");
        assertThat(parse("--config", f.toString(), "--port", "a=shm:a").log().storageNice()).isEqualTo(-5);
        assertThat(parse("--config", f.toString(), "--port", "a=shm:a", "--storage-nice", "3").log().storageNice()).isEqualTo(3);
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--storage-nice", "-21"))
                .isInstanceOf(ConfigException.class).hasMessage("--storage-nice -21 must be between -20 and 19"
                        + " (0: the storage threads at normal priority)");
    }

    /** The dataplane thread runs under SCHED_FIFO (policy 1 in /proc's stat) at the priority asked for. */
    @Test
    void theDataplaneThreadRunsUnderSchedFifoWhenARealtimePriorityIsGiven() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "SCHED_FIFO needs root or CAP_SYS_NICE; skipped");
        String tag = "rt-" + ProcessHandle.current().pid() + "-";
        RunSettings s = parse("--port", "a=shm:" + tag + "a,slots=64", "--port", "b=shm:" + tag + "b,slots=64",
                "--data-dir", tmp.resolve("data").toString(), "--buffers", "2048", "--ring-size", "64", "--batch", "32",
                "--api", "off", "--idle", "wait", "--rt-priority", "7");
        try (SwitchAssembly sw = SwitchAssembly.start(s)) {
            String stat = null;
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    if (Files.readString(t.resolve("comm")).trim().startsWith("pswitch-datapl")) {
                        stat = Files.readString(t.resolve("stat"));
                    }
                }
            }
            assertThat(stat).as("the dataplane thread").isNotNull();
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After "pid (comm) ": field 3 is fields[0]; rt_priority is field 40, policy field 41.
            assertThat(fields[40 - 3]).as("rt_priority").isEqualTo("7");
            assertThat(fields[41 - 3]).as("policy SCHED_FIFO").isEqualTo("1");
        }
    }

    @Test
    void theCommitOracleIsADocumentedDiagnosticOffByDefault() {
        assertThat(parse("--port", "a=shm:a").log().commitOracle()).isNull();
        Path oracle = tmp.resolve("oracle");
        assertThat(parse("--port", "a=shm:a", "--commit-oracle", oracle.toString()).log().commitOracle()).isEqualTo(oracle);
        assertThat(new CommandLine(new RunCommand()).getUsageMessage()).contains("--commit-oracle=FILE").contains("diagnostic aid");
    }

    @Test
    void aCommitOracleThatCannotBeWrittenFailsTheStartWithOneLine() {
        String port = "oracle" + ProcessHandle.current().pid();
        RunSettings s = parse("--port", "a=shm:" + port, "--data-dir", tmp.resolve("data").toString(), "--buffers", "4096",
                "--ring-size", "64", "--batch", "32", "--log-records", "1024", "--api", "off",
                "--commit-oracle", tmp.resolve("no-such-dir").resolve("oracle").toString());
        assertThatThrownBy(() -> SwitchAssembly.start(s)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--commit-oracle " + tmp.resolve("no-such-dir").resolve("oracle"));
        // Everything it opened is closed again: the data directory can be used at once.
        DataDirLock.acquire(tmp.resolve("data")).close();
        assertThat(Path.of("/dev/shm", "pswitch-" + port)).doesNotExist();
    }

    @Test
    void logFlagsSetFiltersDurabilityAndSize() {
        RunSettings s = parse("--port", "a=shm:a", "--filter", "ping=icmp or arp", "--filter", "web = tcp port 80",
                "--durability", "batch", "--commit-records", "64", "--commit-interval", "200us", "--log-records", "4096");
        assertThat(s.log().filters()).extracting(Filter::id, Filter::name, Filter::expression)
                .containsExactly(tuple(1, "ping", "icmp or arp"), tuple(2, "web", "tcp port 80"));
        assertThat(s.log().durability()).isEqualTo(Durability.batch(64, Duration.ofNanos(200_000)));
        assertThat(s.log().records()).isEqualTo(4096);
    }

    @Test
    void withoutFilterFlagsTheStoredFiltersApplyAndBatchDurabilityIsTheDefault() {
        RunSettings s = parse("--port", "a=shm:a");
        assertThat(s.log().filters()).as("null: load from the data directory").isNull();
        assertThat(s.log().durability().mode()).isEqualTo(Durability.Mode.BATCH);
        assertThat(s.log().records()).isEqualTo(LogSettings.DEFAULT_RECORDS);
    }

    @Test
    void theConfigFileSetsLogFiltersWithSnaplenPortsAndEnabled() throws IOException {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, """
                ports: [a=shm:a, b=shm:b]
                log:
                  durability: sync
                  records: 1024
                  filters:
                    - { name: heads, expression: "tcp", snaplen: 96, ports: [a] }
                    - { name: off, expression: "udp", enabled: false }
                """);
        RunSettings s = parse("--config", f.toString());
        assertThat(s.log().durability()).isEqualTo(Durability.sync());
        assertThat(s.log().records()).isEqualTo(1024);
        assertThat(s.log().filters()).containsExactly(new Filter(1, "heads", "tcp", 96, Set.of("a"), true),
                new Filter(2, "off", "udp", 0, Set.of(), false));
        assertThat(parse("--config", f.toString(), "--filter", "x=arp").log().filters())
                .as("flags replace the file's filters").extracting(Filter::name).containsExactly("x");
    }

    @Test
    void refusesBadLogSettingsSayingWhich() {
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--filter", "icmp"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("expected NAME=EXPRESSION");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--filter", "bad name=icmp"))
                .hasMessageContaining("filter name 'bad name'");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--filter", "x=icmp", "--filter", "x=arp"))
                .hasMessage("filter name 'x' is used twice");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--durability", "eventually"))
                .hasMessageContaining("durability 'eventually' is not one of sync, batch, async");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--durability", "sync", "--commit-records", "5"))
                .hasMessageContaining("apply to batch and async durability, not sync");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--log-records", "100", "--batch", "256"))
                .hasMessageContaining("too small for batches of 256");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--commit-records", "0"))
                .hasMessageContaining("must be at least 1");
    }

    @Test
    void aDataDirectoryInUseKeepsItsSizesUnlessAFlagSaysOtherwise() {
        Path dir = tmp.resolve("data");
        try (BufferPool pool = BufferPool.open(dir.resolve("pool"), 4096, 8192);
             PacketLog log = PacketLog.open(pool, PacketLogConfig.of(2048))) {
            assertThat(log.capacity()).isEqualTo(2048);
        }
        RunSettings s = parse("--port", "a=shm:a", "--data-dir", dir.toString());
        assertThat(s.bufferSize()).isEqualTo(4096);
        assertThat(s.buffers()).isEqualTo(8192);
        assertThat(s.log().records()).isEqualTo(2048);
        RunSettings flags = parse("--port", "a=shm:a", "--data-dir", dir.toString(), "--log-records", "4096");
        assertThat(flags.log().records()).isEqualTo(4096);
        assertThat(parse("--port", "a=shm:a", "--data-dir", tmp.resolve("fresh").toString()).buffers())
                .isEqualTo(RunSettings.DEFAULT_BUFFERS);
    }

    @Test
    void refusesMalformedPortSpecsSayingWhy() {
        assertThatThrownBy(() -> parse("--port", "shm:a")).hasMessage("bad port spec 'shm:a': missing 'name=' before the driver");
        assertThatThrownBy(() -> parse("--port", "a=shm")).hasMessageContaining("missing ':' after the driver name");
        assertThatThrownBy(() -> parse("--port", "a=shm:x,slots")).hasMessageContaining("option 'slots' is not of the form key=value");
    }

    @Test
    void aSecondSwitchCannotTakeALockedDataDirectory() {
        try (DataDirLock first = DataDirLock.acquire(tmp)) {
            assertThatThrownBy(() -> DataDirLock.acquire(tmp))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("is in use by another pswitch (pid " + ProcessHandle.current().pid() + ")");
        }
        DataDirLock.acquire(tmp).close();
    }
}

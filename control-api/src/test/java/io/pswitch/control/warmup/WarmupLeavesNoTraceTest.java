package io.pswitch.control.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.rest.ShmWire;
import io.pswitch.control.run.RunCommand;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchCommand;
import io.pswitch.dataplane.fdb.FdbEntry;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.filter.Filter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up pushes tens of thousands of frames through a throw-away switch, logging
 * many of them; the real switch then starts with nothing of it: an empty log, no stations, counters
 * at zero, every pool buffer where it belongs, and no scratch files left (not even those of a switch
 * killed during its warm-up, once the next one starts). And {@code --warmup none} starts without it.
 */
class WarmupLeavesNoTraceTest {
    private static final Path SHM = Path.of("/dev/shm");
    private static final int BUFFERS = 4096;
    private static final int RING = 256;
    private static final long SENDER = 0x02_00_00_77_00_0AL;

    private Path dataDir;
    private String tag;

    @BeforeEach
    void setUp() throws IOException {
        dataDir = Files.createTempDirectory(SHM, "pswitch-warmtest-");
        tag = "warmtest" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @AfterEach
    void tearDown() throws IOException {
        deleteTree(dataDir);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private RunSettings settings(WarmupMode warmup) {
        List<PortSpec> ports = List.of(PortSpec.parse("a=shm:" + tag + "-a"), PortSpec.parse("b=shm:" + tag + "-b"),
                PortSpec.parse("c=shm:" + tag + "-c"));
        // Matches the warm-up's ARP, ping and UDP to port 9: its throw-away log gets records.
        List<Filter> filters = List.of(new Filter(1, "sel", "arp or icmp or (udp and port 9)", 0, Set.of(), true));
        return new RunSettings(dataDir, 1, BUFFERS, 2048, RING, 32, RunSettings.IdleMode.YIELD, 1024, Duration.ofSeconds(300),
                Duration.ofHours(1), true, ports, new LogSettings(filters, Durability.parse("batch"), 1024), ApiSettings.off(), 0,
                warmup);
    }

    @Test
    void theRealSwitchStartsWithNothingOfTheWarmUp() throws Exception {
        try (SwitchAssembly sw = SwitchAssembly.start(settings(WarmupMode.AUTO))) {
            DataplaneWarmup.Report report = sw.warmup();
            assertThat(report).isNotNull();
            assertThat(report.frames()).isEqualTo(DataplaneWarmup.DEFAULT_FRAMES);
            // It did run the frame paths: forwarded (unicast and flood copies) and logged, in its own log.
            assertThat(report.forwarded()).isGreaterThan(report.frames() / 2);
            assertThat(report.logged()).isGreaterThan(1000);
            assertThat(report.line()).contains("60,000 synthetic frames").doesNotContain("skipped");
            assertThat(report.skipped()).isNull();

            SwitchAgent agent = sw.agent();
            assertThat(sw.log().liveRecords()).isZero();
            assertThat(sw.log().appendedSeq()).isZero();
            assertThat(sw.logging().counters().frames()).isZero();
            assertThat(sw.filterCounters(1).frames()).isZero();
            for (int p = 0; p < agent.portCount(); p++) {
                assertThat(agent.counters(p).rxFrames()).as("rx of port %d", p).isZero();
                assertThat(agent.counters(p).txFrames()).as("tx of port %d", p).isZero();
                assertThat(agent.counters(p).totalDrops()).as("drops of port %d", p).isZero();
            }
            assertThat(fdb(agent)).isEmpty();
            // The real pool's ledger: every buffer not in a ring is free (the log holds none).
            assertThat(sw.pool().freeCount()).isEqualTo(BUFFERS - 2 - 2 * RING * agent.portCount());
            assertThat(warmupScratchDirs()).as("this process's scratch directories")
                    .noneMatch(n -> n.startsWith(DataplaneWarmup.SCRATCH_PREFIX + ProcessHandle.current().pid() + "-"));

            // The real switch works, and what it learns, counts and logs is the real traffic only.
            try (ShmWire a = ShmWire.attach(tag + "-a"); ShmWire b = ShmWire.attach(tag + "-b");
                 ShmWire c = ShmWire.attach(tag + "-c")) {
                a.send(arpRequest());
                awaitTrue(() -> sw.logging().counters().frames() == 1 && agent.counters(0).rxFrames() == 1);
                List<FdbEntry> stations = fdb(agent);
                assertThat(stations).extracting(FdbEntry::mac, FdbEntry::port).containsExactly(org.assertj.core.groups.Tuple.tuple(SENDER, 0));
                awaitTrue(() -> agent.counters(1).txFrames() == 1 && agent.counters(2).txFrames() == 1);
                assertThat(b.received()).hasSize(1);
                assertThat(c.received()).hasSize(1);
            }
        }
    }

    @Test
    void theScratchOfASwitchKilledDuringItsWarmUpIsRemovedByTheNextOne() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = SHM.resolve(DataplaneWarmup.SCRATCH_PREFIX + gone.pid() + "-killed");
        Path mine = SHM.resolve(DataplaneWarmup.SCRATCH_PREFIX + ProcessHandle.current().pid() + "-running");
        Path other = SHM.resolve(DataplaneWarmup.SCRATCH_PREFIX + "notapid");
        try {
            for (Path d : List.of(stale, mine, other)) {
                Files.createDirectories(d.resolve("switch0"));
                Files.write(d.resolve("switch0").resolve("pool"), new byte[4096]);
            }
            DataplaneWarmup.removeStale(SHM);
            assertThat(stale).doesNotExist();
            assertThat(mine).as("a live process's scratch").exists();
            assertThat(other).as("not named after a process").exists();
        } finally {
            for (Path d : List.of(stale, mine, other)) {
                deleteTree(d);
            }
        }
    }

    @Test
    void warmupNoneStartsWithoutIt() {
        try (SwitchAssembly sw = SwitchAssembly.start(settings(WarmupMode.NONE))) {
            assertThat(sw.warmup()).isNull();
            assertThat(sw.log().liveRecords()).isZero();
        }
    }

    @Test
    void runWarmsUpByDefaultAndTheFlagOrTheConfigFileTurnsItOff() throws IOException {
        assertThat(parse("--port", "a=shm:x").warmup()).isEqualTo(WarmupMode.AUTO);
        assertThat(parse("--port", "a=shm:x", "--warmup", "none").warmup()).isEqualTo(WarmupMode.NONE);
        Path config = dataDir.resolve("c.yaml");
        Files.writeString(config, "warmup: none\nports: [a=shm:x]\n");
        assertThat(parse("--config", config.toString()).warmup()).isEqualTo(WarmupMode.NONE);
        assertThat(parse("--config", config.toString(), "--warmup", "auto").warmup()).isEqualTo(WarmupMode.AUTO);
        assertThatThrownBy(() -> parse("--port", "a=shm:x", "--warmup", "sometimes")).isInstanceOf(ConfigException.class)
                .hasMessage("--warmup 'sometimes' is not one of none, auto");
    }

    private RunSettings parse(String... args) {
        RunCommand cmd = new RunCommand();
        RunCommand.commandLine(cmd).parseArgs(Stream.concat(Stream.of(args), Stream.of("--data-dir", dataDir.toString()))
                .toArray(String[]::new));
        return cmd.settings();
    }

    private static List<FdbEntry> fdb(SwitchAgent agent) throws Exception {
        SwitchCommand.SnapshotFdb snapshot = new SwitchCommand.SnapshotFdb(new CompletableFuture<>());
        assertThat(agent.offer(snapshot)).isTrue();
        return snapshot.result().get(5, TimeUnit.SECONDS);
    }

    /** An ARP request from {@link #SENDER} (198.51.100.10 asks for .20), broadcast. */
    private static byte[] arpRequest() {
        ByteBuffer f = ByteBuffer.allocate(60);
        f.putShort((short) 0xFFFF).putInt(-1).putShort((short) (SENDER >>> 32)).putInt((int) SENDER).putShort((short) 0x0806);
        f.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        f.putShort((short) (SENDER >>> 32)).putInt((int) SENDER).putInt(0xC633640A);
        f.putShort((short) 0).putInt(0).putInt(0xC6336414);
        return f.array();
    }

    private static Set<String> warmupScratchDirs() throws IOException {
        try (Stream<Path> all = Files.list(SHM)) {
            return all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("pswitch-warmup-"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }
}

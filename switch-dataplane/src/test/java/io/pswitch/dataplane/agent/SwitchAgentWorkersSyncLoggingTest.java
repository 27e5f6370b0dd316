package io.pswitch.dataplane.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.frame.TestFrames;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.LogStorage;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.RecordConsumer;
import io.pswitch.pktlog.tier.DrainPolicy;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TieredLog;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code sync} logging on a switch with 2 and 3 workers (real pool, log and segment files on tmpfs,
 * real libpcap filters): every port records the log's durable limit as each frame goes out, and no
 * logged frame leaves before its record is durable — committed (untiered) or in its segment (tiered,
 * with the real drain) — whichever worker received it; the switch sends what one worker sends.
 * Port {@code i} belongs to worker {@code i % workers}.
 */
@ParameterizedClass(name = "{0} workers")
@ValueSource(ints = {2, 3})
class SwitchAgentWorkersSyncLoggingTest {
    @Parameter
    int workers;

    private static final int RING_SIZE = 64;
    private static final int BATCH = 16;
    private static final long BROADCAST = 0xffffffffffffL;
    /**
     * Frames whose sequence number is a multiple of 4 (byte 14 of a {@link TestFrames} frame is
     * {@code seq + 14}): logged and unlogged frames interleave in every flow.
     */
    private static final String QUARTER = "ether[12:2] = 0x88b5 and ether[14] & 3 = 2";

    private final SwitchAgentTest.ManualClock clock = new SwitchAgentTest.ManualClock();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Path dir;

    @BeforeEach
    void open() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "agentwsync")
                : Files.createTempDirectory("agentwsync");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static long station(int port) {
        return 0x02_00_00_00_40_00L + port;
    }

    private static String hex(byte[] f) {
        return HexFormat.of().formatHex(f);
    }

    private List<MemoryPort> ports(BufferPool pool, int count) {
        List<MemoryPort> ports = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            MemoryPort port = new MemoryPort("p" + p, pool, RING_SIZE, BATCH);
            ports.add(port);
            open.add(port::close);
        }
        return ports;
    }

    private SwitchAgent agent(int workerCount, BufferPool pool, List<MemoryPort> ports, PacketLog log, String filter) {
        List<String> names = new ArrayList<>();
        for (int p = 0; p < ports.size(); p++) {
            names.add("p" + p);
        }
        FilterSet set = FilterSet.compile(List.of(Filter.of(1, "f1", filter)), names::indexOf);
        SwitchConfig config = SwitchConfig.defaults().withBatchSize(BATCH).withWorkers(workerCount).withHandoffCapacity(RING_SIZE);
        return new SwitchAgent(config, pool, new ArrayList<>(ports), clock, log, Durability.sync(), set);
    }

    /** Sequence of each record by its frame's bytes (every frame of these tests is unique). */
    private static RecordConsumer collect(Map<String, Long> seqByFrame) {
        return (rec, frame, off) -> {
            byte[] b = new byte[rec.storedLength()];
            MemorySegment.copy(frame, ValueLayout.JAVA_BYTE, off, b, 0, b.length);
            assertThat(seqByFrame.put(hex(b), rec.sequence())).as("logged once").isNull();
            return true;
        };
    }

    /** Every logged frame went out only once the durable limit had reached its record; returns how many did. */
    private static int checkNoLoggedFrameLeftEarly(List<MemoryPort> ports, Map<String, Long> seqByFrame) {
        int logged = 0;
        for (MemoryPort port : ports) {
            assertThat(port.transmittedAt).hasSameSizeAs(port.transmitted);
            for (int i = 0; i < port.transmitted.size(); i++) {
                Long seq = seqByFrame.get(hex(port.transmitted.get(i)));
                if (seq != null) {
                    logged++;
                    assertThat(port.transmittedAt.get(i)).as("%s sent record %d's frame only once it was durable",
                            port.name(), seq).isGreaterThanOrEqualTo(seq);
                }
            }
        }
        return logged;
    }

    /** One switch (untiered log, every worker run in turn on this thread): what each port sent. */
    private List<List<String>> runUntiered(String name, int workerCount, Map<String, Long> seqByFrame, int[] loggedSent) {
        BufferPool pool = BufferPool.open(dir.resolve(name + ".pool"), 2048, 2048);
        PacketLog log = PacketLog.open(pool, dir.resolve(name + ".idx"), new PacketLogConfig(4096, 8, 4), LogStorage.MAPPED);
        open.add(pool::close);
        open.add(log::close);
        List<MemoryPort> ports = ports(pool, 2 * workers);
        SwitchAgent agent = agent(workerCount, pool, ports, log, QUARTER);
        for (MemoryPort port : ports) {
            port.atTransmit = log::committedSeq;
        }
        Random r = new Random(31);
        int received = 0;
        int matches = 0;
        for (int round = 0; round < 80; round++) {
            if (round == 40) {
                // A filter set installed while logging in sync mode (once refused with several workers).
                agent.logging().filters(agent.logging().filters());
            }
            int from = round < ports.size() ? round : r.nextInt(ports.size());
            int n = 1 + r.nextInt(6);
            for (int k = 0; k < n; k++) {
                int to = r.nextInt(ports.size() + 1);
                long dst = round < ports.size() || to == ports.size() ? BROADCAST : station(to);
                int seq = round * 8 + k;
                ports.get(from).feed(TestFrames.frame(dst, station(from), -1, 60 + r.nextInt(900), seq));
                received++;
                matches += seq % 4 == 0 ? 1 : 0;
            }
            for (int i = 0; i < 100 && agent.doWork() > 0; i++) {
                // until idle
            }
            clock.now += 200_000;
        }
        BufferLedger.verify(pool, ports, agent.heldBuffers(), agent.logging().logOwnedBuffers());
        agent.onClose();
        agent.releaseWorkerBuffers();
        new LogReader(log).query(LogQuery.all(), collect(seqByFrame));
        LogCounters c = agent.logging().counters();
        assertThat(c.frames() + c.skippedNoBuffer() + c.skippedStorageBehind()).as("every match logged or counted")
                .isEqualTo(matches);
        assertThat(c.frames()).isEqualTo(seqByFrame.size()).isEqualTo(matches);
        assertThat(received).isPositive();
        loggedSent[0] = checkNoLoggedFrameLeftEarly(ports, seqByFrame);
        List<List<String>> out = new ArrayList<>();
        for (MemoryPort port : ports) {
            out.add(port.transmitted.stream().map(SwitchAgentWorkersSyncLoggingTest::hex).toList());
        }
        return out;
    }

    @Test
    void syncLoggingWorksOnEveryWorkerNoLoggedFrameLeavesBeforeItsRecordIsCommittedAndEachPortSendsWhatOneWorkerSends() {
        Map<String, Long> oneSeqs = new HashMap<>();
        Map<String, Long> manySeqs = new HashMap<>();
        int[] oneSent = new int[1];
        int[] manySent = new int[1];
        List<List<String>> one = runUntiered("one", 1, oneSeqs, oneSent);
        List<List<String>> many = runUntiered("many", workers, manySeqs, manySent);
        for (int p = 0; p < one.size(); p++) {
            assertThat(many.get(p)).as("port p%d sends what the one-worker switch sends", p).containsExactlyElementsOf(one.get(p));
        }
        assertThat(manySeqs.keySet()).as("the same frames logged").isEqualTo(oneSeqs.keySet());
        assertThat(manySent[0]).as("logged frames went out, each checked").isEqualTo(oneSent[0]).isPositive();
    }

    @Test
    void syncLoggingOnWorkerThreadsWithASegmentTierSendsNoLoggedFrameBeforeTheDrainPutItsRecordInItsSegment() throws Exception {
        runSyncWithSegmentTier(DrainPolicy.EVERY_WRITE);
    }

    /**
     * The drain flushes 5 ms after it writes (a group-commit policy; sync durability never uses one,
     * which is what makes the gap visible here): the volatile hot tier lets records go once written,
     * yet a logged frame still leaves only once its record is flushed (durable) in its segment.
     */
    @Test
    void syncLoggingWaitsForTheSegmentsFlushNotOnlyForTheWriteAVolatileHotTierRetiresAt() throws Exception {
        PacketLog hot = runSyncWithSegmentTier(new DrainPolicy(1 << 20, 5_000_000));
        assertThat(hot.retiresOnceWritten()).as("the pool in /dev/shm").isTrue();
    }

    private PacketLog runSyncWithSegmentTier(DrainPolicy policy) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        TieredLog tiered = TieredLog.open(new TieredLog.Settings(data, Files.createDirectories(dir.resolve("pools")), 2048, 4096,
                new PacketLogConfig(4096, 8, 4), 64L << 20, 1L << 20, policy));
        open.add(tiered);
        tiered.startDrain();
        PacketLog hot = tiered.hot();
        List<MemoryPort> ports = ports(tiered.pool(), 2 * workers);
        SwitchAgent agent = agent(workers, tiered.pool(), ports, hot, QUARTER);
        List<List<String>> sentFrom = new ArrayList<>();
        int frames = 0;
        int matches = 0;
        // Few enough broadcasts that no ring or queue can overflow, whatever the threads' timing:
        // every port sends every other port's frames, each flow in order.
        for (int p = 0; p < ports.size(); p++) {
            List<String> flow = new ArrayList<>();
            for (int k = 0; k < 9; k++) {
                byte[] f = TestFrames.frame(BROADCAST, station(p), -1, 80 + 10 * k, p * 100 + k);
                ports.get(p).feed(f);
                flow.add(hex(f));
                frames++;
                matches += (p * 100 + k) % 4 == 0 ? 1 : 0;
            }
            sentFrom.add(flow);
            ports.get(p).atTransmit = hot::drainedSeq;
        }
        AgentRunner[] runners = new AgentRunner[workers];
        for (int w = 0; w < workers; w++) {
            runners[w] = new AgentRunner(new BackoffIdleStrategy(10, 10, 1_000, 100_000), Throwable::printStackTrace, null,
                    agent.worker(w));
            AgentRunner.startOnThread(runners[w]);
        }
        long expected = (long) frames * (ports.size() - 1);
        long deadline = System.nanoTime() + 20_000_000_000L;
        long sent = 0;
        while (System.nanoTime() < deadline) {
            sent = 0;
            for (int p = 0; p < ports.size(); p++) {
                PortCounters c = agent.counters(p);
                sent += c.txFrames();
            }
            if (sent == expected) {
                break;
            }
            Thread.sleep(5);
        }
        // Worker 0 last, as the assembly stops them: no worker waits for a stopped worker 0.
        for (int w = workers - 1; w >= 0; w--) {
            runners[w].close();
        }
        BufferLedger.verify(tiered.pool(), ports, agent.heldBuffers(), agent.logging().logOwnedBuffers());
        agent.releaseWorkerBuffers();
        assertThat(sent).as("every frame flooded to every other port").isEqualTo(expected);
        for (int q = 0; q < ports.size(); q++) {
            List<String> got = ports.get(q).transmitted.stream().map(SwitchAgentWorkersSyncLoggingTest::hex).toList();
            List<String> want = new ArrayList<>();
            for (int p = 0; p < ports.size(); p++) {
                if (p != q) {
                    want.addAll(sentFrom.get(p));
                    List<String> flow = got.stream().filter(sentFrom.get(p)::contains).toList();
                    assertThat(flow).as("flow p%d -> p%d in order", p, q).containsExactlyElementsOf(sentFrom.get(p));
                }
            }
            assertThat(got).as("p%d sends what one worker sends", q).containsExactlyInAnyOrderElementsOf(want);
        }
        Map<String, Long> seqByFrame = new HashMap<>();
        try (LogView view = LogView.of(tiered)) {
            view.reader().query(LogQuery.all(), collect(seqByFrame));
        }
        LogCounters c = agent.logging().counters();
        assertThat(c.frames() + c.skippedNoBuffer() + c.skippedStorageBehind()).as("every match logged or counted")
                .isEqualTo(matches);
        assertThat(seqByFrame).hasSize((int) c.frames());
        assertThat(checkNoLoggedFrameLeftEarly(ports, seqByFrame)).as("logged frames went out, each checked").isPositive();
        return hot;
    }
}

package io.pswitch.dataplane.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.frame.TestFrames;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.IndexRecordDescriptor;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The switch with its logging stage: real pool and log files (on tmpfs), real libpcap filters. */
class SwitchAgentLoggingTest {
    private static final int RING_SIZE = 16;
    private static final long A = 0x020000000000aL;
    private static final long B = 0x020000000000bL;
    private static final long C = 0x020000000000cL;
    private static final long BROADCAST = 0xffffffffffffL;
    private static final long LLDP = 0x0180c200000eL;

    private Path dir;
    private BufferPool pool;
    private PacketLog log;
    private MemoryPort p0;
    private MemoryPort p1;
    private MemoryPort p2;
    private List<MemoryPort> ports;
    private final SwitchAgentTest.ManualClock clock = new SwitchAgentTest.ManualClock();
    private SwitchAgent agent;

    @BeforeEach
    void open() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "agentlog")
                : Files.createTempDirectory("agentlog");
    }

    private void start(int buffers, int logCapacity, Durability durability, String... filters) {
        start(buffers, logCapacity, durability, SwitchConfig.defaults().withBatchSize(RING_SIZE), filters);
    }

    private void start(int buffers, int logCapacity, Durability durability, SwitchConfig config, String... filters) {
        pool = BufferPool.open(dir.resolve("pool"), 2048, buffers);
        // The log first: recovery claims its buffers before any ring takes one.
        log = PacketLog.open(pool, new PacketLogConfig(logCapacity, 8, 4));
        p0 = new MemoryPort("p0", pool, RING_SIZE, RING_SIZE);
        p1 = new MemoryPort("p1", pool, RING_SIZE, RING_SIZE);
        p2 = new MemoryPort("p2", pool, RING_SIZE, RING_SIZE);
        ports = List.of(p0, p1, p2);
        agent = new SwitchAgent(config, pool, new ArrayList<>(ports), clock, log, durability, set(filters));
    }

    private FilterSet set(String... expressions) {
        List<Filter> fs = new ArrayList<>();
        for (int i = 0; i < expressions.length; i++) {
            fs.add(Filter.of(i + 1, "f" + (i + 1), expressions[i]));
        }
        return FilterSet.compile(fs, name -> agent == null ? List.of("p0", "p1", "p2").indexOf(name) : agent.portIndex(name));
    }

    @AfterEach
    void checkOwnershipAndClose() throws IOException {
        if (agent != null) {
            LoggingStage stage = agent.logging();
            // Every buffer in exactly one place: free, a ring, the stage's reserve, or the log.
            BufferLedger.verify(pool, ports, stage.reservedBuffers(), stage.logOwnedBuffers());
            agent.onClose();
            ports.forEach(MemoryPort::close);
            log.close();
            pool.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private void run() {
        for (int i = 0; i < 1000; i++) {
            if (agent.doWork() == 0) {
                return;
            }
        }
        throw new AssertionError("agent never went idle");
    }

    private List<LogRecord> records() {
        List<LogRecord> out = new ArrayList<>();
        new LogReader(log).query(LogQuery.all(), (rec, frame, off) -> {
            out.add(rec.copy());
            return true;
        });
        return out;
    }

    private List<byte[]> loggedFrames() {
        List<byte[]> out = new ArrayList<>();
        new LogReader(log).query(LogQuery.all(), (rec, frame, off) -> {
            byte[] b = new byte[rec.storedLength()];
            MemorySegment.copy(frame, ValueLayout.JAVA_BYTE, off, b, 0, b.length);
            out.add(b);
            return true;
        });
        return out;
    }

    private void assertEveryLoggedFrameWasSent(List<byte[]> sent) {
        Set<String> known = new HashSet<>();
        for (byte[] f : sent) {
            known.add(HexFormat.of().formatHex(f));
        }
        List<byte[]> logged = loggedFrames();
        for (int i = 0; i < logged.size(); i++) {
            byte[] f = logged.get(i);
            assertThat(known.contains(HexFormat.of().formatHex(f)))
                    .as("logged frame %d (%d bytes, starts %s) is byte-exact one that was sent", i, f.length,
                            HexFormat.of().formatHex(f, 0, Math.min(16, f.length)))
                    .isTrue();
        }
    }

    private static byte[] frame(long dst, long src, int length, int seq) {
        return TestFrames.frame(dst, src, -1, length, seq);
    }

    @Test
    void logsMatchingFramesInPlaceAndTransmitsThemFromTheLoggedBuffer() {
        start(512, 256, Durability.sync(), "ether src 20:00:00:00:00:0a");
        p1.feed(frame(BROADCAST, B, 64, 0)); // B learned on p1, not logged
        run();
        p1.takeTransmitted();
        p2.takeTransmitted();
        byte[] toB = frame(B, A, 300, 1);
        p0.feed(toB);
        run();
        int receivedInto = p0.receivedBufIdx.getLast();

        assertThat(p1.transmitted).containsExactly(toB);
        assertThat(p1.transmittedBufIdx).as("sent from the very buffer it was received into").containsExactly(receivedInto);
        List<LogRecord> recs = records();
        assertThat(recs).hasSize(1);
        LogRecord r = recs.getFirst();
        assertThat(r.bufIdx()).as("logged in place, not copied").isEqualTo(receivedInto);
        assertThat(r.ingressPort()).isEqualTo(0);
        assertThat(r.decision()).as("the forwarding decision: port p1").isEqualTo(1);
        assertThat(r.wireLength()).isEqualTo(300);
        assertThat(r.storedLength()).isEqualTo(300);
        assertThat(r.firstFilterId()).isEqualTo(1);
        assertThat(r.filterMask()).isEqualTo(1L << 1);
        assertThat(loggedFrames()).containsExactly(toB);
        assertThat(agent.logging().counters().frames()).isEqualTo(1);
        assertThat(agent.logging().filterCounters(1).frames()).isEqualTo(1);
        assertThat(agent.logging().filterCounters(1).bytes()).isEqualTo(300);
    }

    @Test
    void logsFramesTheSwitchDropsWithTheirDropCause() {
        start(512, 256, Durability.sync(), "");
        byte[] lldp = frame(LLDP, A, 60, 2);
        byte[] runt = new byte[10];
        p0.feed(lldp, runt);
        run();
        List<LogRecord> recs = records();
        assertThat(recs).extracting(LogRecord::decision).containsExactly(
                IndexRecordDescriptor.decisionDrop(DropCause.LINK_LOCAL.ordinal()),
                IndexRecordDescriptor.decisionDrop(DropCause.RUNT.ordinal()));
        assertThat(loggedFrames()).containsExactly(lldp, runt);
        assertThat(p1.transmitted).isEmpty();
    }

    @Test
    void aFloodedLoggedFrameIsCopiedToAllButOneOutputAndKeptWhole() {
        start(512, 256, Durability.sync(), "ether broadcast");
        byte[] bc = frame(BROADCAST, A, 200, 3);
        p0.feed(bc);
        run();
        assertThat(p1.transmitted).containsExactly(bc);
        assertThat(p2.transmitted).containsExactly(bc);
        assertThat(loggedFrames()).containsExactly(bc);
        assertThat(records().getFirst().decision()).isEqualTo(IndexRecordDescriptor.DECISION_FLOOD);
    }

    @Test
    void snaplenStoresOnlyTheHeadOfTheFrame() {
        start(512, 256, Durability.sync());
        agent.logging().filters(FilterSet.compile(List.of(new Filter(7, "heads", "", 64, Set.of(), true)), agent::portIndex));
        byte[] big = frame(B, A, 1000, 4);
        p0.feed(big);
        run();
        LogRecord r = records().getFirst();
        assertThat(r.wireLength()).isEqualTo(1000);
        assertThat(r.storedLength()).isEqualTo(64);
        assertThat(loggedFrames().getFirst()).isEqualTo(Arrays.copyOf(big, 64));
    }

    @Test
    void aFilterChangeAppliesFromTheNextBatchOn() {
        start(512, 256, Durability.sync(), "ether src 20:00:00:00:00:0a");
        p0.feed(frame(BROADCAST, A, 64, 1), frame(BROADCAST, A, 64, 2));
        p1.feed(frame(BROADCAST, B, 64, 3));
        run();
        assertThat(records()).hasSize(2);

        long generation = agent.logging().filters(set("ether src 20:00:00:00:00:0b"));
        p0.feed(frame(BROADCAST, A, 64, 4));
        p1.feed(frame(BROADCAST, B, 64, 5), frame(BROADCAST, B, 64, 6));
        run();
        assertThat(agent.logging().appliedGeneration()).isEqualTo(generation);
        List<LogRecord> recs = records();
        assertThat(recs).hasSize(4);
        assertThat(recs.subList(2, 4)).allSatisfy(r -> assertThat(r.ingressPort()).isEqualTo(1));

        agent.logging().filters(FilterSet.EMPTY);
        p0.feed(frame(BROADCAST, A, 64, 7));
        run();
        assertThat(records()).as("no filters, nothing logged").hasSize(4);
    }

    @Test
    void syncCommitsEveryBatchBeforeTransmittingWhileBatchModeWaitsForItsWindow() {
        start(512, 256, Durability.batch(1000, Duration.ofMillis(5)), "");
        p0.feed(frame(BROADCAST, A, 64, 1));
        run();
        assertThat(p1.transmitted).hasSize(1);
        assertThat(log.appendedSeq()).isEqualTo(1);
        assertThat(log.committedSeq()).as("batch mode: not yet durable").isZero();
        assertThat(log.newestSeq()).as("but published to readers").isEqualTo(1);
        clock.now += 6_000_000;
        agent.doWork(); // idle cycle: the window has closed, the commit goes to the committer thread
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (log.committedSeq() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(log.committedSeq()).isEqualTo(1);
        agent.doWork();
        assertThat(agent.logging().counters().committedSeq()).as("published when the committer is done").isEqualTo(1);
    }

    @Test
    void batchModeNeverWaitsForTheDiskRecordsAppendedDuringACommitGoWithTheNext() {
        start(2048, 1024, Durability.batch(8, Duration.ofMillis(1)), "");
        List<long[]> commits = new ArrayList<>();
        // The listener runs on the committer thread; it is slow here, like a disk.
        log.commitListener((from, to) -> {
            synchronized (commits) {
                commits.add(new long[] {from, to});
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        p1.feed(frame(BROADCAST, B, 64, 0));
        run();
        for (int round = 0; round < 40; round++) {
            for (int k = 0; k < 4; k++) {
                p0.feed(frame(B, A, 64, round * 4 + k));
            }
            run();
            clock.now += 2_000_000;
        }
        long appended = log.appendedSeq();
        assertThat(p1.transmitted).hasSize(160);
        agent.logging().commit(); // waits for the one in flight, then commits the rest here
        assertThat(log.committedSeq()).isEqualTo(appended);
        synchronized (commits) {
            // Fewer commits than requests: while one ran, the next ones grouped.
            assertThat(commits.size()).isLessThan(40);
            long expect = 1;
            for (long[] c : commits) {
                assertThat(c[0]).as("contiguous commits").isEqualTo(expect);
                expect = c[1] + 1;
            }
            assertThat(expect - 1).isEqualTo(appended);
        }
    }

    @Test
    void syncModeMakesTheBatchDurableBeforeAnyFrameOfItLeaves() {
        start(512, 256, Durability.sync(), "");
        p0.feed(frame(BROADCAST, A, 64, 1), frame(BROADCAST, A, 64, 2));
        agent.doWork();
        assertThat(log.committedSeq()).isEqualTo(2);
        assertThat(agent.logging().counters().commits()).isEqualTo(1);
    }

    @Test
    void retentionKeepsForwardingWhileLoggedFramesWaitInAStalledTxRing() {
        // A small pool and log: retention has to retire records whose buffers are still queued on
        // p1's TX ring, which must not hand them out until they are transmitted.
        start(200, 64, Durability.sync(), "");
        p1.feed(frame(BROADCAST, B, 64, 0));
        run();
        p1.peerStalled = true;
        Random r = new Random(5);
        List<byte[]> sent = new ArrayList<>();
        for (int round = 0; round < 60; round++) {
            for (int k = 0; k < 5; k++) {
                byte[] f = frame(B, A, 60 + r.nextInt(900), round * 5 + k);
                sent.add(f);
                p0.feed(f);
            }
            run();
            BufferLedger.verify(pool, ports, agent.logging().reservedBuffers(), agent.logging().logOwnedBuffers());
            if (round == 30) {
                p1.peerStalled = false;
            }
        }
        assertThat(log.retiredCount()).isPositive();
        // What p1 got is a prefix-preserving subset of what was sent (a stalled ring drops), each intact.
        assertThat(sent).containsAll(p1.transmitted);
        assertThat(p1.transmitted.size() + agent.counters(0).drops(DropCause.RING_FULL)).isEqualTo(sent.size());
        // Every record the log still holds returns the bytes that were sent.
        assertEveryLoggedFrameWasSent(sent);
    }

    @Test
    void randomTrafficKeepsEveryBufferAccountedForAndEveryRecordExact() {
        start(300, 128, Durability.batch(50, Duration.ofMillis(1)), SwitchConfig.defaults().withBatchSize(7),
                "ether src 20:00:00:00:00:0a or ether dst 20:00:00:00:00:0c", "ether broadcast");
        Random r = new Random(17);
        long[] stations = {A, B, C};
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] hello = frame(BROADCAST, stations[i], 64, i);
            sent.add(hello);
            ports.get(i).feed(hello);
        }
        run();
        for (int round = 0; round < 300; round++) {
            for (int k = 0; k < 4; k++) {
                int s = r.nextInt(3);
                int d = r.nextInt(4);
                long dst = d == 3 ? BROADCAST : stations[d];
                byte[] f = frame(dst, stations[s], 60 + r.nextInt(1400), round * 4 + k);
                sent.add(f);
                ports.get(s).feed(f);
            }
            ports.get(r.nextInt(3)).peerStalled = r.nextInt(4) == 0;
            run();
            clock.now += 300_000;
            if (round % 25 == 0) {
                BufferLedger.verify(pool, ports, agent.logging().reservedBuffers(), agent.logging().logOwnedBuffers());
                assertEveryLoggedFrameWasSent(sent);
            }
        }
        for (MemoryPort p : ports) {
            p.peerStalled = false;
        }
        run();
        assertThat(log.retiredCount()).isPositive();
        assertThat(agent.logging().counters().frames()).isPositive();
    }

    @Test
    void refusesALogTooSmallForItsBatches() {
        assertThatThrownBy(() -> start(512, 16, Durability.sync(), SwitchConfig.defaults().withBatchSize(16)))
                .hasMessageContaining("too small for batches of 16");
        ports.forEach(MemoryPort::close);
        log.close();
        pool.close();
        agent = null;
    }
}

package io.pswitch.dataplane.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.frame.TestFrames;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.LogStorage;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The per-filter log counters ({@code pswitch_log_frames_total{filter}}) count records persisted, on
 * real worker threads, when the hot tier is full and worker 0 refuses matches the other workers
 * handed it: the sum over the workers of each filter's count equals the records in the log that hold
 * the filter, and every refused match counts once, as skipped ({@code storage_behind}), never under a
 * filter. One filter has an id above 63, which a record's filter mask cannot hold: it is counted from
 * the positions that travel with the hand-over, and found in the log as the records' first filter.
 */
class SwitchAgentWorkersFilterCountTest {
    private static final int RING_SIZE = 16;
    private static final int LOG_RECORDS = 64;
    private static final int FRAMES_PER_PORT = 300;
    private static final long BROADCAST = 0xffffffffffffL;
    /** Matches every other frame: its set position is first, so it is the record's first filter. */
    private static final int EVEN_ID = 70;
    /** Matches every frame (TestFrames carry EtherType 0x88b5). */
    private static final int ALL_ID = 1;

    private Path dir;

    @BeforeEach
    void open() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "agentfcnt")
                : Files.createTempDirectory("agentfcnt");
    }

    @AfterEach
    void close() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 3})
    void perFilterCountsEqualTheRecordsPersistedWhenTheFullHotTierRefusesHandedOverMatches(int workers) throws Exception {
        int ports = 2 * workers;
        List<String> names = new ArrayList<>();
        for (int p = 0; p < ports; p++) {
            names.add("p" + p);
        }
        FilterSet set = FilterSet.compile(List.of(Filter.of(EVEN_ID, "even", "ether[14] & 1 = 0"),
                Filter.of(ALL_ID, "all", "ether[12:2] = 0x88b5")), names::indexOf);
        SwitchAgentTest.ManualClock clock = new SwitchAgentTest.ManualClock();
        BufferPool pool = BufferPool.open(dir.resolve("c.pool"), 2048, 4096);
        PacketLog log = PacketLog.open(pool, dir.resolve("c.idx"), new PacketLogConfig(LOG_RECORDS, 8, 4), LogStorage.MAPPED);
        // A hot tier whose drain never takes anything: full at its capacity, then it refuses every match.
        log.tiered(0);
        List<MemoryPort> memoryPorts = new ArrayList<>();
        for (int p = 0; p < ports; p++) {
            memoryPorts.add(new MemoryPort("p" + p, pool, RING_SIZE, RING_SIZE));
        }
        SwitchConfig config = SwitchConfig.defaults().withBatchSize(RING_SIZE).withWorkers(workers).withHandoffCapacity(RING_SIZE);
        SwitchAgent agent = new SwitchAgent(config, pool, new ArrayList<>(memoryPorts), clock, log,
                Durability.batch(64, Duration.ofMillis(1)), set);
        try {
            // Every frame is fed before any worker runs (a MemoryPort's input is not for two threads):
            // unicast to the next port, so frames cross workers. Worker 0's port 0 gets exactly as many
            // frames as the hot tier holds, the other workers' ports many more. Phase 1, worker 0 alone
            // on this thread: its own matches fill the hot tier. Phase 2, every worker on its own thread:
            // the hot tier is full, so every match another worker hands over is refused by worker 0 (or
            // skipped by the handing worker when its queue or its spares run out), whatever order the
            // threads run in. The old code counted a handed-over match under its filters before worker 0
            // refused it.
            int evenFrames = 0;
            int matches = 0;
            for (int p = 0; p < ports; p++) {
                int frames = p == 0 ? LOG_RECORDS : SwitchAgent.ownerOf(p, workers) == 0 ? 0 : FRAMES_PER_PORT;
                for (int k = 0; k < frames; k++) {
                    int seq = p * FRAMES_PER_PORT + k;
                    // Byte 14 is (seq + 14): "even" matches the frames of even seq.
                    evenFrames += (seq & 1) == 0 ? 1 : 0;
                    long dst = k == 0 ? BROADCAST : 0x02_00_00_00_40_00L + (p + 1) % ports;
                    memoryPorts.get(p).feed(TestFrames.frame(dst, 0x02_00_00_00_40_00L + p, -1, 64 + k % 200, seq));
                }
                matches += frames;
            }
            Worker first = agent.worker(0);
            for (int i = 0; i < 10_000 && log.appendedSeq() < LOG_RECORDS; i++) {
                first.doWork();
            }
            assertThat(log.appendedSeq()).as("phase 1: worker 0's own matches fill the hot tier").isEqualTo(LOG_RECORDS);
            assertThat(agent.logging().counters().skippedStorageBehind()).as("nothing refused yet").isZero();
            runOnThreads(agent, matches);
            BufferLedger.verify(pool, memoryPorts, agent.heldBuffers(), agent.logging().logOwnedBuffers());
            agent.onClose();
            agent.releaseWorkerBuffers();

            LoggingStage logging = agent.logging();
            LogCounters c = logging.counters();
            List<LogRecord> records = new ArrayList<>();
            new LogReader(log).query(LogQuery.all(), (rec, frame, off) -> {
                records.add(rec.copy());
                return true;
            });
            long withAll = records.stream().filter(r -> (r.filterMask() & (1L << ALL_ID)) != 0).count();
            long withEven = records.stream().filter(r -> r.firstFilterId() == EVEN_ID).count();
            long storedAll = records.stream().filter(r -> (r.filterMask() & (1L << ALL_ID)) != 0).mapToLong(LogRecord::storedLength).sum();
            assertThat(records).as("the hot tier holds what it could").hasSize(LOG_RECORDS);
            assertThat(records).extracting(LogRecord::ingressPort).as("phase 1's records, worker 0's own").containsOnly(0);
            assertThat(c.skippedStorageBehind()).as("the full hot tier refused the other workers' matches").isPositive();
            assertThat(c.frames()).isEqualTo(records.size());
            assertThat(c.frames() + c.skippedNoBuffer() + c.skippedStorageBehind()).as("every match a record or one counted skip")
                    .isEqualTo(matches);
            assertThat(logging.filterCounters(ALL_ID).frames()).as("filter 'all', summed over the workers: records persisted, "
                    + "skipped %d", c.skippedStorageBehind()).isEqualTo(withAll).isEqualTo(records.size());
            assertThat(logging.filterCounters(ALL_ID).bytes()).as("its stored bytes").isEqualTo(storedAll);
            assertThat(logging.filterCounters(EVEN_ID).frames()).as("filter 'even' (id %d, beyond the record mask)", EVEN_ID)
                    .isEqualTo(withEven);
            assertThat(withEven).as("some records match 'even', some do not").isPositive().isLessThan(records.size());
            assertThat(evenFrames).as("every other frame is even").isEqualTo(matches / 2);
        } finally {
            memoryPorts.forEach(MemoryPort::close);
            log.close();
            pool.close();
        }
    }

    @Test
    void aMatchHandedOverBeforeASetChangeCountsForTheFiltersOfTheSetItWasEvaluatedWith() {
        List<String> names = List.of("p0", "p1");
        Filter all = Filter.of(ALL_ID, "all", "ether[12:2] = 0x88b5");
        BufferPool pool = BufferPool.open(dir.resolve("s.pool"), 2048, 1024);
        PacketLog log = PacketLog.open(pool, dir.resolve("s.idx"), new PacketLogConfig(1024, 8, 4), LogStorage.MAPPED);
        List<MemoryPort> memoryPorts = List.of(new MemoryPort("p0", pool, RING_SIZE, RING_SIZE),
                new MemoryPort("p1", pool, RING_SIZE, RING_SIZE));
        SwitchConfig config = SwitchConfig.defaults().withBatchSize(RING_SIZE).withWorkers(2).withHandoffCapacity(RING_SIZE);
        SwitchAgent agent = new SwitchAgent(config, pool, new ArrayList<>(memoryPorts), new SwitchAgentTest.ManualClock(), log,
                Durability.batch(64, Duration.ofMillis(1)), FilterSet.compile(List.of(all), names::indexOf));
        try {
            memoryPorts.get(1).feed(TestFrames.frame(BROADCAST, 0x02_00_00_00_40_01L, -1, 64, 0));
            agent.worker(1).doWork(); // worker 1 hands its match over; worker 0 has not taken it yet
            // Another set, whose position 0 is another filter of more than 64 positions' width.
            List<Filter> wide = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                wide.add(Filter.of(100 + i, "n" + i, "ether[12:2] = 0x88b5"));
            }
            wide.add(all);
            agent.logging().filters(FilterSet.compile(wide, names::indexOf));
            agent.doWork();
            memoryPorts.get(1).feed(TestFrames.frame(BROADCAST, 0x02_00_00_00_40_01L, -1, 64, 1));
            agent.doWork();
            agent.doWork();
            agent.onClose();
            agent.releaseWorkerBuffers();
            LoggingStage logging = agent.logging();
            assertThat(log.appendedSeq()).isEqualTo(2);
            assertThat(logging.filterCounters(ALL_ID).frames()).as("both records, under the old set and the new").isEqualTo(2);
            assertThat(logging.filterCounters(100).frames()).as("position 0 of the new set: only the second record")
                    .isEqualTo(1);
            assertThat(logging.filterCounters(199).frames()).as("position 99 of the new set, in its second word").isEqualTo(1);
        } finally {
            memoryPorts.forEach(MemoryPort::close);
            log.close();
            pool.close();
        }
    }

    /**
     * Runs each worker's duty cycle on its own thread, as the switch does, until every frame was
     * received and every match is a record or a counted skip (the log's counters are read with acquire
     * loads, from any thread); then stops them.
     */
    private static void runOnThreads(SwitchAgent agent, int matches) throws Exception {
        int workers = agent.workerCount();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Worker worker = agent.worker(w);
            Thread t = Thread.ofPlatform().name("fcnt-worker-" + w).start(() -> {
                try {
                    while (!stop.get()) {
                        if (worker.doWork() == 0) {
                            Thread.yield();
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            threads.add(t);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        LogCounters c = agent.logging().counters();
        try {
            while (c.frames() + c.skippedNoBuffer() + c.skippedStorageBehind() < matches) {
                if (failure.get() != null) {
                    throw new AssertionError("worker failed", failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not every match was handled within 60 s: logged " + c.frames() + ", skipped "
                            + (c.skippedNoBuffer() + c.skippedStorageBehind()) + " of " + matches);
                }
                Thread.sleep(2);
            }
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
        assertThat(failure.get()).as("worker thread error").isNull();
    }
}

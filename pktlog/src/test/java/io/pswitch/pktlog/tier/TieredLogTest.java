package io.pswitch.pktlog.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.index.TestFrames;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.StorageClass;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentRecoveryReport;
import io.pswitch.pktlog.segment.SegmentConfig;
import io.pswitch.pktlog.segment.SegmentSyncer;
import io.pswitch.pktlog.segment.SegmentWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two tiers as one log: the drain moves records from the hot tier (pool in memory) into
 * segments on a disk, the hot tier then gives their buffers back, and one reader returns every
 * record once, in order, from whichever tier holds it — across restarts and a lost hot tier.
 */
class TieredLogTest {
    /** A real block file system where the host has one (/var/tmp is ext4 here), so that the pool really moves off it. */
    private Path dataDir;

    @TempDir(factory = ShmTempDirFactory.class)
    Path poolDir;

    @BeforeEach
    void dataDirOnDisk() throws IOException {
        Path varTmp = Path.of("/var/tmp");
        dataDir = Files.createTempDirectory(Files.isDirectory(varTmp) && Files.isWritable(varTmp) ? varTmp
                : Path.of(System.getProperty("java.io.tmpdir")), "tiered-log-test");
    }

    @AfterEach
    void remove() throws IOException {
        try (Stream<Path> w = Files.walk(dataDir)) {
            for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private TieredLog open() {
        return TieredLog.open(new TieredLog.Settings(dataDir, poolDir, 2048, 512, new PacketLogConfig(256, 32, 16), 4L << 20,
                1L << 20, DrainPolicy.EVERY_WRITE));
    }

    private static void append(PacketLog hot, BufferPool pool, int n, int length) {
        for (int i = 0; i < n; i++) {
            long seq = hot.appendedSeq() + 1;
            assertThat(TestFrames.append(hot, pool, seq, length, 1_000 * seq, (int) (seq % 3))).isEqualTo(seq);
        }
        hot.commit();
    }

    private static void drainAll(TieredLog log) {
        while (log.drain().doWork() > 0) {
            // until nothing is left to write or sync
        }
        log.hot().retireDrained();
    }

    private static List<Long> readAll(TieredLog log, List<String> problems) {
        List<Long> seqs = new ArrayList<>();
        SegmentReader segments = new SegmentReader(log.layout().segmentsDir(), log.layout().logId(), log.drain()::writtenSeq);
        new TieredLogReader(segments, log.hot()).query(LogQuery.all(), (rec, frame, off) -> {
            if (!TestFrames.holds(frame, off, rec.sequence(), rec.storedLength())) {
                problems.add("record " + rec.sequence() + " has other bytes");
            }
            seqs.add(rec.sequence());
            return true;
        });
        return seqs;
    }

    @Test
    void onABlockDeviceThePoolLivesInMemoryNamedAfterTheLog() {
        try (TieredLog log = open()) {
            assertThat(log.layout().relocated()).isTrue();
            assertThat(log.layout().poolFile()).startsWith(poolDir).hasParentRaw(poolDir.resolve("pswitch-" + log.layout().logId()));
            assertThat(log.report()).anySatisfy(l -> assertThat(l).contains("moved off the data directory"));
        }
        assertThat(TierLayout.read(dataDir)).as("a restart finds the hot tier again").isNotNull();
    }

    @Test
    void drainedRecordsLeaveTheHotTierAndOneReaderSeesBothTiersInOrder() {
        try (TieredLog log = open()) {
            BufferPool pool = log.pool();
            int freeAtStart = pool.freeCount();
            append(log.hot(), pool, 100, 700);
            drainAll(log);
            assertThat(log.hot().drainedSeq()).isEqualTo(100);
            assertThat(log.hot().liveRecords()).as("the hot tier holds only what is not drained").isZero();
            assertThat(pool.freeCount()).as("every buffer back in circulation").isEqualTo(freeAtStart);
            append(log.hot(), pool, 30, 90);
            List<String> problems = new ArrayList<>();
            List<Long> seqs = readAll(log, problems);
            assertThat(problems).isEmpty();
            assertThat(seqs).as("segments 1..100, then the hot tier 101..130").hasSize(130);
            for (int i = 0; i < seqs.size(); i++) {
                assertThat(seqs.get(i)).isEqualTo(i + 1L);
            }
        }
    }

    @Test
    void aFullHotTierWithAStalledDrainRefusesAndNothingIsLost() {
        try (TieredLog log = open()) {
            BufferPool pool = log.pool();
            int refused = 0;
            for (int i = 0; i < 400; i++) {
                int buf = pool.allocate();
                TestFrames.write(pool, buf, log.hot().appendedSeq() + 1, 200);
                if (log.hot().append(buf, 200, 200, i, 0, 1, 0, 0) == PacketLog.REFUSED) {
                    pool.free(buf);
                    refused++;
                }
            }
            assertThat(refused).as("the index holds 256 records: the rest wait for the drain").isEqualTo(400 - 256);
            assertThat(log.hot().oldestSeq()).isEqualTo(1);
            log.hot().commit();
            drainAll(log);
            List<String> problems = new ArrayList<>();
            assertThat(readAll(log, problems)).hasSize(256);
            assertThat(problems).isEmpty();
        }
    }

    @Test
    void aCleanStopDrainsEverythingRemovesTheHotTierAndTheNumberingContinues() {
        Path pool;
        try (TieredLog log = open()) {
            append(log.hot(), log.pool(), 50, 1500);
            drainAll(log);
            append(log.hot(), log.pool(), 10, 64);
            pool = log.layout().poolFile();
        }
        assertThat(pool).as("drained to the last record: nothing left in memory").doesNotExist();
        try (TieredLog log = open()) {
            assertThat(log.hot().appendedSeq()).as("numbering continues after the segments").isEqualTo(60);
            append(log.hot(), log.pool(), 5, 64);
            assertThat(log.hot().appendedSeq()).isEqualTo(65);
            drainAll(log);
            List<String> problems = new ArrayList<>();
            assertThat(readAll(log, problems)).hasSize(65);
            assertThat(problems).isEmpty();
        }
    }

    @Test
    void aHotTierLeftByACrashIsRecoveredAndDrainedAtTheNextStart() {
        TieredLog crashed = open();
        append(crashed.hot(), crashed.pool(), 20, 400);
        drainAll(crashed);
        append(crashed.hot(), crashed.pool(), 15, 400);
        // kill -9: nothing drains the last 15; the hot tier (tmpfs) keeps them.
        crashed.segments().close();
        crashed.hot().close();
        crashed.pool().close();
        try (TieredLog log = open()) {
            assertThat(log.hot().liveRecords()).as("recovered from the hot tier").isEqualTo(15);
            assertThat(log.hot().recoveryReport().oldestSeq()).as("the hot tier's recovery starts where the segments end")
                    .isEqualTo(21);
            assertThat(log.hot().drainedSeq()).isEqualTo(20);
            drainAll(log);
            assertThat(log.hot().liveRecords()).isZero();
            List<String> problems = new ArrayList<>();
            assertThat(readAll(log, problems)).hasSize(35);
            assertThat(problems).isEmpty();
        }
    }

    @Test
    void recordsRetiredBeforeTheDrainTookThemAreSkippedCountedAndTheDrainGoesOn() {
        try (TieredLog log = open()) {
            append(log.hot(), log.pool(), 10, 300);
            drainAll(log);
            append(log.hot(), log.pool(), 40, 300);
            // Records 11..30 go before the drain saw them (an operator's trim; retention never does this).
            assertThat(log.hot().retireOldest(20)).isEqualTo(20);
            assertThat(log.hot().oldestSeq()).isEqualTo(31);
            drainAll(log);
            assertThat(log.drain().lostBeforeDrain()).as("the gap, counted").isEqualTo(20);
            assertThat(log.drain().durableSeq()).as("the drain did not stall at the gap").isEqualTo(50);
            assertThat(log.drain().lastError()).isNull();
            append(log.hot(), log.pool(), 5, 300);
            drainAll(log);
            List<String> problems = new ArrayList<>();
            List<Long> seqs = readAll(log, problems);
            assertThat(problems).isEmpty();
            List<Long> expected = new ArrayList<>();
            for (long s = 1; s <= 55; s++) {
                if (s <= 10 || s > 30) {
                    expected.add(s);
                }
            }
            assertThat(seqs).as("1..10, the gap, 31..55").isEqualTo(expected);
            assertThat(log.drain().lostBeforeDrain()).isEqualTo(20);
        }
    }

    @Test
    void aReaderFindsRecordsRetiredFromTheHotTierBeforeTheDrainTookThemMissingAndGoesOn() {
        try (TieredLog log = open()) {
            append(log.hot(), log.pool(), 10, 300);
            drainAll(log);
            append(log.hot(), log.pool(), 40, 300);
            // 11..30 leave the hot tier and the drain has not run since: they are in no tier.
            assertThat(log.hot().retireOldest(20)).isEqualTo(20);
            List<String> problems = new ArrayList<>();
            List<Long> seqs = readAll(log, problems);
            assertThat(problems).isEmpty();
            List<Long> expected = new ArrayList<>();
            for (long s = 1; s <= 50; s++) {
                if (s <= 10 || s > 30) {
                    expected.add(s);
                }
            }
            assertThat(seqs).as("1..10 from the segments, then the hot tier from 31: the reader does not go back for the gap").isEqualTo(expected);
        }
    }

    @Test
    void aReaderWhoseFirstLookAtTheDurableLimitIsStaleStillReadsEveryRecordTheSegmentsHold() {
        try (TieredLog log = open()) {
            append(log.hot(), log.pool(), 50, 300);
            drainAll(log);
            assertThat(log.hot().oldestSeq()).as("all drained and retired from the hot tier").isEqualTo(51);
            // The durable limit moves on between two looks, as it does under a running drain.
            long[] looks = {0};
            SegmentReader segments = new SegmentReader(log.layout().segmentsDir(), log.layout().logId(),
                    () -> looks[0]++ == 0 ? 10 : log.drain().durableSeq());
            List<Long> seqs = new ArrayList<>();
            new TieredLogReader(segments, log.hot()).query(LogQuery.all(), (rec, frame, off) -> seqs.add(rec.sequence()));
            List<Long> expected = new ArrayList<>();
            for (long s = 1; s <= 50; s++) {
                expected.add(s);
            }
            assertThat(seqs).as("no record between the stale and the fresh limit is skipped").isEqualTo(expected);
        }
    }

    @Test
    void theDrainPublishesTheSegmentTierSummaryThatReadingTheSegmentsGives() {
        try (TieredLog log = open()) {
            assertThat(log.drain().summary()).as("an empty tier")
                    .isEqualTo(new SegmentTierSummary(0, 0, 0, 0, 0, 0));
            // 1 MiB segments in a 4 MiB log: enough records that retention deletes the oldest.
            for (int round = 0; round < 30; round++) {
                append(log.hot(), log.pool(), 200, 700 + round);
                drainAll(log);
                if (round % 7 == 3 || round == 29) {
                    assertSummaryMatchesSegments(log);
                }
            }
            assertThat(log.drain().segmentsDeleted()).as("retention ran").isPositive();
        }
        try (TieredLog log = open()) {
            assertThat(log.drain().summary().newestSeq()).as("after a restart, from what recovery found").isEqualTo(6000);
            assertSummaryMatchesSegments(log);
        }
    }

    private static void assertSummaryMatchesSegments(TieredLog log) {
        SegmentRecoveryReport r = LogView.of(log).segments().inspect();
        SegmentTierSummary s = log.drain().summary();
        assertThat(s.oldestSeq()).isEqualTo(r.firstSeq()).isPositive();
        assertThat(s.oldestTsNs()).isEqualTo(r.firstTsNs());
        assertThat(s.newestSeq()).isEqualTo(r.lastSeq()).isEqualTo(log.drain().durableSeq());
        // Read from the segments, the newest time is 0 (unknown) when the checkpoint spared the walk
        // over the last chunk; the drain knows it (the test's records are stamped 1000 ns x seq).
        assertThat(s.newestTsNs()).isEqualTo(1_000 * s.newestSeq());
        if (r.lastTsNs() != 0) {
            assertThat(s.newestTsNs()).isEqualTo(r.lastTsNs());
        }
        assertThat(s.segments()).isEqualTo(r.segments().size());
        assertThat(s.bytes()).isEqualTo(r.segmentBytes());
    }

    @Test
    void withGroupCommitAVolatileHotTierLetsRecordsGoOnceWrittenWhileTheirFlushIsStillAhead() {
        try (TieredLog log = TieredLog.open(new TieredLog.Settings(dataDir, poolDir, 2048, 512, new PacketLogConfig(256, 32, 16),
                4L << 20, 1L << 20, new DrainPolicy(64, 1_000_000)))) {
            assertThat(log.pool().storageClass()).as("the pool in /dev/shm").isEqualTo(StorageClass.VOLATILE);
            assertThat(log.hot().retiresOnceWritten()).isTrue();
            SegmentSyncer syncer = SegmentSyncer.of(log.segments());
            log.drain().attach(syncer);
            int freeAtStart = log.pool().freeCount();
            append(log.hot(), log.pool(), 100, 700);
            assertThat(log.drain().doWork()).isPositive();
            assertThat(log.drain().writtenSeq()).as("written").isEqualTo(100);
            assertThat(log.hot().writtenToSegmentsSeq()).isEqualTo(100);
            assertThat(log.drain().durableSeq()).as("not durable before the syncer flushed").isZero();
            assertThat(log.hot().drainedSeq()).as("what sync durability waits for: not there yet").isZero();
            log.hot().retireDrained();
            assertThat(log.hot().liveRecords()).as("written: gone from the volatile hot tier before any flush").isZero();
            assertThat(log.pool().freeCount()).as("their buffers back in circulation").isEqualTo(freeAtStart);
            assertThat(log.drain().summary().newestSeq()).as("the segment tier's newest, for GET /api/v1/log").isEqualTo(100);
            List<String> unflushed = new ArrayList<>();
            assertThat(readAll(log, unflushed)).as("every record found in the segments before its flush").hasSize(100);
            assertThat(unflushed).isEmpty();
            assertThat(syncer.doWork()).as("one flush").isEqualTo(1);
            assertThat(syncer.doWork()).as("nothing new asked for").isZero();
            assertThat(log.drain().durableSeq()).as("durable once the drain took the flush's result").isZero();
            log.drain().doWork();
            assertThat(log.drain().durableSeq()).isEqualTo(100);
            assertThat(log.hot().drainedSeq()).isEqualTo(100);
            // Across segment rolls (1 MiB segments) and retention, requests merging while the syncer is behind.
            for (int round = 0; round < 40; round++) {
                append(log.hot(), log.pool(), 100, 1900);
                log.drain().doWork();
                if (round % 2 == 1) {
                    syncer.doWork();
                }
                log.drain().doWork();
                log.hot().retireDrained();
            }
            assertThat(log.hot().liveRecords()).as("only what the drain has not written yet")
                    .isEqualTo(log.hot().appendedSeq() - log.drain().writtenSeq());
            syncer.doWork();
            drainAll(log);
            assertThat(log.drain().durableSeq()).isEqualTo(4100);
            assertThat(log.drain().lastError()).isNull();
            assertThat(log.drain().segmentsDeleted()).isPositive();
            assertThat(syncer.failures()).isZero();
            List<String> problems = new ArrayList<>();
            List<Long> seqs = readAll(log, problems);
            assertThat(problems).isEmpty();
            assertThat(seqs.getLast()).isEqualTo(4100);
            for (int i = 1; i < seqs.size(); i++) {
                assertThat(seqs.get(i)).isEqualTo(seqs.get(i - 1) + 1);
            }
            syncer.onClose();
        }
    }

    /**
     * A backlog of several chunks goes one chunk per duty cycle, and the flush of each is asked for
     * as soon as it is written: the batch window starts at the write, not at the end of the backlog.
     */
    @Test
    void aBacklogIsWrittenAChunkADutyCycleAndEachChunksFlushIsAskedForOnceItIsWritten() {
        try (TieredLog log = TieredLog.open(new TieredLog.Settings(dataDir, poolDir, 2048, 512, new PacketLogConfig(256, 32, 16),
                4L << 20, 1L << 20, new DrainPolicy(64, 1_000_000)))) {
            SegmentSyncer syncer = SegmentSyncer.of(log.segments());
            log.drain().attach(syncer);
            append(log.hot(), log.pool(), 250, 1900);
            assertThat(log.drain().doWork()).isPositive();
            long firstChunk = log.drain().writtenSeq();
            assertThat(firstChunk).as("one chunk (256 KiB in 1 MiB segments) of the 475 KB backlog").isBetween(1L, 249L);
            assertThat(syncer.doWork()).as("its flush was asked for before the rest was written").isEqualTo(1);
            assertThat(log.drain().doWork()).isPositive();
            assertThat(log.drain().durableSeq()).isEqualTo(firstChunk);
            while (log.drain().doWork() > 0) {
                syncer.doWork();
            }
            assertThat(log.drain().writtenSeq()).isEqualTo(250);
            syncer.doWork();
            log.drain().doWork();
            assertThat(log.drain().durableSeq()).isEqualTo(250);
            syncer.onClose();
        }
    }

    /**
     * A hot tier whose copy survives a power cut keeps each record until its segment is flushed:
     * the completed write alone may still die in the disk's cache. Persistent memory (dax) is that
     * case; there is none here, so the pool goes on the disk itself (block, made durable by msync),
     * which TieredLog never does but PacketLog decides the same way for.
     */
    @Test
    void aHotTierThatSurvivesAPowerCutLetsRecordsGoOnlyOnceTheirSegmentIsFlushed() {
        try (BufferPool pool = BufferPool.open(dataDir.resolve("pool"), 2048, 512)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(pool.storageClass().survivesPowerLoss(),
                    dataDir + " is not on a disk here (" + pool.storageClass() + ")");
            try (PacketLog hot = PacketLog.open(pool, new PacketLogConfig(256, 32, 16));
                 SegmentWriter writer = SegmentWriter.open(dataDir.resolve("segments"), null, SegmentConfig.of(4L << 20, 1L << 20))) {
                long first = Math.max(writer.nextSeq(), hot.oldestSeq());
                hot.tiered(first - 1);
                assertThat(hot.retiresOnceWritten()).isFalse();
                SegmentDrain drain = new SegmentDrain(hot, writer, new DrainPolicy(64, 1_000_000), new SystemNanoClock(), first);
                SegmentSyncer syncer = SegmentSyncer.of(writer);
                drain.attach(syncer);
                int freeAtStart = pool.freeCount();
                append(hot, pool, 100, 700);
                assertThat(drain.doWork()).isPositive();
                assertThat(drain.writtenSeq()).isEqualTo(100);
                assertThat(hot.writtenToSegmentsSeq()).isEqualTo(100);
                assertThat(hot.drainedSeq()).isZero();
                hot.retireDrained();
                assertThat(hot.liveRecords()).as("written, not flushed: the hot tier keeps them").isEqualTo(100);
                assertThat(hot.append(pool.allocate(), 0, 60, 0, 0, 1, 0, 0)).isEqualTo(101);
                hot.commit();
                assertThat(syncer.doWork()).as("one flush").isEqualTo(1);
                assertThat(drain.doWork()).isPositive();
                assertThat(drain.durableSeq()).as("the flush covered what was written before it").isEqualTo(100);
                assertThat(drain.writtenSeq()).isEqualTo(101);
                hot.retireDrained();
                assertThat(hot.oldestSeq()).as("flushed: gone; written after the flush began: kept").isEqualTo(101);
                assertThat(pool.freeCount()).isEqualTo(freeAtStart - 1);
                syncer.onClose();
            }
        }
    }

    @Test
    void aBlockDataDirectoryWithoutALogSizeIsOneClearLine() {
        org.junit.jupiter.api.Assumptions.assumeFalse(io.pswitch.pktlog.pool.HotTierStorage.canHold(dataDir),
                dataDir + " is not on a block device here");
        assertThatThrownBy(() -> TieredLog.open(new TieredLog.Settings(dataDir, poolDir, 2048, 512, new PacketLogConfig(256, 32, 16),
                0, 0, DrainPolicy.EVERY_WRITE))).hasMessageContaining("--log-size").hasMessageContaining(dataDir.toString());
    }
}

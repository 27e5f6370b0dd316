package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.StorageClass;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot tier under a segment tier: only what the drain made durable ever retires; a hot tier full
 * of undrained records refuses new ones (the caller keeps its buffer) instead of losing old ones.
 */
class TieredHotTierTest {
    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    private BufferPool pool(int count) {
        return BufferPool.open(dir.resolve("pool"), 256, count);
    }

    @Test
    void aFullHotTierRefusesNewRecordsUntilTheDrainCatchesUp() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 2))) {
            log.tiered(0);
            for (int i = 0; i < 8; i++) {
                assertThat(TestFrames.appendNext(log, pool, 60, i, 0)).isEqualTo(i + 1);
            }
            int free = pool.freeCount();
            int buf = pool.allocate();
            long refused = log.append(buf, 60, 60, 100, 0, 1, 0, 0);
            assertThat(refused).as("nothing drained: the oldest must not retire").isEqualTo(PacketLog.REFUSED);
            assertThat(log.refusedUndrained()).isEqualTo(1);
            assertThat(log.oldestSeq()).as("no record was lost").isEqualTo(1);
            assertThat(pool.freeCount()).as("the refused buffer stays the caller's").isEqualTo(free - 1);

            log.drained(3);
            assertThat(log.append(buf, 60, 60, 100, 0, 1, 0, 0)).as("drained but not committed here: not yet")
                    .isEqualTo(PacketLog.REFUSED);
            log.commit();
            assertThat(log.append(buf, 60, 60, 100, 0, 1, 0, 0)).as("drained and committed records make room").isEqualTo(9);
            assertThat(log.oldestSeq()).as("exactly the drained ones retired").isEqualTo(4);
            assertThat(pool.freeCount()).isEqualTo(free - 1 + 3);
        }
    }

    @Test
    void retireDrainedEmptiesTheHotTierOfWhatTheSegmentsHold() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 2))) {
            log.tiered(0);
            for (int i = 0; i < 10; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
            }
            log.commit();
            int free = pool.freeCount();
            log.drained(6);
            log.retireDrained();
            assertThat(log.oldestSeq()).isEqualTo(7);
            assertThat(log.liveRecords()).isEqualTo(4);
            assertThat(pool.freeCount()).as("six buffers back in circulation").isEqualTo(free + 6);
            log.retireDrained();
            assertThat(log.oldestSeq()).as("idempotent").isEqualTo(7);
        }
    }

    @Test
    void aVolatileHotTierRetiresWhatIsWrittenToTheSegmentsWhileTheDurableSequenceStaysBehind() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 2))) {
            assertThat(pool.storageClass()).isEqualTo(StorageClass.VOLATILE);
            log.tiered(0);
            for (int i = 0; i < 10; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
            }
            log.commit();
            int free = pool.freeCount();
            log.writtenToSegments(6);
            log.retireDrained();
            assertThat(log.oldestSeq()).as("written to their segment: retired, no flush needed").isEqualTo(7);
            assertThat(pool.freeCount()).isEqualTo(free + 6);
            assertThat(log.drainedSeq()).as("durable in the segments: still nothing (what sync waits for)").isZero();
            log.drained(8);
            assertThat(log.writtenToSegmentsSeq()).as("durable implies written").isEqualTo(8);
            log.retireDrained();
            assertThat(log.oldestSeq()).isEqualTo(9);
            log.writtenToSegments(5);
            assertThat(log.writtenToSegmentsSeq()).as("never back").isEqualTo(8);
        }
    }

    @Test
    void onlyAHotTierThatDiesInAPowerCutRetiresRecordsBeforeTheirSegmentIsFlushed() {
        // dax (persistent memory) and a pool on a disk keep their copy through a power cut, which an
        // unflushed segment write may not survive; a volatile copy dies with it anyway.
        assertThat(TieredRetention.retiresOnceWritten(StorageClass.VOLATILE)).isTrue();
        assertThat(TieredRetention.retiresOnceWritten(StorageClass.DAX)).isFalse();
        assertThat(TieredRetention.retiresOnceWritten(StorageClass.BLOCK)).isFalse();
    }

    @Test
    void anUntieredLogRetiresAsBefore() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 2))) {
            assertThat(log.isTiered()).isFalse();
            for (int i = 0; i < 9; i++) {
                assertThat(TestFrames.appendNext(log, pool, 60, i, 0)).isEqualTo(i + 1);
            }
            assertThat(log.oldestSeq()).isEqualTo(3);
        }
    }

    @Test
    void anEmptyHotTierContinuesTheSegmentsNumberingAcrossARestart() {
        Path poolFile = dir.resolve("pool");
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 0, 2))) {
            log.startAtLeast(1_000);
            assertThat(TestFrames.appendNext(log, pool, 60, 1, 0)).isEqualTo(1_000);
            log.commit();
        }
        try (BufferPool pool = BufferPool.open(poolFile, 256, 64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 0, 2))) {
            assertThat(log.oldestSeq()).as("recovered from the durable oldest marker").isEqualTo(1_000);
            assertThat(log.appendedSeq()).isEqualTo(1_000);
            log.startAtLeast(500);
            assertThat(TestFrames.appendNext(log, pool, 60, 2, 0)).as("never back").isEqualTo(1_001);
        }
    }

    @Test
    void withACommitterAndALowPoolNoUndrainedRecordRetiresAhead() throws Exception {
        // 96 buffers, low water 32, retire batches of 8, a committer: the untiered log would retire
        // ahead of need here; a tiered one must refuse instead.
        try (BufferPool pool = pool(96); PacketLog log = PacketLog.open(pool, new PacketLogConfig(64, 32, 8))) {
            log.tiered(0);
            org.agrona.concurrent.Agent committer = log.handCommitsTo();
            int appended = 0;
            int refused = 0;
            for (int i = 0; i < 200; i++) {
                int buf = pool.allocate();
                if (buf == 0) {
                    break;
                }
                TestFrames.write(pool, buf, log.appendedSeq() + 1, 60);
                if (log.append(buf, 60, 60, i, 0, 1, 0, 0) == PacketLog.REFUSED) {
                    pool.free(buf);
                    refused++;
                } else {
                    appended++;
                }
                log.requestCommit();
                committer.doWork();
                log.retireDrained();
            }
            assertThat(refused).as("refused once the pool ran low").isPositive();
            assertThat(log.oldestSeq()).as("nothing undrained retired").isEqualTo(1);
            assertThat(log.liveRecords()).isEqualTo(appended);
        }
    }

    @Test
    void aFullHotTierWithARetirementInFlightNeverRetiresPastTheDrain() throws Exception {
        try (BufferPool pool = pool(600); PacketLog log = PacketLog.open(pool, new PacketLogConfig(128, 0, 16))) {
            log.tiered(0);
            org.agrona.concurrent.Agent committer = log.handCommitsTo();
            for (int round = 0; round < 40; round++) {
                for (int i = 0; i < 60; i++) {
                    int buf = pool.allocate();
                    if (buf == 0) {
                        break;
                    }
                    TestFrames.write(pool, buf, log.appendedSeq() + 1, 60);
                    if (log.append(buf, 60, 60, round * 100L + i, 0, 1, 0, 0) == PacketLog.REFUSED) {
                        pool.free(buf);
                    }
                }
                log.requestCommit();
                committer.doWork();
                // The drain made part of it durable; a retirement of that part starts on the committer
                // (not finished yet) when the next appends find the index full.
                log.drained(log.committedSeq() - 100);
                log.retireDrained();
                assertThat(log.oldestSeq() - 1).as("round %d: retired only what is drained", round)
                        .isLessThanOrEqualTo(Math.max(0, log.drainedSeq()));
            }
        }
    }
}

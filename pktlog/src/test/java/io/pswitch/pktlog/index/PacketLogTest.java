package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.pool.BufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PacketLogTest {
    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    private BufferPool pool(int count) {
        return BufferPool.open(dir.resolve("pool"), 256, count);
    }

    @Test
    void inMemoryAPoolAndIndexAreNotMsyncedButAnyOtherStorageIsKept() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dir.startsWith("/dev/shm"), "needs tmpfs at /dev/shm");
        try (BufferPool pool = pool(64)) {
            assertThat(pool.storageClass()).isEqualTo(io.pswitch.pktlog.pool.StorageClass.VOLATILE);
            Path index = dir.resolve("index");
            assertThat(LogStorage.of(LogStorage.MAPPED, pool, index)).isSameAs(LogStorage.IN_MEMORY);
            LogStorage recording = new RecordingStorage(pool.segment());
            assertThat(LogStorage.of(recording, pool, index)).as("a test's recording layer").isSameAs(recording);
        }
        // What a commit promised on tmpfs is there after a reopen, with no msync ever made.
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            TestFrames.appendNext(log, pool, 60, 1_000, 0);
            TestFrames.appendNext(log, pool, 60, 2_000, 1);
            assertThat(log.commit()).isEqualTo(2);
        }
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            assertThat(log.recoveryReport().nextSeq()).isEqualTo(3);
            assertThat(log.committedSeq()).isEqualTo(2);
        }
    }

    @Test
    void appendsSequencesFromOneAndCommitReturnsTheLastOne() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            assertThat(log.committedSeq()).isZero();
            assertThat(TestFrames.appendNext(log, pool, 60, 1_000, 0)).isEqualTo(1);
            assertThat(TestFrames.appendNext(log, pool, 60, 2_000, 1)).isEqualTo(2);
            assertThat(log.pendingCount()).isEqualTo(2);
            assertThat(log.commit()).isEqualTo(2);
            assertThat(log.pendingCount()).isZero();
            assertThat(log.committedSeq()).isEqualTo(2);
            assertThat(log.commit()).as("nothing pending").isEqualTo(2);
            assertThat(log.commitLatency().count()).isEqualTo(1);
        }
    }

    @Test
    void publishLetsReadersSeeRecordsBeforeTheyAreDurable() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            TestFrames.appendNext(log, pool, 60, 1_000, 0);
            assertThat(log.newestSeq()).as("appended, not published").isZero();
            log.publish();
            assertThat(log.newestSeq()).isEqualTo(1);
            assertThat(log.committedSeq()).as("publishing flushes nothing").isZero();
            log.commit();
            assertThat(log.committedSeq()).isEqualTo(1);
        }
    }

    @Test
    void aBufferReleaseDecidesWhereRetiredBuffersGo() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 2))) {
            List<Integer> released = new ArrayList<>();
            log.bufferRelease(released::add);
            for (int i = 0; i < 8; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
            }
            int first = log.bufIdx(1);
            int second = log.bufIdx(2);
            log.commit();
            int freeBefore = pool.freeCount();
            TestFrames.appendNext(log, pool, 60, 9, 0);
            assertThat(released).containsExactly(first, second);
            assertThat(pool.freeCount()).as("the release kept them").isEqualTo(freeBefore - 1);
        }
    }

    @Test
    void theCommitterFlushesFramesThenSlotsOffTheWritersThread() throws Exception {
        try (BufferPool pool = pool(64)) {
            List<String> ops = java.util.Collections.synchronizedList(new ArrayList<>());
            LogStorage tracing = new LogStorage() {
                @Override
                public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
                    LogStorage.MAPPED.write(segment, offset, src, length);
                }

                @Override
                public void force(MemorySegment segment, long offset, long length) {
                    ops.add((segment == pool.segment() ? "pool" : "index") + " force on " + Thread.currentThread().getName());
                    LogStorage.MAPPED.force(segment, offset, length);
                }
            };
            try (PacketLog log = PacketLog.open(pool, dir.resolve("index"), new PacketLogConfig(32, 0, 4), tracing)) {
                ops.clear();
                log.startCommitter();
                TestFrames.appendNext(log, pool, 60, 1_000, 0);
                TestFrames.appendNext(log, pool, 60, 2_000, 0);
                assertThat(log.requestCommit()).isTrue();
                assertThat(log.unrequestedCount()).isZero();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (log.committedSeq() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertThat(log.committedSeq()).isEqualTo(2);
                // tmpfs: one msync spans both frames (a call per frame would cost a system call each).
                assertThat(ops).containsExactly("pool force on pswitch-log-commit", "index force on pswitch-log-commit");
            }
        }
    }

    @Test
    void withACommitterRetentionFlushesItsMarkerAheadOfNeedOffTheWritersThread() throws Exception {
        List<String> retentionForces = java.util.Collections.synchronizedList(new ArrayList<>());
        long live;
        try (BufferPool pool = pool(256)) {
            LogStorage tracing = new LogStorage() {
                @Override
                public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
                    LogStorage.MAPPED.write(segment, offset, src, length);
                }

                @Override
                public void force(MemorySegment segment, long offset, long length) {
                    if (segment != pool.segment() && length == IndexFileDescriptor.RETENTION_BLOCK_SIZE) {
                        retentionForces.add(Thread.currentThread().getName());
                    }
                    LogStorage.MAPPED.force(segment, offset, length);
                }
            };
            try (PacketLog log = PacketLog.open(pool, dir.resolve("index"), new PacketLogConfig(64, 0, 8), tracing)) {
                log.startCommitter();
                for (int i = 0; i < 2000; i++) {
                    TestFrames.appendNext(log, pool, 60, i, 0);
                    if (i % 10 == 9) {
                        log.requestCommit();
                        Thread.sleep(0, 50_000);
                    }
                    assertThat(log.liveRecords()).isLessThanOrEqualTo(64);
                }
                log.commit();
                assertThat(log.retiredCount()).isGreaterThan(1800);
                assertThat(pool.freeCount() + log.liveRecords()).as("every buffer free or the log's").isEqualTo(254);
                live = log.liveRecords();
            }
            assertThat(retentionForces).contains("pswitch-log-commit");
        }
        try (BufferPool pool = BufferPool.open(dir.resolve("pool"), 256, 256);
             PacketLog again = PacketLog.open(pool, new PacketLogConfig(64, 0, 8))) {
            assertThat(again.recoveryReport().recovered()).isEqualTo(live);
            assertThat(again.recoveryReport().dropped()).isEmpty();
        }
    }

    @Test
    void createsIndexNextToThePoolFile() {
        try (BufferPool pool = pool(16); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 1))) {
            assertThat(log.indexPath()).isEqualTo(dir.resolve("index").toAbsolutePath());
            assertThat(Files.exists(dir.resolve("index"))).isTrue();
            assertThat(dir.resolve("index")).hasSize(IndexFileDescriptor.fileSize(8));
        }
    }

    @Test
    void commitFlushesTheFrameBytesBeforeTheIndexRange() {
        try (BufferPool pool = pool(16)) {
            List<String> ops = new ArrayList<>();
            LogStorage tracing = new LogStorage() {
                @Override
                public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
                    ops.add((segment == pool.segment() ? "pool" : "index") + " write " + offset + "+" + length);
                    LogStorage.MAPPED.write(segment, offset, src, length);
                }

                @Override
                public void force(MemorySegment segment, long offset, long length) {
                    ops.add((segment == pool.segment() ? "pool" : "index") + " force " + offset + "+" + length);
                    LogStorage.MAPPED.force(segment, offset, length);
                }
            };
            try (PacketLog log = PacketLog.open(pool, dir.resolve("index"), new PacketLogConfig(8, 0, 1), tracing)) {
                int buf = pool.allocate();
                TestFrames.write(pool, buf, 1, 100);
                log.append(buf, 100, 1514, 5, 0, 1, 0, 2);
                log.commit();
                long frameOff = pool.offset(buf);
                assertThat(ops).containsExactly(
                        "index force 0+" + IndexFileDescriptor.fileSize(8), // recovery at open makes what it read durable
                        "index write " + IndexFileDescriptor.slotOffset(1) + "+64",
                        "pool force " + frameOff + "+128",               // at commit, before the slot: 100 bytes, two whole lines
                        "index force " + IndexFileDescriptor.slotOffset(1) + "+64");
            }
        }
    }

    @Test
    void raisesEarlierTimestampsSoTimeNeverGoesBackwards() throws Exception {
        try (BufferPool pool = pool(16); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 1))) {
            TestFrames.appendNext(log, pool, 60, 5_000, 0);
            TestFrames.appendNext(log, pool, 60, 4_000, 0);
            log.commit();
        }
        try (ClosedLog closed = ClosedLog.open(dir.resolve("pool"))) {
            assertThat(closed.scan().oldestTimestampNs()).isEqualTo(5_000);
            assertThat(closed.scan().newestTimestampNs()).isEqualTo(5_000);
        }
    }

    @Test
    void retiresOldestRecordsFirstWhenTheIndexIsFullAndReturnsTheirBuffers() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 2))) {
            List<Integer> buffers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
                buffers.add(log.bufIdx(log.appendedSeq()));
            }
            log.commit();
            int freeBefore = pool.freeCount();
            TestFrames.appendNext(log, pool, 60, 9, 0); // takes one buffer, retires two
            assertThat(log.oldestSeq()).isEqualTo(3);
            assertThat(log.retiredByIndexFull()).isEqualTo(2);
            assertThat(log.liveRecords()).isEqualTo(7);
            assertThat(pool.freeCount()).isEqualTo(freeBefore - 1 + 2);
            Set<Integer> free = new HashSet<>();
            for (int b : pool.freeBuffers()) {
                free.add(b);
            }
            assertThat(free).contains(buffers.get(0), buffers.get(1));
            assertThat(free).doesNotContainAnyElementsOf(buffers.subList(2, 8));
        }
    }

    @Test
    void anIndexOfAnyCapacityWrapsManyTimesAndRecoversEveryLiveRecord() {
        // 12: slots by division; 16: by mask. Retiring 5 at a time crosses the wrap point, where
        // retirement also loads the freed slots' lines for the next appends.
        for (int capacity : new int[] {12, 16}) {
            Path indexPath = dir.resolve("index-" + capacity);
            long live;
            long oldest;
            try (BufferPool pool = BufferPool.open(dir.resolve("pool-" + capacity), 256, 64);
                 PacketLog log = PacketLog.open(pool, indexPath, new PacketLogConfig(capacity, 0, 5), LogStorage.MAPPED)) {
                for (int i = 0; i < 20 * capacity + 3; i++) {
                    long seq = TestFrames.appendNext(log, pool, 14 + i % 100, i, i % 3);
                    assertThat(seq).isEqualTo(i + 1);
                    if (i % 4 == 0) {
                        log.commit();
                    }
                    assertThat(pool.freeCount() + log.liveRecords()).as("capacity %d, append %d", capacity, i).isEqualTo(62);
                }
                log.commit();
                live = log.liveRecords();
                oldest = log.oldestSeq();
                assertThat(log.retiredByIndexFull()).isEqualTo(20L * capacity + 3 - live);
            }
            try (BufferPool pool = BufferPool.open(dir.resolve("pool-" + capacity), 256, 64);
                 PacketLog again = PacketLog.open(pool, indexPath, new PacketLogConfig(capacity, 0, 5), LogStorage.MAPPED)) {
                assertThat(again.recoveryReport().recovered()).as("capacity %d", capacity).isEqualTo(live);
                assertThat(again.recoveryReport().dropped()).isEmpty();
                assertThat(again.oldestSeq()).isEqualTo(oldest);
                assertThat(pool.freeCount() + again.liveRecords()).isEqualTo(62);
            }
        }
    }

    @Test
    void retiresWhenThePoolRunsBelowItsLowWaterMark() {
        try (BufferPool pool = pool(20); PacketLog log = PacketLog.open(pool, new PacketLogConfig(64, 6, 3))) {
            // 18 usable buffers; the log may hold at most about 18 - 6 before it starts retiring.
            for (int i = 0; i < 100; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
                log.commit();
                assertThat(pool.freeCount()).isGreaterThanOrEqualTo(2);
            }
            assertThat(log.retiredByLowWater()).isPositive();
            assertThat(log.retiredByIndexFull()).isZero();
            assertThat(pool.freeCount() + log.liveRecords()).isEqualTo(18);
        }
    }

    @Test
    void appendingNeverFailsForLackOfSpaceAndOwnershipAddsUp() {
        try (BufferPool pool = pool(40); PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 4, 3))) {
            int held = 0;
            List<Integer> ring = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                TestFrames.appendNext(log, pool, 14 + i % 200, i, i % 4);
                if (i % 7 == 0) {
                    log.commit();
                }
                // A "ring" holding some buffers, like a port would.
                if (i % 5 == 0 && ring.size() < 10) {
                    int b = pool.allocate();
                    if (b != 0) {
                        ring.add(b);
                    }
                } else if (i % 3 == 0 && !ring.isEmpty()) {
                    pool.free(ring.remove(ring.size() - 1));
                }
                held = ring.size();
                assertThat(pool.freeCount() + log.liveRecords() + held).isEqualTo(38);
            }
            assertThat(log.appendedCount()).isEqualTo(2_000);
            assertThat(log.retiredCount()).isEqualTo(2_000 - log.liveRecords());
        }
    }

    @Test
    void refusesAnIndexThatBelongsToAnotherPool() {
        Path other = dir.resolve("other");
        try (BufferPool pool = pool(16); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 1))) {
            TestFrames.appendNext(log, pool, 60, 1, 0);
        }
        try (BufferPool otherPool = BufferPool.open(other.resolve("pool"), 256, 16)) {
            assertThatThrownBy(() -> PacketLog.open(otherPool, dir.resolve("index"), new PacketLogConfig(8, 0, 1),
                    LogStorage.MAPPED))
                    .isInstanceOf(IndexFileException.class)
                    .hasMessageContaining(dir.resolve("index").toString())
                    .hasMessageContaining("never attaches to another pool")
                    .hasMessageContaining(otherPool.poolId().toString());
        }
    }

    @Test
    void refusesAnIndexWithAnotherCapacity() {
        try (BufferPool pool = pool(16)) {
            PacketLog.open(pool, new PacketLogConfig(8, 0, 1)).close();
        }
        try (BufferPool pool = pool(16)) {
            assertThatThrownBy(() -> PacketLog.open(pool, new PacketLogConfig(16, 0, 1)))
                    .isInstanceOf(IndexFileException.class)
                    .hasMessageContaining("holds 8 records, but 16 were asked for");
        }
    }

    @Test
    void refusesAFileThatIsNotAnIndex() throws IOException {
        Files.write(dir.resolve("index"), new byte[8192]);
        try (BufferPool pool = pool(16)) {
            assertThatThrownBy(() -> PacketLog.open(pool, new PacketLogConfig(8, 0, 1)))
                    .isInstanceOf(IndexFileException.class)
                    .hasMessageContaining("is not a pswitch index (bad magic)");
        }
    }

    @Test
    void rejectsAppendsThatDoNotDescribeAPoolBuffer() {
        try (BufferPool pool = pool(16); PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 1))) {
            assertThatThrownBy(() -> log.append(1, 60, 60, 0, 0, 0, -1, 0)).hasMessageContaining("bufIdx 1");
            assertThatThrownBy(() -> log.append(5, 300, 300, 0, 0, 0, -1, 0)).hasMessageContaining("stored length 300");
            assertThatThrownBy(() -> log.append(5, 61, 60, 0, 0, 0, -1, 0)).hasMessageContaining("stored length 61");
            assertThat(log.appendedSeq()).isZero();
        }
    }

    @Test
    void measuresCommitLatency() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            for (int i = 0; i < 50; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
                log.commit();
            }
            LatencyHistogram h = log.commitLatency();
            assertThat(h.count()).isEqualTo(50);
            assertThat(h.p50()).isPositive().isLessThanOrEqualTo(h.p99());
            assertThat(h.p99()).isLessThanOrEqualTo(h.max());
        }
    }

    @Test
    void aDiskTooSmallForTheIndexFailsAtOpenNamingPathSizeAndFreeSpace() throws IOException {
        long size = IndexFileDescriptor.fileSize(IndexFileDescriptor.MAX_CAPACITY);
        long free = Files.getFileStore(dir).getUsableSpace();
        org.junit.jupiter.api.Assumptions.assumeTrue(free < size,
                "this file system has more than " + size + " bytes free: cannot make the index not fit");
        try (BufferPool pool = pool(16)) {
            assertThatThrownBy(() -> PacketLog.open(pool, new PacketLogConfig(IndexFileDescriptor.MAX_CAPACITY, 0, 1)))
                    .isInstanceOf(IndexFileException.class)
                    .hasMessageStartingWith("not enough space for index " + dir.resolve("index").toAbsolutePath())
                    .hasMessageContaining(size + " bytes asked")
                    .hasMessageContaining("bytes free");
            assertThat(dir.resolve("index")).doesNotExist();
        }
    }

    @Test
    void rejectsImpossibleConfigurations() {
        assertThatThrownBy(() -> new PacketLogConfig(1, 0, 1)).hasMessageContaining("index capacity 1");
        assertThatThrownBy(() -> new PacketLogConfig(8, 0, 9)).hasMessageContaining("retire batch 9");
        assertThatThrownBy(() -> new PacketLogConfig(8, -1, 1)).hasMessageContaining("low-water mark -1");
    }
}

package io.pswitch.pktlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ClosedLog;
import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.index.TestFrames;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReaderTest {
    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    private BufferPool pool(int count) {
        return BufferPool.open(dir.resolve("pool"), 256, count);
    }

    /** Appends frames tagged with their sequence, at 1000 ns * seq, ports seq % 4, and commits. */
    private static void fill(PacketLog log, BufferPool pool, int n) {
        for (int i = 0; i < n; i++) {
            long seq = log.appendedSeq() + 1;
            TestFrames.append(log, pool, seq, 60 + (int) (seq % 50), 1_000 * seq, (int) (seq % 4));
        }
        log.commit();
    }

    private static List<Long> sequences(LogReader reader, LogQuery q) {
        List<Long> out = new ArrayList<>();
        reader.query(q, (rec, frame, off) -> {
            assertThat(TestFrames.holds(frame, off, rec.sequence(), rec.storedLength())).isTrue();
            out.add(rec.sequence());
            return true;
        });
        return out;
    }

    private static List<Long> range(long from, long toInclusive) {
        List<Long> out = new ArrayList<>();
        for (long s = from; s <= toInclusive; s++) {
            out.add(s);
        }
        return out;
    }

    @Test
    void findsATimeRangeInAWrappedIndex() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            fill(log, pool, 100);
            assertThat(log.oldestSeq()).isGreaterThan(60);
            LogReader reader = new LogReader(log);
            assertThat(sequences(reader, LogQuery.between(80_000, 90_000))).isEqualTo(range(80, 89));
            assertThat(sequences(reader, LogQuery.between(80_500, 81_001))).isEqualTo(range(81, 81));
            assertThat(sequences(reader, LogQuery.between(0, 1_000_000))).isEqualTo(range(log.oldestSeq(), 100));
            assertThat(reader.seekTime(0)).isEqualTo(log.oldestSeq());
            assertThat(reader.seekTime(100_001)).isEqualTo(101);
            assertThat(reader.crcMismatches()).isZero();
        }
    }

    @Test
    void binarySearchesInsteadOfScanning() {
        try (BufferPool pool = pool(4200); PacketLog log = PacketLog.open(pool, new PacketLogConfig(4096, 0, 64))) {
            fill(log, pool, 5000);
            AtomicLong reads = new AtomicLong();
            LogSource counting = new LogSource() {
                @Override
                public MemorySegment indexSegment() {
                    return log.indexSegment();
                }

                @Override
                public int capacity() {
                    return log.capacity();
                }

                @Override
                public BufferPool pool() {
                    return log.pool();
                }

                @Override
                public long oldestSeq() {
                    reads.incrementAndGet(); // the reader checks it once per record read
                    return log.oldestSeq();
                }

                @Override
                public long newestSeq() {
                    return log.newestSeq();
                }
            };
            LogReader reader = new LogReader(counting);
            assertThat(reader.seekTime(3_000_000)).isEqualTo(3000);
            assertThat(reads.get()).as("probes for 4096 records").isLessThan(40);
        }
    }

    @Test
    void selectsByIngressPort() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            fill(log, pool, 20);
            List<Long> got = sequences(new LogReader(log), LogQuery.all().onPort(2));
            assertThat(got).containsExactly(2L, 6L, 10L, 14L, 18L);
        }
    }

    @Test
    void appliesAPredicateToTheStoredBytes() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            fill(log, pool, 20);
            // Source MAC's last byte holds the tag (= sequence): keep odd sources longer than 70 bytes.
            FramePredicate oddSource = (seg, off, stored, wire) ->
                    (seg.get(ValueLayout.JAVA_BYTE, off + 11) & 1) == 1 && wire > 70;
            List<Long> got = sequences(new LogReader(log), LogQuery.all().matching(oddSource));
            assertThat(got).containsExactly(11L, 13L, 15L, 17L, 19L);
        }
    }

    @Test
    void neverReturnsARecordWhoseFrameBytesChanged() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            fill(log, pool, 10);
            int buf = log.bufIdx(4);
            long at = pool.offset(buf) + 30;
            pool.segment().set(ValueLayout.JAVA_BYTE, at, (byte) (pool.segment().get(ValueLayout.JAVA_BYTE, at) ^ 1));
            LogReader reader = new LogReader(log);
            List<Long> got = sequences(reader, LogQuery.all());
            assertThat(got).doesNotContain(4L).hasSize(9);
            assertThat(reader.crcMismatches()).isEqualTo(1);
        }
    }

    @Test
    void skipsRecordsRetiredWhileTheyAreBeingRead() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 0, 4))) {
            fill(log, pool, 16);
            LogReader reader = new LogReader(log);
            List<Long> got = new ArrayList<>();
            reader.query(LogQuery.all(), (rec, frame, off) -> {
                assertThat(rec.sequence()).isGreaterThanOrEqualTo(log.oldestSeq());
                assertThat(TestFrames.holds(frame, off, rec.sequence(), rec.storedLength())).isTrue();
                got.add(rec.sequence());
                if (got.size() == 2) {
                    fill(log, pool, 8); // the writer retires 1..8 under the reader (and reuses their buffers)
                }
                return true;
            });
            assertThat(got).containsExactly(1L, 2L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L);
            // One read found 3 retired; the reader then jumped to the new oldest instead of reading 4..8.
            assertThat(reader.retiredSkipped()).isEqualTo(1);
            assertThat(reader.crcMismatches()).isZero();
        }
    }

    @Test
    void aReaderOnAnotherThreadOnlyEverSeesIntactRecordsWhileTheWriterRetires() throws Exception {
        try (BufferPool pool = pool(48); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 8, 4))) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong delivered = new AtomicLong();
            LogReader reader = new LogReader(log);
            Thread readerThread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        reader.query(LogQuery.all(), (rec, frame, off) -> {
                            if (!TestFrames.holds(frame, off, rec.sequence(), rec.storedLength())) {
                                throw new AssertionError("seq " + rec.sequence() + " delivered with foreign bytes");
                            }
                            delivered.incrementAndGet();
                            return true;
                        });
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            readerThread.start();
            // Enough retirements under the reader, however loaded the machine (at most 10 s).
            long deadline = System.nanoTime() + 10_000_000_000L;
            int spare = 0;
            while (log.retiredCount() < 2_000 && System.nanoTime() < deadline && failure.get() == null) {
                long seq = log.appendedSeq() + 1;
                int buf = pool.allocate();
                // Scribble over the buffer first, as a port would when it receives into it.
                pool.segment().asSlice(pool.offset(buf), 256).fill((byte) seq);
                TestFrames.write(pool, buf, seq, 60 + (int) (seq % 100));
                log.append(buf, 60 + (int) (seq % 100), 200, seq, 0, 0, -1, 0);
                if (++spare % 3 == 0) {
                    log.commit();
                }
            }
            stop.set(true);
            readerThread.join(5_000);
            assertThat(failure.get()).isNull();
            assertThat(delivered.get()).isPositive();
            assertThat(log.retiredCount()).isGreaterThan(1_000);
        }
    }

    @Test
    void aQueryFromASequenceThatRetiredSinceTheCallersLastLookEndsByRetirementThere() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            fill(log, pool, 10);
            assertThat(log.retireOldest(6)).isEqualTo(6);
            LogReader reader = new LogReader(log);
            List<Long> seen = new ArrayList<>();
            long n = reader.query(LogQuery.all(), (rec, frame, off) -> seen.add(rec.sequence()), 3, true);
            assertThat(n).isZero();
            assertThat(seen).as("nothing from the hot tier: 3..6 are owed first").isEmpty();
            assertThat(reader.endedByRetirement()).isTrue();
            assertThat(reader.resumeSeq()).as("the caller goes back to the tier that holds 3").isEqualTo(3);
            reader.query(LogQuery.all(), (rec, frame, off) -> seen.add(rec.sequence()), 7, true);
            assertThat(seen).isEqualTo(range(7, 10));
            assertThat(reader.endedByRetirement()).isFalse();
        }
    }

    @Test
    void readsAClosedLogOffline() {
        try (BufferPool pool = pool(64); PacketLog log = PacketLog.open(pool, new PacketLogConfig(32, 0, 4))) {
            fill(log, pool, 12);
        }
        try (ClosedLog closed = ClosedLog.open(dir.resolve("pool"))) {
            LogReader reader = new LogReader(closed);
            assertThat(sequences(reader, LogQuery.all())).isEqualTo(range(1, 12));
            assertThat(sequences(reader, LogQuery.between(5_000, 7_000).onPort(1))).containsExactly(5L);
            assertThat(reader.query(LogQuery.all().limit(3), (r, f, o) -> true)).isEqualTo(3);
            assertThat(reader.query(LogQuery.all(), (r, f, o) -> r.sequence() < 4)).as("stops when told").isEqualTo(4);
        }
    }
}

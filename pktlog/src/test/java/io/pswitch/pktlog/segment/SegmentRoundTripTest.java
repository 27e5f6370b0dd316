package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.query.LogQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records of every size written through real direct I/O and read back by time ranges, across rolls, reopen and retention. */
class SegmentRoundTripTest {
    private static final long MIB = 1 << 20;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = io.pswitch.pktlog.index.ShmTempDirFactory.class)
    Path poolDir;

    private SegmentFrames frames;

    @BeforeEach
    void pool() {
        frames = new SegmentFrames(poolDir.resolve("pool"), 4096);
    }

    @AfterEach
    void closePool() {
        frames.close();
    }

    private Path segments() {
        return disk.resolve("segments");
    }

    private SegmentWriter open(long capacity) {
        return SegmentWriter.open(segments(), SegmentFrames.LOG_ID, SegmentFrames.config(capacity, MIB));
    }

    private void write(SegmentWriter w, long from, long to, int syncEvery) {
        for (long seq = from; seq <= to; seq++) {
            frames.add(w, seq, 0);
            if (seq % syncEvery == 0) {
                assertThat(w.write()).isEqualTo(seq);
                assertThat(w.sync()).isEqualTo(seq);
            }
        }
        w.write();
        w.sync();
    }

    @Test
    void everySizeComesBackByteForByteAcrossSegmentRolls() {
        try (SegmentWriter w = open(64 * MIB)) {
            write(w, 1, 3000, 97);
            assertThat(w.durableSeq()).isEqualTo(3000);
            assertThat(w.counters().segmentsSealed()).isGreaterThanOrEqualTo(2);
            long small = java.util.stream.LongStream.rangeClosed(1, 3000)
                    .filter(seq -> SegmentFrames.stored(seq) <= SegmentFrames.PACK_THRESHOLD).count();
            if (w.alignment().memory() <= 2048) {
                // Pool buffers are 2048-aligned: every larger frame goes straight from its buffer.
                assertThat(w.counters().framesPacked()).isEqualTo(small);
            } else {
                assertThat(w.counters().framesPacked()).isBetween(small, 2999L);
            }
            if (Files.isDirectory(Path.of("/var/tmp"))) {
                assertThat(w.directIo()).as("ext4 takes O_DIRECT").isTrue();
            }
        }
        SegmentReader r = new SegmentReader(segments(), SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> all = SegmentFrames.readAll(r, LogQuery.all());
        assertThat(all).hasSize(3000);
        for (int i = 0; i < all.size(); i++) {
            SegmentFrames.assertRecord(all.get(i), i + 1, 0);
        }
        assertThat(r.crcMismatches()).isZero();
        assertThat(r.oldestSeq()).isEqualTo(1);
        assertThat(r.newestSeq()).isEqualTo(3000);
    }

    @Test
    void timeRangesReturnExactlyTheRecordsInside() {
        try (SegmentWriter w = open(64 * MIB)) {
            write(w, 1, 5000, 500);
        }
        SegmentReader r = new SegmentReader(segments(), SegmentFrames.LOG_ID);
        for (long[] range : new long[][] {{1, 1}, {1000, 2000}, {2345, 2346}, {4990, 6000}, {1, 5000}, {3333, 4444}}) {
            List<SegmentFrames.Read> got = SegmentFrames.readAll(r,
                    LogQuery.between(SegmentFrames.ts(range[0]), SegmentFrames.ts(range[1])));
            long expected = Math.min(range[1], 5001) - range[0];
            assertThat(got).as("range %d..%d", range[0], range[1]).hasSize((int) expected);
            for (int i = 0; i < got.size(); i++) {
                SegmentFrames.assertRecord(got.get(i), range[0] + i, 0);
            }
        }
        assertThat(SegmentFrames.readAll(r, LogQuery.between(0, SegmentFrames.ts(0)))).isEmpty();
        assertThat(SegmentFrames.readAll(r, LogQuery.all().onPort(3).limit(10)))
                .hasSize(10).allSatisfy(x -> assertThat(x.record().ingressPort()).isEqualTo(3));
    }

    @Test
    void reopeningContinuesTheSequenceAndSealsTheOldTail() {
        try (SegmentWriter w = open(64 * MIB)) {
            write(w, 1, 700, 50);
        }
        try (SegmentWriter w = open(64 * MIB)) {
            assertThat(w.recoveryReport().lastSeq()).isEqualTo(700);
            assertThat(w.recoveryReport().tailSealed()).isFalse();
            assertThat(w.recoveryReport().checkpointUsed()).isTrue();
            assertThat(w.nextSeq()).isEqualTo(701);
            assertThatThrownBy(() -> frames.add0(w, 703, frames.fill(703, 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 701, got 703");
            write(w, 701, 1500, 50);
            assertThat(w.epoch()).isEqualTo(2);
        }
        SegmentRecoveryReport report = SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID);
        assertThat(report.segments().subList(0, report.segments().size() - 1)).allMatch(SegmentSummary::sealed);
        assertThat(report.dropped()).isEmpty();
        assertThat(report.refused()).isEmpty();
        SegmentReader r = new SegmentReader(segments(), SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> all = SegmentFrames.readAll(r, LogQuery.all());
        assertThat(all).hasSize(1500);
        for (int i = 0; i < all.size(); i++) {
            SegmentFrames.assertRecord(all.get(i), i + 1, 0);
        }
    }

    @Test
    void restartAtDeclaresAGapThatRecoveryAndReadersAccept() {
        try (SegmentWriter w = open(64 * MIB)) {
            write(w, 1, 100, 1000);
            w.restartAt(500);
            write(w, 500, 600, 1000);
        }
        try (SegmentWriter w = open(64 * MIB)) {
            assertThat(w.recoveryReport().lastSeq()).isEqualTo(600);
            assertThat(w.recoveryReport().dropped()).isEmpty();
        }
        List<SegmentFrames.Read> all = SegmentFrames.readAll(new SegmentReader(segments(), SegmentFrames.LOG_ID), LogQuery.all());
        assertThat(all).hasSize(201);
        SegmentFrames.assertRecord(all.get(100), 500, 0);
    }

    @Test
    void retentionDeletesWholeOldestSegmentsFirstInFirstOut() throws Exception {
        try (SegmentWriter w = open(4 * MIB)) {
            write(w, 1, 12_000, 250);
            assertThat(w.counters().segmentsDeleted()).isPositive();
            assertThat(w.segmentBytes()).isLessThanOrEqualTo(4 * MIB);
        }
        try (Stream<Path> s = Files.list(segments())) {
            assertThat(s.filter(p -> p.toString().endsWith(SegmentDescriptor.FILE_SUFFIX)).count()).isLessThanOrEqualTo(4);
        }
        SegmentReader r = new SegmentReader(segments(), SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> all = SegmentFrames.readAll(r, LogQuery.all());
        long oldest = all.getFirst().record().sequence();
        assertThat(oldest).isGreaterThan(1);
        assertThat(all.getLast().record().sequence()).isEqualTo(12_000);
        assertThat(all).hasSize((int) (12_000 - oldest + 1));
        for (int i = 0; i < all.size(); i++) {
            SegmentFrames.assertRecord(all.get(i), oldest + i, 0);
        }
    }

    @Test
    void anInProcessReaderStopsAtTheDurableSequence() {
        try (SegmentWriter w = open(64 * MIB)) {
            write(w, 1, 200, 1000);
            for (long seq = 201; seq <= 260; seq++) {
                frames.add(w, seq, 0);
            }
            w.write();
            SegmentReader r = new SegmentReader(segments(), SegmentFrames.LOG_ID, w::durableSeq);
            assertThat(SegmentFrames.readAll(r, LogQuery.all())).hasSize(200);
            w.sync();
            assertThat(SegmentFrames.readAll(r, LogQuery.all())).hasSize(260);
        }
    }

    @Test
    void recyclingReusesTheOldestFilesAndTheirLeftoversAreNeverRecords() {
        SegmentConfig cfg = SegmentFrames.config(4 * MIB, MIB).withRecycle(true);
        try (SegmentWriter w = SegmentWriter.open(segments(), SegmentFrames.LOG_ID, cfg)) {
            write(w, 1, 12_000, 250);
            assertThat(w.counters().segmentsRecycled()).isPositive();
            assertThat(w.counters().segmentsDeleted()).isEqualTo(w.counters().segmentsRecycled());
            assertThat(w.segmentCount()).isEqualTo(4);
        }
        SegmentRecoveryReport r = SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID);
        assertThat(r.dropped()).as("a recycled tail's old chunks end it cleanly").isEmpty();
        assertThat(r.lastSeq()).isEqualTo(12_000);
        assertThat(SegmentFiles.segments(segments())).hasSize(4);
        try (SegmentWriter w = SegmentWriter.open(segments(), SegmentFrames.LOG_ID, cfg)) {
            assertThat(w.nextSeq()).isEqualTo(12_001);
            write(w, 12_001, 15_000, 250);
        }
        SegmentReader reader = new SegmentReader(segments(), SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> all = SegmentFrames.readAll(reader, LogQuery.all());
        long oldest = all.getFirst().record().sequence();
        assertThat(all).hasSize((int) (15_000 - oldest + 1));
        for (int i = 0; i < all.size(); i++) {
            SegmentFrames.assertRecord(all.get(i), oldest + i, 0);
        }
        assertThat(reader.crcMismatches()).isZero();
        assertThat(reader.damagedChunks()).isZero();
    }

    @Test
    void withoutALogIdTheWriterAdoptsTheDirectorysLog() {
        java.util.UUID first;
        try (SegmentWriter w = SegmentWriter.open(segments(), null, SegmentFrames.config(64 * MIB, MIB))) {
            first = w.logId();
            assertThat(first).isNotNull();
        }
        try (SegmentWriter w = SegmentWriter.open(segments(), null, SegmentFrames.config(64 * MIB, MIB))) {
            assertThat(w.logId()).as("from the checkpoint of an empty log").isEqualTo(first);
            // Records are written with the adopted id: a reader that names it reads them.
            for (long seq = 1; seq <= 30; seq++) {
                long off = frames.fill(seq, 0);
                if (!frames.add0(w, seq, off)) {
                    w.write();
                    frames.add0(w, seq, off);
                }
            }
        }
        try (SegmentWriter w = SegmentWriter.open(segments(), null, SegmentFrames.config(64 * MIB, MIB))) {
            assertThat(w.logId()).isEqualTo(first);
            assertThat(w.recoveryReport().refused()).isEmpty();
            assertThat(w.nextSeq()).isEqualTo(31);
        }
        assertThat(SegmentFrames.readAll(new SegmentReader(segments(), first), LogQuery.all())).hasSize(30);
    }
}

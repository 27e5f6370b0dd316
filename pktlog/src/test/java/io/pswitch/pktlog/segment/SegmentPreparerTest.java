package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.query.LogQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New segments made from the preparer's spare (blocks written with zeros ahead of need): records
 * written into them come back byte for byte, a crash between the spare's rename and its header
 * loses nothing, and a spare left in the directory is never taken for a segment.
 */
class SegmentPreparerTest {
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

    private SegmentWriter open() {
        return SegmentWriter.open(segments(), SegmentFrames.LOG_ID, SegmentFrames.config(8 * MIB, MIB));
    }

    private static void assertAllZero(Path file, long size) throws IOException {
        byte[] b = Files.readAllBytes(file);
        assertThat((long) b.length).isEqualTo(size);
        for (int i = 0; i < b.length; i++) {
            if (b[i] != 0) {
                throw new AssertionError(file + ": byte " + i + " is not zero");
            }
        }
    }

    private void assertRecords(long from, long to) {
        List<SegmentFrames.Read> reads = SegmentFrames.readAll(new SegmentReader(segments(), SegmentFrames.LOG_ID), LogQuery.all());
        assertThat(reads).hasSize((int) (to - from + 1));
        for (int i = 0; i < reads.size(); i++) {
            SegmentFrames.assertRecord(reads.get(i), from + i, 0);
        }
    }

    @Test
    void newSegmentsTakeThePreparedSpareAndEveryRecordComesBack() throws IOException {
        SegmentPreparer p;
        try (SegmentWriter w = open()) {
            p = SegmentPreparer.of(w);
            w.prepareWith(p);
            assertThat(p.doWork()).isEqualTo(1);
            assertThat(p.problem()).isNull();
            Path spare = segments().resolve(SegmentPreparer.SPARE_NAME);
            assertAllZero(spare, MIB);
            assertThat(p.doWork()).as("one spare at a time").isZero();
            for (long seq = 1; seq <= 3000; seq++) {
                frames.add(w, seq, 0);
                if (seq % 50 == 0) {
                    w.write();
                    w.sync();
                    p.doWork();
                }
            }
            w.write();
            w.sync();
            assertThat(w.counters().segmentsPrepared()).as("every new segment came prepared").isEqualTo(w.counters().segmentsSealed() + 1);
            assertThat(w.counters().segmentsPrepared()).isGreaterThanOrEqualTo(3);
            assertThat(p.prepared()).isEqualTo(w.counters().segmentsPrepared() + 1);
        }
        // The writer does not own the preparer: its runner (here the test) closes it.
        p.onClose();
        assertRecords(1, 3000);
        assertThat(SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID).refused()).isEmpty();
    }

    @Test
    void aCrashBetweenTheSparesRenameAndItsHeaderLosesNothing() throws IOException {
        long next;
        try (SegmentWriter w = open()) {
            for (long seq = 1; seq <= 200; seq++) {
                frames.add(w, seq, 0);
            }
            w.write();
            w.sync();
            next = w.segmentCount() + 1;
        }
        SegmentPreparer p = new SegmentPreparer(segments(), MIB);
        assertThat(p.doWork()).isEqualTo(1);
        p.onClose();
        // The writer renamed the spare to its new segment's name, then the power went.
        Path renamed = segments().resolve(SegmentDescriptor.fileName(next));
        Files.move(segments().resolve(SegmentPreparer.SPARE_NAME), renamed, StandardCopyOption.ATOMIC_MOVE);
        SegmentRecoveryReport before = SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID);
        assertThat(before.refused()).as("a zero header is an unfinished segment, said so by name")
                .singleElement().asString().contains(renamed.toString()).contains("creation did not finish");
        assertThat(before.lastSeq()).isEqualTo(200);
        try (SegmentWriter w = open()) {
            assertThat(w.nextSeq()).as("the log goes on after its last durable record").isEqualTo(201);
            for (long seq = 201; seq <= 400; seq++) {
                frames.add(w, seq, 0);
            }
            w.write();
            w.sync();
        }
        assertRecords(1, 400);
        assertThat(SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID).refused()).as("the writer removed it").isEmpty();
    }

    @Test
    void aSpareLeftInTheDirectoryIsNoSegmentAndIsMadeAgainFromZeros() throws IOException {
        try (SegmentWriter w = open()) {
            for (long seq = 1; seq <= 100; seq++) {
                frames.add(w, seq, 0);
            }
            w.write();
            w.sync();
        }
        // Not zeros: what a foreign or damaged file would hold. It must never reach a reader.
        byte[] junk = new byte[(int) MIB];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        Files.write(segments().resolve(SegmentPreparer.SPARE_NAME), junk);
        SegmentRecoveryReport r = SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID);
        assertThat(r.refused()).isEmpty();
        assertThat(r.segments()).hasSize(1);
        try (SegmentWriter w = open()) {
            SegmentPreparer p = SegmentPreparer.of(w);
            w.prepareWith(p);
            assertThat(p.doWork()).isEqualTo(1);
            assertAllZero(segments().resolve(SegmentPreparer.SPARE_NAME), MIB);
            for (long seq = 101; seq <= 300; seq++) {
                frames.add(w, seq, 0);
            }
            w.write();
            w.sync();
            assertThat(w.counters().segmentsPrepared()).isEqualTo(1);
            p.onClose();
        }
        assertRecords(1, 300);
    }
}

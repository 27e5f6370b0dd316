package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.query.LogQuery;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log at its size recycles its oldest segment file (renamed to the next number, overwritten).
 * What a crash leaves in such a file is the older segment's real chunks, CRCs valid, where a fresh
 * file holds zeros: each way that can meet recovery is its own test. A log of two 1 MiB segments:
 * segment 1 and 2 sealed, then segment 1's file recycled as segment 3 ({@link #build}).
 */
class SegmentRecycleTest {
    private static final long MIB = 1 << 20;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    private SegmentFrames frames;
    /** Segment 1's file as it was before it was recycled. */
    private byte[] oldFirst;
    /** The checkpoint as it was while segment 2 was the tail. */
    private byte[] checkpointOfSecond;
    /** First records of segment 2 and 3, last record written (and synced). */
    private long secondFirst;
    private long thirdFirst;
    private long last;

    @BeforeEach
    void pool() {
        frames = new SegmentFrames(shm.resolve("pool"), 4096);
    }

    @AfterEach
    void closePool() {
        frames.close();
    }

    private Path dir() {
        return disk.resolve("segments");
    }

    private Path seg(long n) {
        return SegmentFiles.segment(dir(), n);
    }

    private Path checkpoint() {
        return dir().resolve(CheckpointDescriptor.FILE_NAME);
    }

    private SegmentWriter open() {
        return SegmentWriter.open(dir(), SegmentFrames.LOG_ID, SegmentFrames.config(2 * MIB, MIB));
    }

    /** Segments 1 and 2 sealed, segment 1's file recycled as 3, {@code inThird} records synced into it; a clean close. */
    private void build(int inThird) throws Exception {
        try (SegmentWriter w = open()) {
            long seq = 1;
            while (w.counters().segmentsSealed() < 1) {
                frames.add(w, seq++, 0);
            }
            oldFirst = Files.readAllBytes(seg(1));
            checkpointOfSecond = Files.readAllBytes(checkpoint());
            while (w.counters().segmentsRecycled() < 1) {
                frames.add(w, seq++, 0);
            }
            secondFirst = w.oldestSeq();
            thirdFirst = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID).segments().getLast().firstSeq();
            long end = thirdFirst + inThird - 1;
            while (seq <= end) {
                frames.add(w, seq++, 0);
            }
            w.write();
            w.sync();
            last = w.writtenSeq();
            assertThat(w.counters().segmentsRecycled()).isEqualTo(1);
        }
        assertThat(Files.exists(seg(1))).as("recycled, not kept").isFalse();
        assertThat(SegmentFiles.segments(dir())).containsExactly(seg(2), seg(3));
    }

    private void assertRecords(long from, long to) {
        List<SegmentFrames.Read> reads = SegmentFrames.readAll(new SegmentReader(dir(), SegmentFrames.LOG_ID), LogQuery.all());
        assertThat(reads).hasSize((int) (to - from + 1));
        for (int i = 0; i < reads.size(); i++) {
            SegmentFrames.assertRecord(reads.get(i), from + i, 0);
        }
    }

    /** The log goes on after {@code lastKept}: a writer continues there, and everything reads back. */
    private void assertWriterContinuesAfter(long lastKept) {
        try (SegmentWriter w = open()) {
            assertThat(w.nextSeq()).isEqualTo(lastKept + 1);
            frames.addSynced(w, lastKept + 1, lastKept + 300);
        }
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(r.dropped()).isEmpty();
        assertThat(r.refused()).isEmpty();
        assertThat(r.lastSeq()).isEqualTo(lastKept + 300);
        try (SegmentWriter w = open()) {
            // The writer's recovery takes sealed segments from the list: it must agree with the headers and footers.
            SegmentRecoveryReport listed = w.recoveryReport();
            assertThat(listed.listed()).isPositive();
            assertThat(listed.listProblem()).as("nothing damaged or missing in the list")
                    .satisfiesAnyOf(pr -> assertThat(pr).isNull(), pr -> assertThat(pr).startsWith("0 damaged entries").endsWith(" 0 sealed segments not listed"));
            assertThat(listed.checkpointUsed()).isTrue();
            assertThat(listed.lastSeq()).isEqualTo(r.lastSeq());
            assertThat(summaries(listed)).isEqualTo(summaries(r));
        }
        assertRecords(r.firstSeq(), lastKept + 300);
    }

    private static List<String> summaries(SegmentRecoveryReport r) {
        return r.segments().stream().map(x -> x.number() + ":" + x.firstSeq() + "-" + x.lastSeq() + "/" + x.records()).toList();
    }

    /** The crash image of segment 3: segment 1's old bytes with {@code prefix} written over the start. */
    private void thirdIsOldFirstWith(byte[] prefix) throws Exception {
        byte[] img = oldFirst.clone();
        System.arraycopy(prefix, 0, img, 0, prefix.length);
        Files.write(seg(3), img);
        Files.write(checkpoint(), checkpointOfSecond);
    }

    @Test
    void theOlderSegmentsChunksAfterTheTailAreNeverRecords() throws Exception {
        build(150);
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        long tailEnd = r.tailEnd();
        // The walk really meets the older segment's chunks: some start past the tail, CRCs valid.
        Path oldCopy = disk.resolve("old-first");
        Files.write(oldCopy, oldFirst);
        assertThat(SegmentFiles.chunks(oldCopy)).anyMatch(c -> c.offset() >= tailEnd);
        assertThat(r.lastSeq()).isEqualTo(last);
        assertThat(r.dropped()).as("leftovers end the tail cleanly").isEmpty();
        // Without the checkpoint the walk starts at the header: the same end.
        Files.delete(checkpoint());
        SegmentRecoveryReport full = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(full.tailEnd()).isEqualTo(tailEnd);
        assertThat(full.lastSeq()).isEqualTo(last);
        assertRecords(secondFirst, last);
        assertWriterContinuesAfter(last);
    }

    @Test
    void aStaleChunkExactlyAtTheTailWithValidCrcsAndANewerEpochIsNotAccepted() throws Exception {
        build(150);
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        int alignment = SegmentDescriptor.alignment(MemorySegment.ofArray(SegmentFiles.read(seg(3), 0, 84)));
        // A chunk of an older life of the file, placed where the next chunk of segment 3 would go:
        // its offset matches, every CRC verifies, its epoch is even newer; only its sequences are older.
        SegmentFiles.write(seg(3), r.tailEnd(), SegmentFiles.craftChunk(alignment, r.tailEnd(), secondFirst - 20, 5, r.maxEpoch() + 1));
        SegmentRecoveryReport again = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(again.lastSeq()).isEqualTo(last);
        assertThat(again.tailEnd()).isEqualTo(r.tailEnd());
        assertThat(again.dropped()).isEmpty();
        assertRecords(secondFirst, last);
        assertWriterContinuesAfter(last);
    }

    @Test
    void aCrashBetweenTheRenameAndTheNewHeaderLosesNoCommittedRecord() throws Exception {
        build(150);
        thirdIsOldFirstWith(new byte[0]);
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(r.refused()).singleElement().satisfies(ref -> {
            assertThat(ref.path()).isEqualTo(seg(3));
            assertThat(ref.reason()).startsWith(SegmentRecovery.RECYCLE_UNFINISHED);
        });
        assertThat(r.lastSeq()).as("segment 2 is the log's end").isEqualTo(thirdFirst - 1);
        assertThat(r.tailSealed()).isTrue();
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().refused()).singleElement().satisfies(ref -> assertThat(ref.removed()).isTrue());
        }
        assertThat(Files.exists(seg(3))).isFalse();
        assertRecords(secondFirst, thirdFirst - 1);
        assertWriterContinuesAfter(thirdFirst - 1);
    }

    @Test
    void aRecycledHeaderTornToZerosIsAnUnfinishedSegment() throws Exception {
        build(150);
        thirdIsOldFirstWith(new byte[512]);
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(r.refused()).singleElement().satisfies(ref ->
                assertThat(ref.reason()).startsWith(SegmentRecovery.NEVER_WRITTEN));
        assertThat(r.lastSeq()).isEqualTo(thirdFirst - 1);
        assertWriterContinuesAfter(thirdFirst - 1);
    }

    @Test
    void aNewHeaderOverTheOlderSegmentsChunksHoldsNothingUntilItsOwnFirstChunk() throws Exception {
        build(150);
        // Only the header's first sector reached the disk; sectors 1..7 of the header block and the
        // chunks are segment 1's. Its first chunk sits at 4096, where segment 3's first would: valid.
        byte[] newHeader = SegmentFiles.read(seg(3), 0, 512);
        thirdIsOldFirstWith(newHeader);
        ChunkScanner sc = new ChunkScanner();
        try (SegmentImage img = SegmentImage.open(seg(3))) {
            assertThat(sc.load(img, SegmentDescriptor.HEADER_SIZE, MIB - SegmentDescriptor.FOOTER_SIZE,
                    SegmentDescriptor.alignment(MemorySegment.ofArray(newHeader)))).isEqualTo(ChunkStatus.VALID);
            assertThat(sc.verifyRecords()).isEqualTo(ChunkStatus.VALID);
        }
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(r.refused()).isEmpty();
        assertThat(r.dropped()).isEmpty();
        assertThat(r.tailSegment()).isEqualTo(3);
        assertThat(r.tailEnd()).isEqualTo(SegmentDescriptor.HEADER_SIZE);
        assertThat(r.lastSeq()).isEqualTo(thirdFirst - 1);
        assertRecords(secondFirst, thirdFirst - 1);
        assertWriterContinuesAfter(thirdFirst - 1);
    }

    @Test
    void aTornFirstChunkOverTheOlderSegmentsBytesIsDroppedAndNothingCommittedIsLost() throws Exception {
        build(150);
        // The header is durable (synced before any chunk); the first chunk's write was in flight:
        // its header sector landed, the rest of it is still segment 1's.
        SegmentFiles.Chunk first = SegmentFiles.chunks(seg(3)).getFirst();
        byte[] landed = SegmentFiles.read(seg(3), 0, (int) first.offset() + 512);
        thirdIsOldFirstWith(landed);
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(r.lastSeq()).isEqualTo(thirdFirst - 1);
        assertThat(r.tailEnd()).isEqualTo(first.offset());
        assertThat(r.dropped()).singleElement().satisfies(d -> {
            assertThat(d.offset()).isEqualTo(first.offset());
            assertThat(d.firstSeq()).isEqualTo(thirdFirst);
        });
        assertRecords(secondFirst, thirdFirst - 1);
        assertWriterContinuesAfter(thirdFirst - 1);
    }

    @Test
    void theOlderSegmentsFooterLeftInTheFileDoesNotSealIt() throws Exception {
        build(150);
        long footerAt = SegmentDescriptor.footerOffset(MIB);
        MemorySegment f = MemorySegment.ofArray(SegmentFiles.read(seg(3), footerAt, 512));
        assertThat(SegmentDescriptor.footerMagic(f)).as("segment 1's footer is still there").isEqualTo(SegmentDescriptor.FOOTER_MAGIC);
        assertThat(SegmentDescriptor.footerSegmentNumber(f)).isEqualTo(1);
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID);
        assertThat(r.tailSegment()).isEqualTo(3);
        assertThat(r.tailSealed()).isFalse();
        assertThat(r.lastSeq()).isEqualTo(last);
        assertRecords(secondFirst, last);
    }

    @Test
    void aLogAtItsSizeRetiresThePreparerAndItsSpareGoes() throws Exception {
        Path spare = dir().resolve(SegmentPreparer.SPARE_NAME);
        SegmentPreparer p;
        try (SegmentWriter w = open()) {
            p = SegmentPreparer.of(w);
            w.prepareWith(p);
            assertThat(p.doWork()).isEqualTo(1);
            assertThat(Files.exists(spare)).isTrue();
            long seq = 1;
            while (w.counters().segmentsRecycled() < 3) {
                frames.add(w, seq++, 0);
                if (seq % 50 == 0) {
                    w.write();
                    w.sync();
                    p.doWork();
                }
            }
            w.write();
            w.sync();
            assertThat(p.retired()).isTrue();
            p.doWork();
            assertThat(Files.exists(spare)).as("no zeroed spare while recycled files come").isFalse();
            assertThat(p.doWork()).as("and none is made").isZero();
            assertThat(w.counters().segmentsPrepared()).isPositive();
            assertThat(p.discarded()).isEqualTo(1);
            assertThat(p.prepared() - p.discarded()).as("every spare made was used or deleted")
                    .isEqualTo(w.counters().segmentsPrepared());
        }
        p.onClose();
        try (SegmentWriter w = open()) {
            SegmentPreparer again = SegmentPreparer.of(w);
            w.prepareWith(again);
            assertThat(again.retired()).as("a log already at its size needs no spare").isTrue();
            assertThat(again.doWork()).isZero();
            again.onClose();
        }
        assertThat(Files.exists(spare)).isFalse();
        try (var s = Files.list(dir())) {
            long bytes = 0;
            for (Path q : s.toList()) {
                bytes += SegmentDescriptor.segmentNumber(q.getFileName().toString()) >= 0 ? Files.size(q) : 0;
            }
            assertThat(bytes).as("the segments stay within the log's size").isLessThanOrEqualTo(2 * MIB);
        }
        assertThat(SegmentRecovery.inspect(dir(), SegmentFrames.LOG_ID).refused()).isEmpty();
    }
}

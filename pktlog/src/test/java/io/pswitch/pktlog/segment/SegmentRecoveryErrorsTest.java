package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.query.LogQuery;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per way a segment tier can be damaged (LevelDB log_test style): each asserts what
 * recovery dropped or refused and why, that the rest of the log is intact, and that a writer
 * opened on it goes on from the right place.
 */
class SegmentRecoveryErrorsTest {
    private static final long MIB = 1 << 20;
    private static final int RECORDS = 300;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    private SegmentFrames frames;
    private Path dir;
    private int alignment;

    /**
     * A log of {@link #RECORDS} records whose checkpoint was last written at record 200, as after a
     * crash: recovery walks the chunks after it, where the damage is put.
     */
    @BeforeEach
    void writeALog() throws Exception {
        frames = new SegmentFrames(shm.resolve("pool"), 1024);
        dir = disk.resolve("segments");
        byte[] checkpoint;
        try (SegmentWriter w = open()) {
            frames.addSynced(w, 1, 200);
            checkpoint = Files.readAllBytes(dir.resolve(CheckpointDescriptor.FILE_NAME));
            frames.addSynced(w, 201, RECORDS);
            alignment = w.alignment().chunk();
        }
        Files.write(dir.resolve(CheckpointDescriptor.FILE_NAME), checkpoint);
        assertThat(SegmentCheckpoint.read(dir, SegmentFrames.LOG_ID).checkpoint().lastSeq()).isEqualTo(200);
    }

    @AfterEach
    void closePool() {
        frames.close();
    }

    private SegmentWriter open() {
        return SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(64 * MIB, MIB).withCheckpointIntervalNs(0));
    }

    private Path tail() {
        List<Path> segs = SegmentFiles.segments(dir);
        return segs.getLast();
    }

    private SegmentFiles.Chunk lastChunk() {
        return SegmentFiles.chunks(tail()).getLast();
    }

    private SegmentRecoveryReport inspect() {
        return SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
    }

    /** Everything the reader returns is records 1..last, intact. */
    private void assertLogIs(long last) {
        List<SegmentFrames.Read> all = SegmentFrames.readAll(new SegmentReader(dir, SegmentFrames.LOG_ID), LogQuery.all());
        assertThat(all).hasSize((int) last);
        for (int i = 0; i < all.size(); i++) {
            SegmentFrames.assertRecord(all.get(i), i + 1, 0);
        }
    }

    /** The tail ends just before {@code chunk}, for {@code reason}; a writer resumes there and the log continues. */
    private void assertTruncatedAt(SegmentFiles.Chunk chunk, ChunkStatus reason, boolean headerVerified) {
        SegmentRecoveryReport r = inspect();
        assertThat(r.dropped()).as(r.toString()).isNotEmpty();
        DroppedChunk d = r.dropped().getFirst();
        assertThat(d.reason()).isEqualTo(reason);
        assertThat(d.offset()).isEqualTo(chunk.offset());
        assertThat(d.records()).isEqualTo(headerVerified ? chunk.count() : 0);
        assertThat(r.lastSeq()).isEqualTo(chunk.firstSeq() - 1);
        assertThat(r.tailEnd()).isEqualTo(chunk.offset());
        assertThat(SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID).dropped()).as("idempotent").isEqualTo(r.dropped());
        assertLogIs(chunk.firstSeq() - 1);
        try (SegmentWriter w = open()) {
            assertThat(w.nextSeq()).isEqualTo(chunk.firstSeq());
            frames.addSynced(w, chunk.firstSeq(), RECORDS + 50);
        }
        assertThat(inspect().dropped()).isEmpty();
        assertLogIs(RECORDS + 50);
    }

    /** A well-formed chunk at {@code offset} holding records {@code first..first+n-1} of epoch {@code epoch}. */
    private byte[] craftChunk(long offset, long first, int n, int epoch, boolean restart) {
        try (Arena arena = Arena.ofConfined()) {
            ChunkStager st = new ChunkStager(arena, alignment, alignment, 8, 1 << 20, 1 << 16, false);
            for (long seq = first; seq < first + n; seq++) {
                byte[] bytes = new byte[SegmentFrames.stored(seq)];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = SegmentFrames.byteAt(seq, 0, i);
                }
                assertThat(st.add(seq, SegmentFrames.ts(seq), (int) (seq % 5), (int) (seq % 7) - 3, seq * 0x10001L,
                        (int) (seq % 64), SegmentFrames.wire(seq), bytes.length, seq % 3 == 0 ? 0 : seq << 16,
                        MemorySegment.ofArray(bytes), 0)).isTrue();
            }
            long len = st.finish(epoch, offset, restart);
            return st.area().asSlice(0, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void aCraftedChunkThatFollowsTheChainIsAccepted() {
        SegmentFiles.Chunk last = lastChunk();
        long end = last.offset() + last.length();
        SegmentFiles.write(tail(), end, craftChunk(end, RECORDS + 1, 3, last.epoch(), false));
        assertThat(inspect().lastSeq()).isEqualTo(RECORDS + 3);
        assertThat(inspect().dropped()).isEmpty();
    }

    @Test
    void tornChunkHeader() {
        SegmentFiles.Chunk last = lastChunk();
        SegmentFiles.flip(tail(), last.offset() + ChunkDescriptor.FIRST_TS_OFFSET);
        assertTruncatedAt(last, ChunkStatus.BAD_HEADER_CRC, false);
    }

    @Test
    void garbageWhereAChunkHeaderShouldBe() {
        SegmentFiles.Chunk last = lastChunk();
        SegmentFiles.flip(tail(), last.offset() + ChunkDescriptor.MAGIC_OFFSET);
        assertTruncatedAt(last, ChunkStatus.BAD_MAGIC, false);
    }

    @Test
    void tornRecordDescriptor() {
        SegmentFiles.Chunk last = lastChunk();
        SegmentFiles.flip(tail(), last.offset() + ChunkDescriptor.HEADER_SIZE + ChunkDescriptor.SEQ_ECHO_OFFSET);
        assertTruncatedAt(last, ChunkStatus.TORN_RECORD, true);
    }

    @Test
    void badRecordCrc() {
        SegmentFiles.Chunk last = lastChunk();
        SegmentFiles.flip(tail(), last.offset() + ChunkDescriptor.HEADER_SIZE + ChunkDescriptor.RECORD_CRC_OFFSET);
        assertTruncatedAt(last, ChunkStatus.BAD_RECORD_CRC, true);
    }

    @Test
    void badFrameBytesInTheGatheredArea() {
        SegmentFiles.Chunk last = lastChunk();
        assertThat(last.gatheredOffset()).as("the chunk has gathered frames").isLessThan(last.length());
        // The first gathered frame has more than the pack threshold of stored bytes: its first byte is covered by its CRC.
        SegmentFiles.flip(tail(), last.offset() + last.gatheredOffset());
        assertTruncatedAt(last, ChunkStatus.BAD_RECORD_CRC, true);
    }

    @Test
    void aSequenceGapEndsTheLog() {
        SegmentFiles.Chunk last = lastChunk();
        long end = last.offset() + last.length();
        SegmentFiles.write(tail(), end, craftChunk(end, RECORDS + 10, 2, last.epoch(), false));
        SegmentRecoveryReport r = inspect();
        assertThat(r.dropped()).extracting(DroppedChunk::reason).containsExactly(ChunkStatus.SEQ_GAP);
        assertThat(r.dropped().getFirst().firstSeq()).isEqualTo(RECORDS + 10);
        assertThat(r.lastSeq()).isEqualTo(RECORDS);
        assertLogIs(RECORDS);
    }

    @Test
    void aStaleChunkOfAnOlderEpochPastTheTailEndsTheLog() {
        SegmentFiles.Chunk last = lastChunk();
        long end = last.offset() + last.length();
        SegmentFiles.write(tail(), end, craftChunk(end, RECORDS + 1, 2, last.epoch() - 1, false));
        SegmentRecoveryReport r = inspect();
        assertThat(r.dropped()).extracting(DroppedChunk::reason).containsExactly(ChunkStatus.STALE_EPOCH);
        assertThat(r.lastSeq()).isEqualTo(RECORDS);
        try (SegmentWriter w = open()) {
            assertThat(w.nextSeq()).isEqualTo(RECORDS + 1);
            assertThat(w.epoch()).isEqualTo(last.epoch() + 1);
        }
        assertLogIs(RECORDS);
    }

    @Test
    void wellFormedChunksPastALostOneAreReportedAsDroppedToo() {
        List<SegmentFiles.Chunk> chunks = SegmentFiles.chunks(tail());
        SegmentFiles.Chunk lost = chunks.get(chunks.size() - 2);
        SegmentFiles.zero(tail(), lost.offset(), ChunkDescriptor.HEADER_SIZE);
        SegmentRecoveryReport r = inspect();
        // A zero header is where nothing was written: the end, not damage; the chunk after it is past the end.
        assertThat(r.lastSeq()).isEqualTo(lost.firstSeq() - 1);
        assertThat(r.dropped()).isEmpty();
        SegmentFiles.flip(tail(), lost.offset() + ChunkDescriptor.MAGIC_OFFSET);
        r = inspect();
        assertThat(r.dropped()).extracting(DroppedChunk::reason).containsExactly(ChunkStatus.BAD_MAGIC, ChunkStatus.PAST_END);
        assertThat(r.dropped().get(1).firstSeq()).isEqualTo(chunks.getLast().firstSeq());
    }

    @Test
    void aChunkCopiedToAnotherOffsetIsMisplaced() {
        List<SegmentFiles.Chunk> chunks = SegmentFiles.chunks(tail());
        SegmentFiles.Chunk last = chunks.getLast();
        SegmentFiles.Chunk first = chunks.get(chunks.size() - 2);
        SegmentFiles.write(tail(), last.offset(), SegmentFiles.read(tail(), first.offset(), first.length()));
        assertTruncatedAt(last, ChunkStatus.MISPLACED, false);
    }

    @Test
    void aTruncatedSegmentFile() {
        SegmentFiles.Chunk last = lastChunk();
        SegmentFiles.truncate(tail(), last.offset() + last.length() - 100);
        assertTruncatedAt(last, ChunkStatus.TRUNCATED, true);
    }

    @Test
    void aSegmentOfAnotherLogIsRefusedByNameAndSetAside() throws Exception {
        Path other = disk.resolve("other");
        try (SegmentWriter w = SegmentWriter.open(other, UUID.randomUUID(), SegmentFrames.config(64 * MIB, MIB))) {
            frames.addSynced(w, 1, 20);
        }
        Path foreign = SegmentFiles.segment(dir, 99);
        Files.copy(SegmentFiles.segments(other).getFirst(), foreign);
        SegmentRecoveryReport r = inspect();
        assertThat(r.refused()).singleElement().satisfies(ref -> {
            assertThat(ref.path()).isEqualTo(foreign);
            assertThat(ref.reason()).startsWith("belongs to log ").contains(SegmentFrames.LOG_ID.toString());
        });
        assertThat(r.lastSeq()).isEqualTo(RECORDS);
        assertThat(Files.exists(foreign)).as("read-only recovery leaves it").isTrue();
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().refused()).singleElement()
                    .satisfies(ref -> assertThat(ref.setAsideAs().getFileName().toString())
                            .isEqualTo(foreign.getFileName() + SegmentDescriptor.REFUSED_SUFFIX));
            frames.addSynced(w, RECORDS + 1, RECORDS + 10);
        }
        assertThat(Files.exists(foreign)).isFalse();
        assertThat(SegmentFiles.segments(dir).getLast().getFileName().toString())
                .as("new segments are numbered past the refused one").isEqualTo(SegmentDescriptor.fileName(100));
        assertLogIs(RECORDS + 10);
    }

    @Test
    void aTruncatedHeaderIsRefusedByName() throws Exception {
        Path bad = SegmentFiles.segment(dir, 50);
        Files.write(bad, SegmentFiles.read(tail(), 0, 40));
        SegmentRecoveryReport r = inspect();
        assertThat(r.refused()).singleElement().satisfies(ref -> {
            assertThat(ref.path()).isEqualTo(bad);
            assertThat(ref.reason()).isEqualTo("truncated header (the file is 40 bytes)");
        });
        assertLogIs(RECORDS);
    }

    @Test
    void anUnknownVersionIsRefusedByName() throws Exception {
        Path future = SegmentFiles.segment(dir, 60);
        Files.copy(tail(), future);
        SegmentFiles.patchInt(future, 0, SegmentDescriptor.VERSION_OFFSET, 2, SegmentDescriptor.HEADER_CRC_OFFSET);
        assertThat(inspect().refused()).singleElement()
                .satisfies(ref -> assertThat(ref.reason()).startsWith("unknown segment version 2"));
        assertLogIs(RECORDS);
    }

    @Test
    void aDamagedHeaderInTheMiddleTakesOnlyItsOwnSegmentDown() {
        try (SegmentWriter w = open()) {
            frames.addSynced(w, RECORDS + 1, 3000);
        }
        List<Path> segs = SegmentFiles.segments(dir);
        assertThat(segs.size()).isGreaterThanOrEqualTo(3);
        Path middle = segs.get(1);
        SegmentFiles.flip(middle, SegmentDescriptor.SEGMENT_SIZE_OFFSET);
        SegmentRecoveryReport r = inspect();
        assertThat(r.refused()).singleElement().satisfies(ref -> {
            assertThat(ref.path()).isEqualTo(middle);
            assertThat(ref.reason()).isEqualTo("damaged header (CRC mismatch)");
        });
        assertThat(r.lastSeq()).isEqualTo(3000);
        List<SegmentFrames.Read> all = SegmentFrames.readAll(new SegmentReader(dir, SegmentFrames.LOG_ID), LogQuery.all());
        assertThat(all.getFirst().record().sequence()).isEqualTo(1);
        assertThat(all.getLast().record().sequence()).isEqualTo(3000);
        assertThat(all.size()).isLessThan(3000);
    }

    @Test
    void aBadFooterCrcLeavesTheSegmentUnsealedAndFullyReadable() {
        try (SegmentWriter w = open()) {
            frames.addSynced(w, RECORDS + 1, 3000);
        }
        Path first = SegmentFiles.segments(dir).getFirst();
        SegmentRecoveryReport before = inspect();
        assertThat(before.segments().getFirst().sealed()).isTrue();
        long footer = SegmentDescriptor.footerOffset(MIB);
        SegmentFiles.flip(first, footer + SegmentDescriptor.FOOTER_LAST_SEQ);
        SegmentRecoveryReport r = inspect();
        assertThat(r.segments().getFirst().sealed()).isFalse();
        assertThat(r.segments().getFirst().lastSeq()).as("unknown without the footer").isEqualTo(-1);
        assertThat(r.dropped()).isEmpty();
        assertLogIs(3000);
    }

    @Test
    void theNewestSegmentWithANeverWrittenHeaderIsRemovedOnlyByTheWriter() throws Exception {
        Path unfinished = SegmentFiles.segment(dir, 7);
        Files.write(unfinished, new byte[(int) MIB]);
        assertThat(inspect().refused()).singleElement()
                .satisfies(ref -> assertThat(ref.reason()).startsWith(SegmentRecovery.NEVER_WRITTEN))
                .satisfies(ref -> assertThat(ref.unfinishedCreation()).as("an ordinary crash outcome, not damage").isTrue());
        assertThat(Files.exists(unfinished)).isTrue();
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().refused()).singleElement().satisfies(ref -> assertThat(ref.removed()).isTrue());
            assertThat(w.nextSeq()).isEqualTo(RECORDS + 1);
        }
        assertThat(Files.exists(unfinished)).isFalse();
        assertLogIs(RECORDS);
    }

    @Test
    void aDamagedCheckpointMeansAFullTailScanWithTheSameResult() {
        SegmentRecoveryReport good = inspect();
        assertThat(good.checkpointUsed()).isTrue();
        // One damaged slot: the other (one update older) is used.
        SegmentFiles.flip(dir.resolve(CheckpointDescriptor.FILE_NAME), CheckpointDescriptor.LAST_SEQ_OFFSET);
        SegmentRecoveryReport one = inspect();
        assertThat(one.checkpointUsed()).isTrue();
        assertThat(one.lastSeq()).isEqualTo(good.lastSeq());
        SegmentFiles.flip(dir.resolve(CheckpointDescriptor.FILE_NAME), CheckpointDescriptor.SLOT_SIZE + CheckpointDescriptor.LAST_SEQ_OFFSET);
        SegmentRecoveryReport r = inspect();
        assertThat(r.checkpointUsed()).isFalse();
        assertThat(r.checkpointProblem()).endsWith("bad magic or CRC");
        assertThat(r.lastSeq()).isEqualTo(good.lastSeq());
        assertThat(r.tailEnd()).isEqualTo(good.tailEnd());
    }

    @Test
    void aCheckpointOfAnotherLogIsIgnoredWithItsReason() throws Exception {
        Path other = disk.resolve("other");
        try (SegmentWriter w = SegmentWriter.open(other, UUID.randomUUID(), SegmentFrames.config(64 * MIB, MIB))) {
            frames.addSynced(w, 1, 5);
        }
        Files.copy(other.resolve(CheckpointDescriptor.FILE_NAME), dir.resolve(CheckpointDescriptor.FILE_NAME),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        SegmentRecoveryReport r = inspect();
        assertThat(r.checkpointUsed()).isFalse();
        assertThat(r.checkpointProblem()).contains("belongs to log");
        assertThat(r.lastSeq()).isEqualTo(RECORDS);
    }

    @Test
    void aRecycledFileWhoseNewHeaderWasNeverWrittenIsRemovedByTheWriter() throws Exception {
        // A crash between renaming the oldest segment to the next number and writing its new header.
        Path renamed = SegmentFiles.segment(dir, 2);
        Files.copy(tail(), renamed);
        SegmentRecoveryReport r = inspect();
        assertThat(r.refused()).singleElement().satisfies(ref -> {
            assertThat(ref.path()).isEqualTo(renamed);
            assertThat(ref.reason()).startsWith(SegmentRecovery.RECYCLE_UNFINISHED);
        });
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().refused()).singleElement().satisfies(ref -> assertThat(ref.removed()).isTrue());
        }
        assertThat(Files.exists(renamed)).isFalse();
        assertLogIs(RECORDS);
    }
}

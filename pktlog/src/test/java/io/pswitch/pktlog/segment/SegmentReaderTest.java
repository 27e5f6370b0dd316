package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.query.LogQuery;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers over damaged sealed segments: every record is CRC-checked; the bad one is counted and skipped, the rest returned. */
class SegmentReaderTest {
    private static final long MIB = 1 << 20;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    private SegmentFrames frames;
    private Path dir;

    @BeforeEach
    void writeSealedSegments() {
        frames = new SegmentFrames(shm.resolve("pool"), 2048);
        dir = disk.resolve("segments");
        try (SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(64 * MIB, MIB))) {
            for (long seq = 1; seq <= 2500; seq++) {
                frames.add(w, seq, 0);
                if (seq % 50 == 0) {
                    w.write();
                    w.sync();
                }
            }
            w.seal();
        }
        assertThat(SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID).segments()).allMatch(SegmentSummary::sealed);
    }

    @AfterEach
    void closePool() {
        frames.close();
    }

    private List<SegmentFrames.Read> readAll(SegmentReader r) {
        return SegmentFrames.readAll(r, LogQuery.all());
    }

    @Test
    void aDamagedFrameCostsOnlyItsOwnRecord() {
        Path seg = SegmentFiles.segments(dir).getFirst();
        SegmentFiles.Chunk chunk = SegmentFiles.chunks(seg).get(3);
        // The first record's packed or gathered bytes: find its data through the descriptor.
        byte[] desc = SegmentFiles.read(seg, chunk.offset() + ChunkDescriptor.HEADER_SIZE, ChunkDescriptor.RECORD_SIZE);
        MemorySegment d = MemorySegment.ofArray(desc);
        long victim = ChunkDescriptor.seq(d, 0);
        long stored = ChunkDescriptor.storedLength(d, 0);
        int k = 0;
        while (stored == 0) {
            // Records with no bytes have nothing to damage: take the next one.
            k++;
            desc = SegmentFiles.read(seg, chunk.offset() + ChunkDescriptor.HEADER_SIZE, (k + 1) * ChunkDescriptor.RECORD_SIZE + 4096);
            d = MemorySegment.ofArray(desc);
            long at = 0;
            for (int i = 0; i < k; i++) {
                at += ChunkDescriptor.recordAreaBytes(!ChunkDescriptor.gathered(d, at), ChunkDescriptor.storedLength(d, at));
            }
            victim = ChunkDescriptor.seq(d, at);
            stored = ChunkDescriptor.storedLength(d, at);
            d = d.asSlice(at);
        }
        long data = ChunkDescriptor.gathered(d, 0)
                ? chunk.offset() + chunk.gatheredOffset() + ChunkDescriptor.dataOffset(d, 0)
                : chunk.offset() + ChunkDescriptor.dataOffset(d, 0);
        SegmentFiles.flip(seg, data + stored - 1);
        SegmentReader r = new SegmentReader(dir, SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> all = readAll(r);
        assertThat(all).hasSize(2499);
        final long lost = victim;
        assertThat(all).noneMatch(x -> x.record().sequence() == lost);
        assertThat(r.crcMismatches()).isEqualTo(1);
        for (SegmentFrames.Read x : all) {
            SegmentFrames.assertRecord(x, x.record().sequence(), 0);
        }
    }

    @Test
    void aChunkWithADamagedHeaderInASealedSegmentIsSteppedOverThroughTheIndex() {
        Path seg = SegmentFiles.segments(dir).getFirst();
        List<SegmentFiles.Chunk> chunks = SegmentFiles.chunks(seg);
        SegmentFiles.Chunk bad = chunks.get(2);
        SegmentFiles.flip(seg, bad.offset() + ChunkDescriptor.COUNT_OFFSET);
        SegmentReader r = new SegmentReader(dir, SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> all = readAll(r);
        assertThat(r.damagedChunks()).isEqualTo(1);
        assertThat(all).noneMatch(x -> x.record().sequence() >= bad.firstSeq() && x.record().sequence() <= bad.lastSeq());
        assertThat(all.getFirst().record().sequence()).isEqualTo(1);
        assertThat(all.getLast().record().sequence()).isEqualTo(2500);
        for (SegmentFrames.Read x : all) {
            SegmentFrames.assertRecord(x, x.record().sequence(), 0);
        }
    }

    @Test
    void aQueryInsideTheLogStartsAtItsIndexEntryAndStopsAtItsEnd() {
        SegmentReader r = new SegmentReader(dir, SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> got = SegmentFrames.readAll(r, LogQuery.between(SegmentFrames.ts(1777), SegmentFrames.ts(1779)));
        assertThat(got).extracting(x -> x.record().sequence()).containsExactly(1777L, 1778L);
        assertThat(SegmentFrames.readAll(r, LogQuery.all().limit(3))).hasSize(3);
        assertThat(r.delivered()).isEqualTo(5);
    }

    @Test
    void recordsOfOneNanosecondAcrossChunksAndSegmentsAreAllFound() {
        Path other = disk.resolve("same-ts");
        long groupTs = SegmentFrames.BASE_TS + 5_000;
        try (SegmentWriter w = SegmentWriter.open(other, SegmentFrames.LOG_ID, SegmentFrames.config(64 * MIB, MIB))) {
            for (long seq = 1; seq <= 3000; seq++) {
                // Records 1000..3000 share one timestamp: they span many chunks and at least one segment boundary.
                long ts = seq < 1000 ? SegmentFrames.BASE_TS + seq : groupTs;
                long off = frames.fill(seq, 0);
                if (!w.add(seq, ts, 0, 0, 0, 0, SegmentFrames.wire(seq), SegmentFrames.stored(seq), 0, frames.poolSegment, off)) {
                    w.write();
                    assertThat(w.add(seq, ts, 0, 0, 0, 0, SegmentFrames.wire(seq), SegmentFrames.stored(seq), 0,
                            frames.poolSegment, off)).isTrue();
                }
                if (seq % 50 == 0) {
                    w.write();
                    w.sync();
                }
            }
            assertThat(w.counters().segmentsSealed()).isPositive();
        }
        SegmentReader r = new SegmentReader(other, SegmentFrames.LOG_ID);
        List<SegmentFrames.Read> got = SegmentFrames.readAll(r, LogQuery.between(groupTs, groupTs + 1));
        assertThat(got).hasSize(2001);
        assertThat(got.getFirst().record().sequence()).isEqualTo(1000);
        assertThat(got.getLast().record().sequence()).isEqualTo(3000);
    }
}

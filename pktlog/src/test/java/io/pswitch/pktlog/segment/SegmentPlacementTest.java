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
 * Chunks are placed on the file system's block boundaries (a real file on the disk), and a log
 * whose older segments were written with the 512-byte placement of earlier versions still opens,
 * seals and reads: each segment's header says its alignment.
 */
class SegmentPlacementTest {
    private static final long MIB = 1 << 20;
    private static final int LEGACY_ALIGNMENT = 512;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    private SegmentFrames frames;

    @BeforeEach
    void pool() {
        frames = new SegmentFrames(shm.resolve("pool"), 4096);
    }

    @AfterEach
    void closePool() {
        frames.close();
    }

    private Path segments() {
        return disk.resolve("segments");
    }

    private SegmentWriter open() {
        return SegmentWriter.open(segments(), SegmentFrames.LOG_ID, SegmentFrames.config(16 * MIB, 4 * MIB));
    }

    private int blockSize() {
        try (NativeIo io = new NativeIo()) {
            return io.dioAlignment(disk).blockSize();
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
    void statxReportsTheFileSystemsBlockSize() {
        int block = blockSize();
        assertThat(block).isGreaterThanOrEqualTo(512);
        assertThat(Integer.bitCount(block)).isEqualTo(1);
    }

    @Test
    void chunksStartAndEndOnFileSystemBlockBoundaries() {
        int block = blockSize();
        try (SegmentWriter w = open()) {
            assertThat(w.alignment().chunk()).isGreaterThanOrEqualTo(Math.min(block, SegmentAlignment.MAX_CHUNK_ALIGNMENT));
            // Small writes and syncs: many short chunks, whose lengths alone would need only 512 bytes.
            for (long seq = 1; seq <= 3000; seq++) {
                frames.add(w, seq, 0);
                if (seq % 7 == 0) {
                    w.write();
                    w.sync();
                }
            }
            w.write();
            w.sync();
            w.seal();
        }
        List<Path> segs = SegmentFiles.segments(segments());
        int chunks = 0;
        for (Path seg : segs) {
            MemorySegment h = MemorySegment.ofArray(SegmentFiles.read(seg, 0, SegmentDescriptor.HEADER_FIELDS));
            assertThat(SegmentDescriptor.alignment(h)).as("the header records the placement").isEqualTo(
                    Math.max(512, Math.min(block, SegmentAlignment.MAX_CHUNK_ALIGNMENT)));
            for (SegmentFiles.Chunk c : SegmentFiles.chunks(seg)) {
                assertThat(c.offset() % block).as("%s chunk at %d", seg, c.offset()).isZero();
                assertThat(c.length() % block).as("%s chunk of %d bytes", seg, c.length()).isZero();
                chunks++;
            }
        }
        assertThat(chunks).isGreaterThan(400);
        int frameAlign;
        try (NativeIo io = new NativeIo()) {
            frameAlign = SegmentAlignment.of(io, disk).frame();
        }
        assertThat(gatheredBytesAreDioAligned(segs, block, frameAlign)).as("gathered frames seen").isPositive();
        assertRecords(1, 3000);
        assertThat(SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID).dropped()).isEmpty();
    }

    /**
     * Inside a chunk, a gathered frame takes its length rounded to the DIO alignment only, and the
     * chunk ends at the first block boundary after its last frame (a jumbo frame must not cost a
     * block's worth of padding). Returns the gathered frames seen.
     */
    private static int gatheredBytesAreDioAligned(List<Path> segs, int block, int frameAlign) {
        int gathered = 0;
        ChunkScanner sc = new ChunkScanner();
        for (Path seg : segs) {
            try (SegmentImage img = SegmentImage.open(seg)) {
                for (SegmentFiles.Chunk c : SegmentFiles.chunks(seg)) {
                    assertThat(sc.load(img, c.offset(), SegmentDescriptor.footerOffset(Files.size(seg)), block))
                            .isEqualTo(ChunkStatus.VALID);
                    assertThat(sc.verifyRecords()).isEqualTo(ChunkStatus.VALID);
                    long frames = 0;
                    for (int i = 0; i < sc.count(); i++) {
                        int at = sc.recordAt(i);
                        if (ChunkDescriptor.gathered(sc.buffer(), at)) {
                            assertThat((long) ChunkDescriptor.dataOffset(sc.buffer(), at)).isEqualTo(frames);
                            frames += SegmentDescriptor.align(ChunkDescriptor.storedLength(sc.buffer(), at), frameAlign);
                            gathered++;
                        }
                    }
                    assertThat((long) c.length()).isEqualTo(c.gatheredOffset() + SegmentDescriptor.align(frames, block));
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return gathered;
    }

    /**
     * An unsealed tail as a writer before block placement left it (512-byte alignment in its
     * header, chunks at offsets that are not multiples of 4096), after a crash.
     */
    private long writeLegacyTail(long segmentSize) throws Exception {
        Files.createDirectories(segments());
        Path seg = SegmentFiles.segment(segments(), 1);
        try (var ch = java.nio.channels.FileChannel.open(seg, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), segmentSize - 1);
        }
        byte[] header = new byte[SegmentDescriptor.HEADER_SIZE];
        MemorySegment h = MemorySegment.ofArray(header);
        SegmentDescriptor.writeHeader(h, SegmentFrames.LOG_ID, 1, segmentSize, 1, SegmentFrames.ts(1), SegmentFrames.ts(1),
                LEGACY_ALIGNMENT, 0);
        h.set(SegmentDescriptor.INT, SegmentDescriptor.HEADER_CRC_OFFSET, new Crc32c().of(h, 0, SegmentDescriptor.HEADER_CRC_OFFSET));
        SegmentFiles.write(seg, 0, header);
        long at = SegmentDescriptor.HEADER_SIZE;
        long seq = 1;
        for (int c = 0; c < 40; c++) {
            int n = 1 + c % 5;
            byte[] chunk = SegmentFiles.craftChunk(LEGACY_ALIGNMENT, at, seq, n, 1);
            SegmentFiles.write(seg, at, chunk);
            at += chunk.length;
            seq += n;
        }
        return seq - 1;
    }

    @Test
    void aTailWrittenWith512BytePlacementIsSealedAndReadAndNewSegmentsUseBlocks() throws Exception {
        long legacyLast = writeLegacyTail(4 * MIB);
        List<SegmentFiles.Chunk> legacy = SegmentFiles.chunks(SegmentFiles.segment(segments(), 1));
        assertThat(legacy).hasSize(40);
        assertThat(legacy).as("the old placement: chunks inside 4 KiB blocks").anyMatch(c -> c.offset() % 4096 != 0);
        SegmentRecoveryReport before = SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID);
        assertThat(before.dropped()).isEmpty();
        assertThat(before.lastSeq()).isEqualTo(legacyLast);
        int block = blockSize();
        try (SegmentWriter w = open()) {
            assertThat(w.nextSeq()).isEqualTo(legacyLast + 1);
            assertThat(w.warnings()).as("the old tail is sealed where it ends").isEmpty();
            frames.addSynced(w, legacyLast + 1, legacyLast + 600);
        }
        SegmentRecoveryReport after = SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID);
        assertThat(after.segments()).hasSize(2);
        assertThat(after.segments().getFirst().sealed()).isTrue();
        assertThat(after.dropped()).isEmpty();
        assertThat(after.refused()).isEmpty();
        for (SegmentFiles.Chunk c : SegmentFiles.chunks(SegmentFiles.segment(segments(), 2))) {
            assertThat(c.offset() % block).isZero();
        }
        assertRecords(1, legacyLast + 600);
        // Again, through the list of sealed segments (the old one is taken from its entry).
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().listed()).isEqualTo(1);
            assertThat(w.nextSeq()).isEqualTo(legacyLast + 601);
            frames.addSynced(w, legacyLast + 601, legacyLast + 700);
        }
        assertRecords(1, legacyLast + 700);
    }

    @Test
    void aTornChunkInA512AlignedTailIsCutAtItsOwnPlacement() throws Exception {
        long legacyLast = writeLegacyTail(4 * MIB);
        SegmentFiles.Chunk last = SegmentFiles.chunks(SegmentFiles.segment(segments(), 1)).getLast();
        // One 512-byte sector of the last chunk's body never reached the disk.
        SegmentFiles.zero(SegmentFiles.segment(segments(), 1), last.offset() + LEGACY_ALIGNMENT, LEGACY_ALIGNMENT);
        SegmentRecoveryReport r = SegmentRecovery.inspect(segments(), SegmentFrames.LOG_ID);
        assertThat(r.tailEnd()).isEqualTo(last.offset());
        assertThat(r.lastSeq()).isEqualTo(last.firstSeq() - 1);
        assertThat(r.dropped()).singleElement().satisfies(d -> assertThat(d.offset()).isEqualTo(last.offset()));
        try (SegmentWriter w = open()) {
            assertThat(w.nextSeq()).isEqualTo(last.firstSeq());
            frames.addSynced(w, last.firstSeq(), legacyLast + 100);
        }
        assertRecords(1, legacyLast + 100);
    }
}

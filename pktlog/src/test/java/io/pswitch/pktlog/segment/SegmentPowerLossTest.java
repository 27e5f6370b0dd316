package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss, modelled for direct I/O: a real writer runs a random workload (chunks of random
 * sizes, syncs at random points) and every write it makes is recorded at 512-byte sector
 * granularity. A crash image at a point k keeps everything up to the last sync before k, and each
 * sector of the writes in flight since is old, new or zero, independently (so in-flight writes
 * complete in any order and in part). Recovery runs on every image and must keep every record of
 * the last sync, accept nothing that was not written exactly so, and stop at a chunk boundary.
 * Some images are then opened by a real writer, which seals the tail; crash images of that seal
 * must recover to the same log. {@code -Dpswitch.long=true} builds ten times more images.
 */
class SegmentPowerLossTest {
    private static final boolean LONG = Boolean.getBoolean("pswitch.long");
    private static final int SECTOR = 512;
    private static final long MIB = 1 << 20;
    private static final int SCENARIOS = 16;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    /** The file after one write, and the seqs it made written / durable. */
    private record Op(boolean sync, byte[] segment, byte[] checkpoint, int[] changedSectors, long writtenSeq, long durableSeq) {
    }

    private Random rnd;
    private int images;
    private int sealImages;
    private long recordsChecked;

    @Test
    void recoveryNeverAcceptsABadRecordAndNeverLosesASyncedOne() throws Exception {
        int target = LONG ? 100_000 : 10_000;
        rnd = new Random(0x5E6_2026L);
        try (SegmentFrames frames = new SegmentFrames(shm.resolve("pool"), 2048)) {
            int perScenario = target / SCENARIOS + 1;
            for (int s = 0; s < SCENARIOS; s++) {
                Path dir = shm.resolve("scenario-" + s);
                // Odd scenarios write into a recycled segment file: its "old" sectors are a previous life's chunks.
                boolean recycled = s % 2 == 1;
                Path seg = record(frames, dir, recycled);
                crashImages(recorded, dir, seg, perScenario);
            }
        }
        assertThat(images).isGreaterThanOrEqualTo(target);
        assertThat(sealImages).isPositive();
        assertThat(recordsChecked).isPositive();
        System.out.printf("segment power loss: %d chunk-write images, %d seal images, %d records checked%n", images,
                sealImages, recordsChecked);
    }

    private List<Op> recorded;

    /**
     * Runs a random workload on a real writer and records the segment file it writes after every
     * write and sync (into {@link #recorded}); returns the segment's path.
     */
    private Path record(SegmentFrames frames, Path dir, boolean recycled) throws IOException {
        List<Op> ops = new ArrayList<>();
        recorded = ops;
        Path cp = dir.resolve(CheckpointDescriptor.FILE_NAME);
        long seq = 1;
        if (recycled) {
            // Two full segments of an earlier life; the workload's first segment then reuses the oldest file.
            try (SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(2 * MIB, MIB).withRecycle(true))) {
                while (w.counters().segmentsSealed() < 2) {
                    frames.add(w, seq++, 0);
                }
                w.write();
                w.sync();
                w.seal();
                seq = w.writtenSeq() + 1;
            }
        }
        SegmentConfig cfg = SegmentFrames.config(recycled ? 2 * MIB : 8 * MIB, MIB).withRecycle(recycled)
                .withCheckpointIntervalNs(rnd.nextBoolean() ? 0 : Long.MAX_VALUE);
        Path seg;
        try (SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, cfg)) {
            byte[] prev = null;
            seg = null;
            int chunks = 6 + rnd.nextInt(10);
            for (int c = 0; c < chunks; c++) {
                int n = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(10));
                for (int i = 0; i < n; i++) {
                    frames.add(w, seq++, 0);
                }
                w.write();
                if (seg == null) {
                    seg = SegmentFiles.segments(dir).getLast();
                    assertThat(w.counters().segmentsRecycled()).isEqualTo(recycled ? 1 : 0);
                }
                byte[] now = Files.readAllBytes(seg);
                ops.add(new Op(false, now, Files.readAllBytes(cp), prev == null ? new int[0] : changed(prev, now),
                        w.writtenSeq(), w.durableSeq()));
                prev = now;
                if (c == 0 || rnd.nextInt(3) == 0) {
                    w.sync();
                    ops.add(new Op(true, now, Files.readAllBytes(cp), new int[0], w.writtenSeq(), w.durableSeq()));
                }
            }
            assertThat(w.counters().segmentsSealed()).as("the workload stays in one segment").isZero();
        }
        return seg;
    }

    private static int[] changed(byte[] before, byte[] after) {
        int[] out = new int[after.length / SECTOR];
        int n = 0;
        for (int s = 0; s < out.length; s++) {
            if (Arrays.mismatch(before, s * SECTOR, s * SECTOR + SECTOR, after, s * SECTOR, s * SECTOR + SECTOR) >= 0) {
                out[n++] = s;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private void crashImages(List<Op> ops, Path dir, Path segName, int count) throws IOException {
        // The first write created the segment and was synced: crashes are modelled after it.
        int firstSync = 1;
        int points = ops.size() - firstSync;
        int perPoint = count / points + 1;
        byte[] work = null;
        int base = -1;
        for (int k = firstSync; k < ops.size(); k++) {
            int s = k;
            while (!ops.get(s).sync()) {
                s--;
            }
            if (s != base) {
                work = ops.get(s).segment().clone();
                base = s;
            }
            List<Integer> inFlight = new ArrayList<>();
            for (int j = s + 1; j <= k; j++) {
                for (int sector : ops.get(j).changedSectors()) {
                    inFlight.add(sector);
                }
            }
            byte[] old = ops.get(s).segment();
            byte[] now = ops.get(k).segment();
            for (int i = 0; i < perPoint; i++) {
                int mode = i == 0 ? 1 : i == 1 ? 0 : 2;
                for (int sector : inFlight) {
                    int choice = mode == 2 ? rnd.nextInt(3) : mode;
                    int at = sector * SECTOR;
                    if (choice == 1) {
                        System.arraycopy(now, at, work, at, SECTOR);
                    } else if (choice == 2) {
                        Arrays.fill(work, at, at + SECTOR, (byte) 0);
                    }
                }
                SegmentRecoveryReport r = check(dir, segName, work, ops.get(k).checkpoint(), ops.get(s).durableSeq(),
                        ops.get(k).writtenSeq());
                images++;
                if (i % 199 == 5 && r.tailEnd() > SegmentDescriptor.HEADER_SIZE) {
                    sealCrashImages(dir, segName, work, ops.get(k).checkpoint(), r);
                }
                for (int sector : inFlight) {
                    System.arraycopy(old, sector * SECTOR, work, sector * SECTOR, SECTOR);
                }
            }
        }
    }

    /** Recovers one image and checks it against what was written and synced. */
    private SegmentRecoveryReport check(Path dir, Path segName, byte[] image, byte[] checkpoint, long durable, long written) {
        MemoryStore store = new MemoryStore();
        store.files.put(segName, MemorySegment.ofArray(image));
        store.checkpoint = checkpoint;
        SegmentRecoveryReport r = SegmentRecovery.recover(store, dir, SegmentFrames.LOG_ID, false);
        assertThat(r.refused()).isEmpty();
        assertThat(r.lastSeq()).as("a synced record is never lost").isGreaterThanOrEqualTo(durable);
        assertThat(r.lastSeq()).as("nothing past what was written").isLessThanOrEqualTo(written);
        assertAcceptedChunksAreExact(image, r.tailEnd(), r.lastSeq());
        return r;
    }

    /** Every chunk up to the recovered end verifies and holds exactly the records written, 1..lastSeq. */
    private void assertAcceptedChunksAreExact(byte[] image, long end, long lastSeq) {
        ChunkScanner sc = new ChunkScanner();
        SegmentImage img = SegmentImage.of(MemorySegment.ofArray(image));
        int a = SegmentDescriptor.alignment(MemorySegment.ofArray(image));
        long pos = SegmentDescriptor.HEADER_SIZE;
        long expected = SegmentDescriptor.firstSeq(MemorySegment.ofArray(image));
        long first = expected;
        while (pos < end) {
            assertThat(sc.load(img, pos, SegmentDescriptor.footerOffset(image.length), a)).isEqualTo(ChunkStatus.VALID);
            assertThat(sc.verifyRecords()).isEqualTo(ChunkStatus.VALID);
            MemorySegment buf = sc.buffer();
            for (int i = 0; i < sc.count(); i++) {
                // Plain checks: this runs for every record of every image.
                int at = sc.recordAt(i);
                long seq = ChunkDescriptor.seq(buf, at);
                int stored = SegmentFrames.stored(seq);
                if (seq != expected++ || ChunkDescriptor.storedLength(buf, at) != stored
                        || ChunkDescriptor.tsNs(buf, at) != SegmentFrames.ts(seq)) {
                    throw new AssertionError("chunk at " + pos + " record " + i + " is seq " + seq + ", expected " + (expected - 1));
                }
                long data = sc.dataAt(i);
                for (int b = 0; b < stored; b += 61) {
                    if (buf.get(ValueLayout.JAVA_BYTE, data + b) != SegmentFrames.byteAt(seq, 0, b)) {
                        throw new AssertionError("seq " + seq + " byte " + b + " is not what was written");
                    }
                }
                recordsChecked++;
            }
            pos += sc.length();
        }
        assertThat(pos).isEqualTo(end);
        assertThat(expected - 1).isEqualTo(Math.max(lastSeq, first - 1));
    }

    /**
     * Opens a real writer on {@code image} (it seals the tail at the recovered end), records the
     * seal's writes, and checks crash images of them: the log must stay what recovery found.
     */
    private void sealCrashImages(Path dir, Path segName, byte[] image, byte[] checkpoint, SegmentRecoveryReport before)
            throws IOException {
        Path live = shm.resolve("seal");
        deleteTree(live);
        Files.createDirectories(live);
        Path seg = live.resolve(segName.getFileName());
        Files.write(seg, image);
        Files.write(live.resolve(CheckpointDescriptor.FILE_NAME), checkpoint);
        SegmentConfig cfg = SegmentFrames.config(8 * MIB, MIB);
        try (SegmentWriter w = SegmentWriter.open(live, SegmentFrames.LOG_ID, cfg)) {
            assertThat(w.recoveryReport().dropped()).isEqualTo(before.dropped());
            assertThat(w.recoveryReport().lastSeq()).isEqualTo(before.lastSeq());
        }
        byte[] sealed = Files.readAllBytes(seg);
        byte[] cpAfter = Files.readAllBytes(live.resolve(CheckpointDescriptor.FILE_NAME));
        int[] sectors = changed(image, sealed);
        assertThat(sectors).as("the seal wrote the index and the footer").isNotEmpty();
        byte[] work = image.clone();
        for (int i = 0; i < 12; i++) {
            for (int sector : sectors) {
                int choice = i == 0 ? 1 : rnd.nextInt(3);
                int at = sector * SECTOR;
                if (choice == 1) {
                    System.arraycopy(sealed, at, work, at, SECTOR);
                } else if (choice == 2) {
                    Arrays.fill(work, at, at + SECTOR, (byte) 0);
                } else {
                    System.arraycopy(image, at, work, at, SECTOR);
                }
            }
            // The new epoch's checkpoint was synced before the seal began.
            SegmentRecoveryReport r = check(dir, segName, work, cpAfter, before.lastSeq(), before.lastSeq());
            assertThat(r.lastSeq()).isEqualTo(before.lastSeq());
            if (i == 0) {
                assertThat(r.tailSealed()).isTrue();
            }
            sealImages++;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}

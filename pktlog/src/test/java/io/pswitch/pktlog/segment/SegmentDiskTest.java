package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.query.LogQuery;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment tier against real storage: the page cache really is bypassed on the disk, and a
 * file system that fills up (a small tmpfs mounted for the test) costs the oldest segments, then
 * stops the writer until there is room again, and a log too large for its file system is refused
 * at start in one line.
 */
class SegmentDiskTest {
    private static final long MIB = 1 << 20;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    @TempDir
    Path mountParent;

    private SegmentFrames frames;
    private Path mounted;

    @BeforeEach
    void pool() {
        frames = new SegmentFrames(shm.resolve("pool"), 4096);
    }

    @AfterEach
    void cleanUp() throws Exception {
        frames.close();
        if (mounted != null) {
            run("umount", mounted.toString());
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + rc + ": " + out);
        }
        return out;
    }

    @Test
    void directWritesLeaveAlmostNothingInThePageCache() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/var/tmp")), "needs /var/tmp on a block file system");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fincore")) || Files.isExecutable(Path.of("/bin/fincore")),
                "needs fincore (util-linux)");
        Path dir = disk.resolve("segments");
        long written;
        try (SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(64 * MIB, 16 * MIB))) {
            Assumptions.assumeTrue(w.directIo() || !Files.isDirectory(Path.of("/var/tmp")),
                    "the file system refused O_DIRECT");
            long seq = 1;
            while (w.counters().bytesWritten() < 12 * MIB) {
                frames.add(w, seq++, 0);
                if (seq % 300 == 0) {
                    w.write();
                    w.sync();
                }
            }
            w.write();
            w.sync();
            written = w.counters().bytesWritten();
            assertThat(w.directIo()).isTrue();
        }
        long cached = 0;
        for (Path seg : SegmentFiles.segments(dir)) {
            String out = run("fincore", "--bytes", "--noheadings", "--output", "RES", seg.toString()).trim();
            cached += Long.parseLong(out);
        }
        assertThat(written).isGreaterThan(8 * MIB);
        assertThat(cached).as("page-cache bytes of %d written through O_DIRECT", written).isLessThan(written / 20);
    }

    private Path mountTmpfs(String size) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root");
        Path mnt = mountParent.resolve("segfull");
        Files.createDirectories(mnt);
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "pswseg-full", mnt.toString());
        mounted = mnt;
        return mnt;
    }

    /** Fills the file system with a filler file until it is full; returns the filler. */
    private static Path fill(Path dir, String name) throws IOException {
        Path filler = dir.resolve(name);
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
        return filler;
    }

    @Test
    void aLogLargerThanItsFileSystemIsRefusedInOneLine() throws Exception {
        Path mnt = mountTmpfs("8m");
        Path dir = mnt.resolve("segments");
        assertThatThrownBy(() -> SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(64 * MIB, MIB)))
                .isInstanceOf(SegmentException.class)
                .hasMessageStartingWith(dir + ": log size 67108864 bytes does not fit: the file system has ")
                .hasMessageEndingWith("bytes free and the log's segments take 0")
                .hasMessageNotContaining("\n");
    }

    private static void syncEvery(SegmentWriter w, long seq) {
        if (seq % 100 == 0) {
            w.write();
            w.sync();
        }
    }

    @Test
    void aFileSystemFilledByOthersCostsTheOldestSegmentsAndTheLogGoesOn() throws Exception {
        Path mnt = mountTmpfs("12m");
        Path dir = mnt.resolve("segments");
        long seq = 1;
        try (SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(8 * MIB, MIB))) {
            while (w.segmentCount() < 4) {
                frames.add(w, seq, 0);
                syncEvery(w, seq++);
            }
            assertThat(w.counters().segmentsDeleted()).isZero();
            fill(mnt, "filler");
            long sealedBefore = w.counters().segmentsSealed();
            while (w.counters().segmentsSealed() < sealedBefore + 2) {
                frames.add(w, seq, 0);
                syncEvery(w, seq++);
            }
            assertThat(w.counters().segmentsDeleted()).as("capacity was not the reason: the file system was").isGreaterThanOrEqualTo(2);
            assertThat(w.full()).isFalse();
            assertThat(w.counters().noSpaceEvents()).isZero();
        }
        List<SegmentFrames.Read> all = SegmentFrames.readAll(new SegmentReader(dir, SegmentFrames.LOG_ID), LogQuery.all());
        assertThat(all.getFirst().record().sequence()).isGreaterThan(1);
        assertThat(all.getLast().record().sequence()).isEqualTo(seq - 1);
        assertThat(all).hasSize((int) (seq - all.getFirst().record().sequence()));
        for (SegmentFrames.Read r : all) {
            SegmentFrames.assertRecord(r, r.record().sequence(), 0);
        }
    }

    @Test
    void whenNothingCanBeFreedTheWriterReportsFullKeepsItsChunkAndGoesOnOnceThereIsRoom() throws Exception {
        Path mnt = mountTmpfs("12m");
        Path dir = mnt.resolve("segments");
        long seq = 1;
        try (SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(8 * MIB, MIB))) {
            for (; seq <= 300; seq++) {
                frames.add(w, seq, 0);
                syncEvery(w, seq);
            }
            Path filler = fill(mnt, "filler");
            long status = 0;
            while (status != SegmentWriter.NO_SPACE) {
                long off = frames.fill(seq, 0);
                if (frames.add0(w, seq, off)) {
                    seq++;
                } else {
                    status = w.write();
                    assertThat(w.segmentCount()).as("one segment: nothing that may be freed").isEqualTo(1);
                    if (status != SegmentWriter.NO_SPACE) {
                        assertThat(frames.add0(w, seq, off)).isTrue();
                        seq++;
                    }
                }
            }
            assertThat(w.full()).isTrue();
            assertThat(w.counters().noSpaceEvents()).isEqualTo(1);
            long durable = w.sync();
            assertThat(durable).isLessThan(seq - 1);
            assertThat(w.write()).as("retried: still full").isEqualTo(SegmentWriter.NO_SPACE);
            assertThat(w.stagedRecords()).as("the chunk stays staged").isPositive();
            Files.delete(filler);
            assertThat(w.write()).isEqualTo(seq - 1);
            assertThat(w.full()).isFalse();
            assertThat(w.sync()).isEqualTo(seq - 1);
            assertThat(w.segmentCount()).isEqualTo(2);
        }
        List<SegmentFrames.Read> all = SegmentFrames.readAll(new SegmentReader(dir, SegmentFrames.LOG_ID), LogQuery.all());
        assertThat(all).hasSize((int) (seq - 1));
        for (int i = 0; i < all.size(); i++) {
            SegmentFrames.assertRecord(all.get(i), i + 1, 0);
        }
    }
}

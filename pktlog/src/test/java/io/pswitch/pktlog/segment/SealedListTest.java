package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.query.LogQuery;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The list of sealed segments ({@link SealedListDescriptor}) that lets the writer's recovery read
 * only the list, the checkpoint and the tail: that it does, through the real file system; and one
 * test per way the list can be wrong (a segment gone or changed since, another log's list, a torn
 * or damaged list), each asserting what recovery did and that the log stays whole.
 */
class SealedListTest {
    private static final long MIB = 1 << 20;
    private static final int RECORDS = 6000;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    private SegmentFrames frames;
    private Path dir;

    /** A log of several sealed 1 MiB segments and an unsealed tail, as a kill -9 leaves it. */
    @BeforeEach
    void writeALog() {
        frames = new SegmentFrames(shm.resolve("pool"), 1024);
        dir = disk.resolve("segments");
        try (SegmentWriter w = open()) {
            frames.addSynced(w, 1, RECORDS);
        }
        assertThat(sealedCount(SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID))).isGreaterThanOrEqualTo(5);
    }

    @AfterEach
    void closePool() {
        frames.close();
    }

    private SegmentWriter open() {
        return SegmentWriter.open(dir, SegmentFrames.LOG_ID, SegmentFrames.config(64 * MIB, MIB).withCheckpointIntervalNs(0));
    }

    private static long sealedCount(SegmentRecoveryReport r) {
        return r.segments().stream().filter(SegmentSummary::sealed).count();
    }

    /** Every record the reader returns is intact and in order; returns their sequences. */
    private List<Long> readAll() {
        List<SegmentFrames.Read> all = SegmentFrames.readAll(new SegmentReader(dir, SegmentFrames.LOG_ID), LogQuery.all());
        List<Long> seqs = new ArrayList<>();
        for (SegmentFrames.Read r : all) {
            SegmentFrames.assertRecord(r, r.record().sequence(), 0);
            seqs.add(r.record().sequence());
        }
        return seqs;
    }

    private void assertLogIs(long first, long last) {
        List<Long> seqs = readAll();
        assertThat(seqs).hasSize((int) (last - first + 1));
        assertThat(seqs.getFirst()).isEqualTo(first);
        assertThat(seqs.getLast()).isEqualTo(last);
    }

    /** What matters of a summary, whichever way recovery found it. */
    private static List<String> summaries(SegmentRecoveryReport r) {
        List<String> out = new ArrayList<>();
        for (SegmentSummary s : r.segments()) {
            out.add(s.number() + " " + s.firstSeq() + ".." + s.lastSeq() + " " + s.firstTsNs() + ".." + s.lastTsNs() + " "
                    + s.records() + (s.sealed() ? " sealed" : "") + " end " + s.chunksEnd() + " epoch " + s.epoch());
        }
        return out;
    }

    @Test
    void theWritersRecoveryTakesSealedSegmentsFromTheListAndFindsWhatAFullCheckFinds() {
        SegmentRecoveryReport full = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        SegmentRecoveryReport listed = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                new HashMap<>(), true);
        assertThat(listed.listProblem()).isNull();
        assertThat(listed.listed()).isEqualTo(sealedCount(full));
        assertThat(summaries(listed)).isEqualTo(summaries(full));
        assertThat(listed.lastSeq()).isEqualTo(RECORDS);
        assertThat(listed.maxEpoch()).isEqualTo(full.maxEpoch());
        assertThat(listed.nextSegmentNumber()).isEqualTo(full.nextSegmentNumber());
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().listed()).isEqualTo(sealedCount(full));
            assertThat(w.recoveryReport().toString()).contains(sealedCount(full) + " sealed from the list");
            frames.addSynced(w, RECORDS + 1, RECORDS + 100);
        }
        assertLogIs(1, RECORDS + 100);
        // The tail the writer sealed at open is in the list too: the next recovery reads no footer.
        SegmentRecoveryReport again = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                new HashMap<>(), true);
        assertThat(again.listProblem()).isNull();
        assertThat(again.listed()).isEqualTo(sealedCount(SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID)));
    }

    @Test
    void recoveryOfManySegmentsOpensOnlyTheTail() {
        try (SegmentWriter w = open()) {
            frames.addSynced(w, RECORDS + 1, 4 * RECORDS);
        }
        List<Path> segs = SegmentFiles.segments(dir);
        assertThat(segs.size()).isGreaterThanOrEqualTo(20);
        CountingStore withList = new CountingStore(dir);
        SegmentRecoveryReport r = SegmentRecovery.recover(withList, dir, SegmentFrames.LOG_ID, false, new HashMap<>(), true);
        assertThat(r.lastSeq()).isEqualTo(4 * RECORDS);
        assertThat(r.listed()).isEqualTo(segs.size() - 1);
        assertThat(withList.opened.keySet()).as("segment files opened").containsExactly(segs.getLast());
        assertThat(withList.opened.get(segs.getLast())).as("bytes read of the tail").isLessThan(MIB);
        assertThat(withList.listBytes).isEqualTo(SealedListDescriptor.entryOffset(segs.size() - 1));

        CountingStore without = new CountingStore(dir);
        SegmentRecoveryReport full = SegmentRecovery.recover(without, dir, SegmentFrames.LOG_ID, false, new HashMap<>(), false);
        assertThat(without.opened.keySet()).as("without the list every segment is opened").containsAll(segs);
        assertThat(summaries(full)).isEqualTo(summaries(r));
    }

    @Test
    void aListedSegmentDeletedSinceIsNotInTheLogAndTheListIsWrittenAnew() throws IOException {
        List<Path> segs = SegmentFiles.segments(dir);
        SegmentRecoveryReport before = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        long secondFirst = before.segments().get(1).firstSeq();
        Files.delete(segs.getFirst());
        try (SegmentWriter w = open()) {
            SegmentRecoveryReport r = w.recoveryReport();
            assertThat(r.listProblem()).isEqualTo("0 damaged entries, 1 of segments gone, 0 sealed segments not listed");
            assertThat(r.segments()).extracting(SegmentSummary::path).doesNotContain(segs.getFirst());
            assertThat(r.firstSeq()).isEqualTo(secondFirst);
        }
        SegmentRecoveryReport next = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                new HashMap<>(), true);
        assertThat(next.listProblem()).as("written anew without it").isNull();
        assertLogIs(secondFirst, RECORDS);
    }

    @Test
    void theCheckpointNamingADeletedTailMeansTheNewestListedSegmentEndsTheLog() throws IOException {
        Path tail = SegmentFiles.segments(dir).getLast();
        SegmentRecoveryReport before = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        SegmentSummary lastSealed = before.segments().get(before.segments().size() - 2);
        long checkpointed = SegmentCheckpoint.read(dir, SegmentFrames.LOG_ID).checkpoint().chunksEnd();
        Files.delete(tail);
        try (SegmentWriter w = open()) {
            SegmentRecoveryReport r = w.recoveryReport();
            assertThat(r.checkpointUsed()).isFalse();
            assertThat(r.checkpointProblem()).isEqualTo("the checkpoint names segment " + before.tailSegment() + " offset "
                    + checkpointed + ", not the tail "
                    + lastSealed.number());
            assertThat(r.tailSealed()).isTrue();
            assertThat(r.lastSeq()).isEqualTo(lastSealed.lastSeq());
            assertThat(r.nextSegmentNumber()).as("the deleted tail's number is not reused").isGreaterThan(before.tailSegment());
            assertThat(w.nextSeq()).isEqualTo(lastSealed.lastSeq() + 1);
            frames.addSynced(w, lastSealed.lastSeq() + 1, lastSealed.lastSeq() + 100);
        }
        assertLogIs(1, lastSealed.lastSeq() + 100);
    }

    @Test
    void aListedSegmentDamagedSinceIsTrustedByTheWriterAndRefusedByNameByReaders() {
        List<Path> segs = SegmentFiles.segments(dir);
        Path middle = segs.get(2);
        SegmentRecoveryReport before = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        SegmentSummary damaged = before.segments().get(2);
        SegmentFiles.flip(middle, SegmentDescriptor.SEGMENT_SIZE_OFFSET);
        try (SegmentWriter w = open()) {
            // Not read at open: the switch starts in the same time whatever happened to old segments.
            assertThat(w.recoveryReport().refused()).isEmpty();
            assertThat(w.recoveryReport().listed()).isEqualTo(sealedCount(before));
            frames.addSynced(w, RECORDS + 1, RECORDS + 100);
        }
        assertThat(Files.exists(middle)).as("never set aside on trust").isTrue();
        SegmentRecoveryReport r = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        assertThat(r.refused()).singleElement().satisfies(ref -> {
            assertThat(ref.path()).isEqualTo(middle);
            assertThat(ref.reason()).isEqualTo("damaged header (CRC mismatch)");
        });
        List<Long> seqs = readAll();
        assertThat(seqs).hasSize((int) (RECORDS + 100 - damaged.records()));
        assertThat(seqs).doesNotContain(damaged.firstSeq(), damaged.lastSeq());
        assertThat(seqs.getFirst()).isEqualTo(1);
        assertThat(seqs.getLast()).isEqualTo(RECORDS + 100);
    }

    @Test
    void aListedSegmentReplacedByAnotherLogsIsRefusedByNameByReaders() throws IOException {
        Path other = disk.resolve("other");
        try (SegmentWriter w = SegmentWriter.open(other, UUID.randomUUID(), SegmentFrames.config(64 * MIB, MIB))) {
            frames.addSynced(w, 1, 20);
        }
        Path victim = SegmentFiles.segments(dir).get(1);
        SegmentRecoveryReport before = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        Files.copy(SegmentFiles.segments(other).getFirst(), victim, StandardCopyOption.REPLACE_EXISTING);
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().refused()).isEmpty();
        }
        assertThat(SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID).refused()).singleElement()
                .satisfies(ref -> assertThat(ref.reason()).startsWith("belongs to log "));
        assertThat(readAll()).hasSize((int) (RECORDS - before.segments().get(1).records()));
    }

    @Test
    void aListOfAnotherLogIsIgnoredWithItsReasonAndReplaced() throws IOException {
        Path other = disk.resolve("other");
        try (SegmentWriter w = SegmentWriter.open(other, UUID.randomUUID(), SegmentFrames.config(64 * MIB, MIB))) {
            frames.addSynced(w, 1, 3000);
            w.seal();
        }
        Files.copy(SealedList.path(other), SealedList.path(dir), StandardCopyOption.REPLACE_EXISTING);
        SegmentRecoveryReport full = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        try (SegmentWriter w = open()) {
            SegmentRecoveryReport r = w.recoveryReport();
            assertThat(r.listed()).isZero();
            assertThat(r.listProblem()).contains("belongs to log").contains(SegmentFrames.LOG_ID.toString());
            assertThat(summaries(r)).isEqualTo(summaries(full));
        }
        SegmentRecoveryReport next = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                new HashMap<>(), true);
        assertThat(next.listProblem()).isNull();
        assertThat(next.listed()).isEqualTo(sealedCount(full) + 1);
        assertLogIs(1, RECORDS);
    }

    @Test
    void aTornLastEntryCostsOnlyThatSegmentsFooter() throws IOException {
        Path list = SealedList.path(dir);
        long size = Files.size(list);
        long entries = (size - SealedListDescriptor.HEADER_SIZE) / SealedListDescriptor.ENTRY_SIZE;
        SegmentFiles.truncate(list, size - SealedListDescriptor.ENTRY_SIZE / 2);
        SegmentRecoveryReport full = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        try (SegmentWriter w = open()) {
            SegmentRecoveryReport r = w.recoveryReport();
            assertThat(r.listed()).isEqualTo(entries - 1);
            assertThat(r.listProblem()).isEqualTo("1 damaged entries, 0 of segments gone, 1 sealed segments not listed");
            assertThat(summaries(r)).isEqualTo(summaries(full));
        }
        assertThat((Files.size(list) - SealedListDescriptor.HEADER_SIZE) % SealedListDescriptor.ENTRY_SIZE)
                .as("written anew, whole entries").isZero();
        assertLogIs(1, RECORDS);
    }

    @Test
    void aDamagedEntryInTheMiddleCostsOnlyThatSegmentsFooter() {
        Path list = SealedList.path(dir);
        SegmentFiles.flip(list, SealedListDescriptor.entryOffset(1) + SealedListDescriptor.LAST_SEQ_OFFSET);
        SegmentRecoveryReport full = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        SegmentRecoveryReport r = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                new HashMap<>(), true);
        assertThat(r.listed()).isEqualTo(sealedCount(full) - 1);
        assertThat(r.listProblem()).isEqualTo("1 damaged entries, 0 of segments gone, 1 sealed segments not listed");
        assertThat(summaries(r)).as("the damaged entry's value is not used").isEqualTo(summaries(full));
    }

    @Test
    void everyTornOrZeroedStateOfTheListFindsWhatAFullCheckFinds() throws IOException {
        // What a crash can leave of unsynced appends: the file cut anywhere, or 512-byte sectors zeroed.
        Path list = SealedList.path(dir);
        byte[] whole = Files.readAllBytes(list);
        List<String> full = summaries(SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID));
        for (int len = 0; len <= whole.length; len++) {
            Files.write(list, java.util.Arrays.copyOf(whole, len));
            SegmentRecoveryReport r = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                    new HashMap<>(), true);
            assertThat(summaries(r)).as("list cut at %d bytes", len).isEqualTo(full);
            assertThat(r.listed()).isEqualTo(len < SealedListDescriptor.HEADER_SIZE ? 0
                    : (len - SealedListDescriptor.HEADER_SIZE) / SealedListDescriptor.ENTRY_SIZE);
        }
        for (int sector = 0; sector * 512 < whole.length; sector++) {
            byte[] b = whole.clone();
            java.util.Arrays.fill(b, sector * 512, Math.min(b.length, sector * 512 + 512), (byte) 0);
            Files.write(list, b);
            SegmentRecoveryReport r = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                    new HashMap<>(), true);
            assertThat(summaries(r)).as("sector %d zeroed", sector).isEqualTo(full);
        }
    }

    @Test
    void aDamagedListHeaderMeansEveryFooterIsRead() {
        SegmentFiles.flip(SealedList.path(dir), SealedListDescriptor.LOG_ID_OFFSET);
        SegmentRecoveryReport full = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
        try (SegmentWriter w = open()) {
            SegmentRecoveryReport r = w.recoveryReport();
            assertThat(r.listed()).isZero();
            assertThat(r.listProblem()).endsWith("damaged header (bad magic or CRC)");
            assertThat(summaries(r)).isEqualTo(summaries(full));
        }
        assertLogIs(1, RECORDS);
    }

    @Test
    void numbersTheListStillNamesAreNeverReusedForNewSegments() throws IOException {
        // Every segment and the checkpoint removed by hand; the list (naming them) left behind.
        long maxListed = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID).segments().stream()
                .filter(SegmentSummary::sealed).mapToLong(SegmentSummary::number).max().orElseThrow();
        for (Path p : SegmentFiles.segments(dir)) {
            Files.delete(p);
        }
        Files.delete(dir.resolve(CheckpointDescriptor.FILE_NAME));
        try (SegmentWriter w = open()) {
            assertThat(w.recoveryReport().segments()).isEmpty();
            assertThat(w.recoveryReport().nextSegmentNumber()).isGreaterThan(maxListed);
            frames.addSynced(w, 1, 3000);
        }
        SegmentRecoveryReport r = SegmentRecovery.recover(SegmentStore.directory(dir), dir, SegmentFrames.LOG_ID, false,
                new HashMap<>(), true);
        assertThat(r.segments()).allSatisfy(s -> assertThat(s.number()).isGreaterThan(maxListed));
        assertThat(summaries(r)).isEqualTo(summaries(SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID)));
        assertLogIs(1, 3000);
    }

    /** The segments directory, with a count of the files opened and the bytes read through them. */
    static final class CountingStore implements SegmentStore {
        private final SegmentStore dir;
        final Map<Path, Long> opened = new HashMap<>();
        long listBytes;

        CountingStore(Path segmentsDir) {
            this.dir = SegmentStore.directory(segmentsDir);
        }

        @Override
        public List<Path> files() {
            return dir.files();
        }

        @Override
        public SegmentImage open(Path file) throws IOException {
            SegmentImage img = dir.open(file);
            opened.merge(file, 0L, Long::sum);
            return new SegmentImage() {
                @Override
                public long size() {
                    return img.size();
                }

                @Override
                public int read(long offset, MemorySegment dst, long dstOffset, int length) {
                    int n = img.read(offset, dst, dstOffset, length);
                    opened.merge(file, (long) n, Long::sum);
                    return n;
                }

                @Override
                public void close() {
                    img.close();
                }
            };
        }

        @Override
        public byte[] checkpointBytes() throws IOException {
            return dir.checkpointBytes();
        }

        @Override
        public byte[] sealedListBytes() throws IOException {
            byte[] b = dir.sealedListBytes();
            listBytes += b == null ? 0 : b.length;
            return b;
        }
    }
}

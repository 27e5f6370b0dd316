package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per recovery error path (LevelDB log_test style): each damages a real log in one way and
 * asserts what recovery kept, what it dropped and why.
 */
class RecoveryTest {
    private static final int BUFFERS = 64;
    private static final int USABLE = BUFFERS - BufferPoolDescriptor.RESERVED_BUFFERS;

    @TempDir(factory = ShmTempDirFactory.class)
    Path tmp;

    /** bufIdx of each sequence of the last log built by {@link #build}. */
    private final List<Integer> bufIdxOfSeq = new ArrayList<>();
    private int caseNo;

    /** Builds a log of {@code n} committed frames (frame tag = sequence, lengths 60..99) and closes it. */
    private LogFiles build(int n, int capacity) {
        LogFiles files = new LogFiles(tmp.resolve("base"));
        bufIdxOfSeq.clear();
        bufIdxOfSeq.add(0);
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(capacity, 0, 1))) {
            for (int i = 1; i <= n; i++) {
                long seq = TestFrames.appendNext(log, pool, length(i), 1_000L * i, i % 4);
                bufIdxOfSeq.add(log.bufIdx(seq));
            }
            log.commit();
        }
        return files;
    }

    private static int length(long seq) {
        return 60 + (int) (seq * 13 % 40);
    }

    private LogFiles copy(LogFiles base) {
        return base.copyTo(tmp.resolve("case" + (caseNo++)));
    }

    private long frameOffset(long seq) {
        return BufferPoolDescriptor.bufferOffset(LogFiles.BUFFER_SIZE, bufIdxOfSeq.get((int) seq));
    }

    /** Opens the log (running recovery), checks every kept record against what was appended, and closes it. */
    private RecoveryReport recover(LogFiles files, int capacity) {
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, files.index, new PacketLogConfig(capacity, 0, 1), LogStorage.MAPPED)) {
            RecoveryReport r = log.recoveryReport();
            BitSet free = new BitSet();
            for (int b : pool.freeBuffers()) {
                free.set(b);
            }
            for (long seq = r.oldestSeq(); seq < r.nextSeq(); seq++) {
                int buf = log.bufIdx(seq);
                assertThat(TestFrames.holds(pool, buf, seq, length(seq))).as("frame of seq %d", seq).isTrue();
                assertThat(free.get(buf)).as("buffer of kept seq %d must not be free", seq).isFalse();
            }
            assertThat(pool.freeCount() + r.recovered()).as("every buffer is free or owned by the log").isEqualTo(USABLE);
            return r;
        }
    }

    private static List<DroppedRecord> drops(int slotFrom, long seqFrom, long seqTo, RecordStatus reason, int capacity) {
        List<DroppedRecord> out = new ArrayList<>();
        for (long s = seqFrom; s <= seqTo; s++) {
            out.add(new DroppedRecord((int) (s % capacity), s, reason));
        }
        return out;
    }

    @Test
    void recoversAnEmptyLog() {
        LogFiles files = build(0, 16);
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isZero();
        assertThat(r.nextSeq()).isEqualTo(1);
        assertThat(r.dropped()).isEmpty();
    }

    @Test
    void recoversEveryCommittedRecordAfterACleanClose() {
        LogFiles files = build(10, 16);
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isEqualTo(10);
        assertThat(r.oldestSeq()).isEqualTo(1);
        assertThat(r.nextSeq()).isEqualTo(11);
        assertThat(r.oldestTimestampNs()).isEqualTo(1_000);
        assertThat(r.newestTimestampNs()).isEqualTo(10_000);
        assertThat(r.dropped()).isEmpty();
        assertThat(r.durationNs()).isPositive();
    }

    @Test
    void dropsATornRecordAtTheTail() {
        LogFiles files = build(5, 16);
        files.writeIndex(IndexFileDescriptor.slotOffset(5) + 32, new byte[32]); // second half never reached the disk
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isEqualTo(4);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(5, 5, RecordStatus.TORN));
    }

    @Test
    void dropsARecordWhoseFrameBytesChanged() {
        LogFiles files = build(5, 16);
        files.xorPoolByte(frameOffset(5) + 20, 0x01);
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isEqualTo(4);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(5, 5, RecordStatus.BAD_CRC));
    }

    @Test
    void dropsARecordPointingOutsideThePool() {
        LogFiles files = build(5, 16);
        files.writeIndex(IndexFileDescriptor.slotOffset(5) + IndexRecordDescriptor.BUF_IDX_OFFSET, new byte[] {(byte) 0xFF, 0x7F, 0, 0});
        RecoveryReport r = recover(files, 16);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(5, 5, RecordStatus.BAD_BUF_IDX));
        assertThat(r.recovered()).isEqualTo(4);
    }

    @Test
    void dropsARecordWithImpossibleLengths() {
        LogFiles files = build(5, 16);
        files.writeIndex(IndexFileDescriptor.slotOffset(5) + IndexRecordDescriptor.STORED_LENGTH_OFFSET, new byte[] {(byte) 200, 0, 0, 0});
        RecoveryReport r = recover(files, 16);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(5, 5, RecordStatus.BAD_LENGTH));
    }

    @Test
    void dropsARecordFoundInTheWrongSlot() {
        LogFiles files = build(4, 16);
        // A CRC-valid record of sequence 2 where sequence 5 belongs.
        files.withMapped((pool, index) -> TestFrames.craftRecord(index, 5, 2, 5_000, 0, bufIdxOfSeq.get(2), length(2),
                length(2), pool));
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isEqualTo(4);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(5, 2, RecordStatus.BAD_SEQUENCE));
    }

    @Test
    void dropsValidRecordsAfterAGap() {
        LogFiles files = build(6, 16);
        files.writeIndex(IndexFileDescriptor.slotOffset(3), new byte[64]);
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isEqualTo(2);
        assertThat(r.nextSeq()).isEqualTo(3);
        assertThat(r.dropped()).containsExactlyElementsOf(drops(4, 4, 6, RecordStatus.AFTER_GAP, 16));
    }

    @Test
    void dropsASecondRecordThatClaimsABufferAlreadyReferenced() {
        LogFiles files = build(5, 16);
        files.withMapped((pool, index) -> TestFrames.craftRecord(index, 6, 6, 6_000, 0, bufIdxOfSeq.get(2), length(2),
                length(2), pool));
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isEqualTo(5);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(6, 6, RecordStatus.DUPLICATE_BUFFER));
    }

    @Test
    void dropsARecordWhoseTimestampGoesBackwards() {
        LogFiles files = build(5, 16);
        int spare = BUFFERS - 1;
        files.withMapped((pool, index) -> {
            TestFrames.write(pool, spare, 6, 70);
            TestFrames.craftRecord(index, 6, 6, 10, 0, spare, 70, 70, pool);
        });
        RecoveryReport r = recover(files, 16);
        assertThat(r.recovered()).isEqualTo(5);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(6, 6, RecordStatus.BAD_TIMESTAMP));
    }

    @Test
    void neverResurrectsRetiredRecordsEvenWhenTheirFramesAreIntact() {
        LogFiles files = new LogFiles(tmp.resolve("retired"));
        int[] retiredBuffers = new int[3];
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 1))) {
            for (int i = 1; i <= 8; i++) {
                TestFrames.appendNext(log, pool, length(i), i, 0);
            }
            log.commit();
            for (int i = 0; i < 3; i++) {
                retiredBuffers[i] = log.bufIdx(i + 1);
            }
            assertThat(log.retireOldest(3)).isEqualTo(3);
        }
        // The retired records are still in their slots and their buffers still hold their frames.
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 1))) {
            RecoveryReport r = log.recoveryReport();
            assertThat(r.oldestSeq()).isEqualTo(4);
            assertThat(r.recovered()).isEqualTo(5);
            assertThat(r.retiredSeen()).isEqualTo(3);
            assertThat(r.dropped()).isEmpty();
            assertThat(pool.freeBuffers()).contains(retiredBuffers);
        }
    }

    @Test
    void fallsBackToTheOtherRetentionBlockWhenTheNewestIsTorn() {
        LogFiles files = new LogFiles(tmp.resolve("torn-retention"));
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(8, 0, 1))) {
            for (int i = 1; i <= 8; i++) {
                TestFrames.appendNext(log, pool, length(i), i, 0);
            }
            log.commit();
            log.retireOldest(3); // generation 2, written to block A... (generation parity decides)
        }
        files.xorIndexByte(IndexFileDescriptor.retentionBlockOffset(2) + IndexFileDescriptor.RETENTION_OLDEST_SEQ, 0x40);
        // Generation 2 is unreadable, generation 1 (oldest = 1) rules. Its records are intact because in a
        // real crash the torn marker means the flush did not finish, so the buffers were never freed.
        RecoveryReport r = recover(files, 8);
        assertThat(r.oldestSeq()).isEqualTo(1);
        assertThat(r.recovered()).isEqualTo(8);
        assertThat(r.retentionGeneration()).isEqualTo(1);
    }

    @Test
    void refusesToGuessWhenBothRetentionBlocksAreCorrupt() {
        LogFiles files = build(3, 16);
        files.xorIndexByte(IndexFileDescriptor.RETENTION_BLOCK_A_OFFSET + 8, 0x01);
        files.xorIndexByte(IndexFileDescriptor.RETENTION_BLOCK_B_OFFSET + 8, 0x01);
        try (BufferPool pool = files.openPool(BUFFERS)) {
            assertThatThrownBy(() -> PacketLog.open(pool, new PacketLogConfig(16, 0, 1)))
                    .isInstanceOf(IndexFileException.class)
                    .hasMessageContaining("both retention blocks are corrupt");
        }
    }

    @Test
    void restoresATruncatedIndexAndKeepsTheWholeRecords() {
        LogFiles files = build(5, 8);
        files.truncateIndex(IndexFileDescriptor.slotOffset(5) + 20);
        RecoveryReport r = recover(files, 8);
        assertThat(r.truncatedBytes()).isEqualTo(IndexFileDescriptor.fileSize(8) - IndexFileDescriptor.slotOffset(5) - 20);
        assertThat(r.recovered()).isEqualTo(4);
        assertThat(r.dropped()).containsExactly(new DroppedRecord(5, 5, RecordStatus.TORN));
        assertThat(files.index).hasSize(IndexFileDescriptor.fileSize(8));
    }

    @Test
    void truncatingTheIndexAnywhereInTheLastRecordsRecoversTheWholeRecordsBeforeTheCut() {
        int capacity = 8;
        LogFiles base = build(7, capacity); // sequences 1..7 in slots 1..7: the last records end the file
        long end = IndexFileDescriptor.fileSize(capacity);
        for (long cut = IndexFileDescriptor.slotOffset(5); cut < end; cut++) {
            LogFiles files = copy(base);
            files.truncateIndex(cut);
            int slot = (int) ((cut - IndexFileDescriptor.RECORDS_OFFSET) / 64);
            int rel = (int) ((cut - IndexFileDescriptor.RECORDS_OFFSET) % 64);
            LogVerifier.Report verified = LogVerifier.verify(files.pool, files.index);
            RecoveryReport r = recover(files, capacity);
            assertThat(r.recovered()).as("cut at %d", cut).isEqualTo(slot - 1);
            assertThat(r.truncatedBytes()).isEqualTo(end - cut);
            if (rel == 0) {
                assertThat(r.dropped()).as("cut at %d", cut).isEmpty();
            } else {
                assertThat(r.dropped()).as("cut at %d", cut).hasSize(1);
                assertThat(r.dropped().get(0).slot()).isEqualTo(slot);
                // Cut before the sequence echo: the record is visibly torn. Cut after the echo's first
                // byte (which holds all of these small sequence numbers): only the CRC can tell.
                assertThat(r.dropped().get(0).reason()).as("cut at %d", cut)
                        .isEqualTo(rel <= IndexRecordDescriptor.SEQUENCE_ECHO_OFFSET ? RecordStatus.TORN : RecordStatus.BAD_CRC);
            }
            assertThat(verified.validRecords()).isEqualTo(r.recovered());
            assertThat(verified.bad()).isEqualTo(r.dropped());
        }
    }

    /** The reasons a flipped byte at {@code offset} of a record may legitimately be reported with. */
    private static Set<RecordStatus> reasonsForFlipAt(int offset) {
        if (offset < 4 || (offset >= 8 && offset < 12) || (offset >= 56 && offset < 60)) {
            return EnumSet.of(RecordStatus.TORN);                        // sequence low word, magic/version/flags, echo
        }
        if (offset < 8) {
            return EnumSet.of(RecordStatus.BAD_SEQUENCE);                 // sequence high word: outside the window
        }
        if (offset >= 32 && offset < 40) {
            return EnumSet.of(RecordStatus.BAD_LENGTH, RecordStatus.BAD_CRC);
        }
        if (offset >= 40 && offset < 44) {
            return EnumSet.of(RecordStatus.BAD_BUF_IDX, RecordStatus.BAD_CRC);
        }
        return EnumSet.of(RecordStatus.BAD_CRC);
    }

    @Test
    void recordsBelowTheSegmentTiersFloorRetireUncheckedAndDurably() {
        LogFiles base = build(30, 64);
        LogFiles files = copy(base);
        // Damage below the floor is not looked at (the segments hold those records); above it, it is.
        files.xorPoolByte(frameOffset(10) + 20, 0x40);
        files.xorPoolByte(frameOffset(25) + 20, 0x40);
        RecoveryReport r;
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, files.index, new PacketLogConfig(64, 0, 1), LogStorage.MAPPED, 21)) {
            r = log.recoveryReport();
            assertThat(pool.freeCount() + r.recovered()).as("the buffers below the floor are free again").isEqualTo(USABLE);
        }
        assertThat(r.oldestSeq()).isEqualTo(21);
        assertThat(r.nextSeq()).isEqualTo(25);
        assertThat(r.recovered()).isEqualTo(4);
        assertThat(r.dropped()).extracting(DroppedRecord::sequence).containsExactly(25L, 26L, 27L, 28L, 29L, 30L);
        assertThat(r.dropped().getFirst().reason()).isEqualTo(RecordStatus.BAD_CRC);
        // The new oldest marker is durable: an open without the floor (and the offline verifier) find the same.
        RecoveryReport again = recover(files, 64);
        assertThat(again.oldestSeq()).isEqualTo(21);
        assertThat(again.nextSeq()).isEqualTo(25);
        assertThat(again.dropped()).isEmpty();
        assertThat(LogVerifier.verify(files.pool, files.index).oldestSeq()).isEqualTo(21);
        // A floor at or below the durable marker changes nothing.
        LogFiles low = copy(base);
        try (BufferPool pool = low.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, low.index, new PacketLogConfig(64, 0, 1), LogStorage.MAPPED, 1)) {
            assertThat(log.recoveryReport().oldestSeq()).isEqualTo(1);
            assertThat(log.recoveryReport().recovered()).isEqualTo(30);
        }
    }

    @Test
    void flippingAnyByteOfTheLastRecordsOrTheirFramesRecoversTheValidPrefix() {
        int capacity = 8;
        int n = 7;
        LogFiles base = build(n, capacity);
        for (int seq = n - 2; seq <= n; seq++) {
            for (int off = 0; off < IndexRecordDescriptor.RECORD_SIZE; off++) {
                LogFiles files = copy(base);
                files.xorIndexByte(IndexFileDescriptor.slotOffset(seq) + off, 0xFF);
                RecoveryReport r = recover(files, capacity);
                assertFlipRecovered(r, seq, n, capacity, reasonsForFlipAt(off), "record " + seq + " byte " + off);
            }
            for (int off = 0; off < length(seq); off++) {
                LogFiles files = copy(base);
                files.xorPoolByte(frameOffset(seq) + off, 0xFF);
                RecoveryReport r = recover(files, capacity);
                assertFlipRecovered(r, seq, n, capacity, EnumSet.of(RecordStatus.BAD_CRC), "frame " + seq + " byte " + off);
            }
        }
    }

    private static void assertFlipRecovered(RecoveryReport r, int seq, int n, int capacity, Set<RecordStatus> reasons,
                                            String what) {
        assertThat(r.recovered()).as(what).isEqualTo(seq - 1);
        assertThat(r.dropped()).as(what).hasSize(n - seq + 1);
        DroppedRecord first = r.dropped().get(0);
        assertThat(first.slot()).as(what).isEqualTo(seq % capacity);
        assertThat(first.reason()).as(what).isIn(reasons);
        assertThat(r.dropped().subList(1, r.dropped().size())).as(what)
                .containsExactlyElementsOf(drops(seq + 1, seq + 1, n, RecordStatus.AFTER_GAP, capacity));
    }

    @Test
    void recoveringTwiceGivesTheSameLog() {
        LogFiles files = build(7, 16);
        files.xorPoolByte(frameOffset(4), 0x10);
        RecoveryReport first = recover(files, 16);
        byte[] afterFirst = files.indexBytes();
        RecoveryReport second = recover(files, 16);
        assertThat(first.recovered()).isEqualTo(3);
        assertThat(first.dropped()).hasSize(4);
        assertThat(second.recovered()).isEqualTo(first.recovered());
        assertThat(second.oldestSeq()).isEqualTo(first.oldestSeq());
        assertThat(second.nextSeq()).isEqualTo(first.nextSeq());
        assertThat(second.dropped()).as("the first recovery repaired everything").isEmpty();
        assertThat(files.indexBytes()).isEqualTo(afterFirst);
    }

    @Test
    void newRecordsFollowTheTruncatedTailAndDroppedRecordsNeverReturn() {
        LogFiles files = build(7, 16);
        files.writeIndex(IndexFileDescriptor.slotOffset(4), new byte[64]);
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 0, 1))) {
            assertThat(log.recoveryReport().dropped()).containsExactlyElementsOf(drops(5, 5, 7, RecordStatus.AFTER_GAP, 16));
            // Tags 1004, 1005: distinguishable from the dropped frames 4 and 5.
            assertThat(TestFrames.append(log, pool, 1004, 64, 50_000, 1)).isEqualTo(4);
            assertThat(TestFrames.append(log, pool, 1005, 64, 51_000, 1)).isEqualTo(5);
            log.commit();
        } // "crash" right after the commit
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 0, 1))) {
            RecoveryReport r = log.recoveryReport();
            assertThat(r.recovered()).as("old 6 and 7 must not come back after the new 5").isEqualTo(5);
            assertThat(r.dropped()).isEmpty();
            assertThat(TestFrames.holds(pool, log.bufIdx(4), 1004, 64)).isTrue();
            assertThat(TestFrames.holds(pool, log.bufIdx(5), 1005, 64)).isTrue();
            assertThat(TestFrames.appendNext(log, pool, 60, 60_000, 0)).isEqualTo(6);
        }
    }

    @Test
    void claimAllRemovesExactlyTheOwnedFreeBuffers() {
        try (BufferPool pool = BufferPool.open(tmp.resolve("claim/pool"), 256, 32)) {
            BitSet owned = new BitSet();
            owned.set(3);
            owned.set(17);
            owned.set(31);
            assertThat(pool.claimAll(owned)).isEqualTo(3);
            assertThat(pool.freeCount()).isEqualTo(32 - 2 - 3);
            assertThat(pool.freeBuffers()).doesNotContain(3, 17, 31).contains(2, 4, 30);
            assertThat(pool.claimAll(owned)).as("already claimed").isZero();
        }
    }
}

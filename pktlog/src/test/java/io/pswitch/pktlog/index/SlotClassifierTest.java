package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SlotClassifier} (the whole-index scan's bulk path) against {@link RecordValidator} (the
 * one-record path it stands in for): on a real log that spans several chunks and has wrapped, every
 * slot, and every byte of slots at and around the chunk boundaries damaged in several ways, must get
 * the same status from both. Then a scan of a truncated read-only index, whose cut slot goes through
 * the one-record path, must equal the scan of the same bytes zero-extended, which goes through the
 * bulk path.
 */
class SlotClassifierTest {
    // Not a power of two (the slot is a remainder) and not a multiple of the chunk: the last chunk is short.
    private static final int CAPACITY = 2 * SlotClassifier.CHUNK_SLOTS + 452;
    private static final int BUFFERS = 4096;
    private static final int FRAMES = CAPACITY + 600;
    private static final int[] PROBED_SLOTS = {0, 1, SlotClassifier.CHUNK_SLOTS - 1, SlotClassifier.CHUNK_SLOTS,
        SlotClassifier.CHUNK_SLOTS + 1, 2 * SlotClassifier.CHUNK_SLOTS, FRAMES % CAPACITY, FRAMES % CAPACITY + 1, CAPACITY - 1};

    @TempDir(factory = ShmTempDirFactory.class)
    Path tmp;

    private LogFiles files;
    private long oldest;

    /** A log of {@code frames} committed frames in an index of {@link #CAPACITY} slots, closed. */
    private void build(String name, int frames) throws Exception {
        files = new LogFiles(tmp.resolve(name));
        Files.createDirectories(files.dir);
        try (BufferPool pool = files.openPool(BUFFERS);
             PacketLog log = PacketLog.open(pool, files.index, new PacketLogConfig(CAPACITY, 0, 1), LogStorage.MAPPED)) {
            for (int i = 1; i <= frames; i++) {
                TestFrames.appendNext(log, pool, 14 + i * 37 % 240, 1_000L * i, i % 4);
            }
            log.commit();
            oldest = log.oldestSeq();
        }
    }

    @Test
    void everySlotAndEveryDamagedByteGetTheValidatorsStatus() throws Exception {
        build("wrapped", FRAMES);
        assertThat(oldest).as("the log has wrapped and retired").isGreaterThan(1);
        Set<RecordStatus> seen = EnumSet.noneOf(RecordStatus.class);
        try (BufferPool pool = BufferPool.openExisting(files.pool); IndexFile file = IndexFile.openReadOnly(files.index, null);
             Arena arena = Arena.ofConfined()) {
            // A private copy of the index to damage; the pool is damaged in place and restored.
            MemorySegment index = arena.allocate(file.segment().byteSize(), 64).copyFrom(file.segment());
            SlotClassifier bulk = new SlotClassifier(pool, CAPACITY);
            RecordValidator one = new RecordValidator(pool, CAPACITY);
            for (long window : new long[] {oldest, oldest + 100, oldest - CAPACITY}) {
                for (int slot = 0; slot < CAPACITY; slot++) {
                    seen.add(assertSame(bulk, one, index, slot, window, "undamaged"));
                }
            }
            for (int slot : PROBED_SLOTS) {
                long at = IndexFileDescriptor.slotOffset(slot);
                for (int off = 0; off < IndexRecordDescriptor.RECORD_SIZE; off++) {
                    for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                        xor(index, at + off, mask);
                        seen.add(assertSame(bulk, one, index, slot, oldest, "byte " + off + " ^ " + mask));
                        xor(index, at + off, mask);
                    }
                }
                MemorySegment rec = index.asSlice(at, IndexRecordDescriptor.RECORD_SIZE);
                int bufIdx = IndexRecordDescriptor.bufIdx(rec);
                int stored = IndexRecordDescriptor.storedLength(rec);
                for (int off : new int[] {0, stored / 2, stored - 1}) {
                    xor(pool.segment(), pool.offset(bufIdx) + off, 0x10);
                    seen.add(assertSame(bulk, one, index, slot, oldest, "frame byte " + off));
                    xor(pool.segment(), pool.offset(bufIdx) + off, 0x10);
                }
                byte[] saved = rec.toArray(ValueLayout.JAVA_BYTE);
                rec.fill((byte) 0);
                seen.add(assertSame(bulk, one, index, slot, oldest, "zeroed"));
                MemorySegment.copy(MemorySegment.ofArray(saved), 0, rec, 0, saved.length);
            }
        }
        assertThat(seen).as("statuses the comparison went through").containsAll(EnumSet.of(RecordStatus.VALID,
                RecordStatus.EMPTY, RecordStatus.RETIRED, RecordStatus.TORN, RecordStatus.BAD_SEQUENCE,
                RecordStatus.BAD_BUF_IDX, RecordStatus.BAD_LENGTH, RecordStatus.BAD_CRC));
    }

    @Test
    void aTruncatedReadOnlyIndexScansAsItsBytesZeroExtended() throws Exception {
        // Not wrapped: sequence n sits in slot n. The cut is inside the newest record's slot, in the
        // third chunk: the bulk path reads the slots before it, the one-record path the cut slot
        // (its missing bytes read as zeros) and the missing ones after it.
        int n = 2 * SlotClassifier.CHUNK_SLOTS + 100;
        build("cut", n);
        long cut = IndexFileDescriptor.slotOffset(n) + 29;
        LogFiles extended = files.copyTo(tmp.resolve("extended"));
        files.truncateIndex(cut);
        try (FileChannel ch = FileChannel.open(extended.index, StandardOpenOption.WRITE)) {
            ch.truncate(cut);
            ch.write(ByteBuffer.allocate((int) (IndexFileDescriptor.fileSize(CAPACITY) - cut)), cut);
        }
        try (ClosedLog truncated = ClosedLog.open(files.pool, files.index);
             ClosedLog whole = ClosedLog.open(extended.pool, extended.index)) {
            assertThat(truncated.truncatedBytes()).isPositive();
            assertThat(whole.truncatedBytes()).isZero();
            IndexScan.Result a = truncated.scan();
            IndexScan.Result b = whole.scan();
            assertThat(a.oldestSeq()).isEqualTo(b.oldestSeq()).isEqualTo(1);
            assertThat(a.endSeq()).as("the cut record ends the run").isEqualTo(b.endSeq()).isEqualTo(n);
            assertThat(a.owned()).isEqualTo(b.owned());
            assertThat(a.owned().cardinality()).isEqualTo(n - 1);
            assertThat(a.dropped()).isEqualTo(b.dropped()).containsExactly(new DroppedRecord(n, n, RecordStatus.TORN));
            assertThat(a.retiredSeen()).isEqualTo(b.retiredSeen()).isZero();
            assertThat(a.oldestTimestampNs()).isEqualTo(b.oldestTimestampNs()).isEqualTo(1_000L);
            assertThat(a.newestTimestampNs()).isEqualTo(b.newestTimestampNs()).isEqualTo(1_000L * (n - 1));
        }
    }

    private static RecordStatus assertSame(SlotClassifier bulk, RecordValidator one, MemorySegment index, int slot,
                                           long window, String what) {
        int first = slot - slot % SlotClassifier.CHUNK_SLOTS;
        bulk.load(index, first, Math.min(SlotClassifier.CHUNK_SLOTS, CAPACITY - first));
        MemorySegment rec = index.asSlice(IndexFileDescriptor.slotOffset(slot), IndexRecordDescriptor.RECORD_SIZE);
        RecordStatus expected = one.check(rec, slot, window);
        RecordStatus got = bulk.check(slot - first, slot, window);
        assertThat(got).as("slot %d, %s, window from %d", slot, what, window).isEqualTo(expected);
        if (expected == RecordStatus.VALID) {
            assertThat(bulk.bufIdx(slot - first)).isEqualTo(IndexRecordDescriptor.bufIdx(rec));
            assertThat(bulk.timestampNs(slot - first)).isEqualTo(IndexRecordDescriptor.timestampNs(rec));
            assertThat(bulk.sequence(slot - first)).isEqualTo(IndexRecordDescriptor.sequence(rec));
        }
        return got;
    }

    private static void xor(MemorySegment seg, long offset, int mask) {
        seg.set(ValueLayout.JAVA_BYTE, offset, (byte) (seg.get(ValueLayout.JAVA_BYTE, offset) ^ mask));
    }
}

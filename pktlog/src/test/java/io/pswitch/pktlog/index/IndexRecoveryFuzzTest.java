package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Fuzzes the index decoder and recovery ({@link IndexRecordDescriptor}, {@link RecordValidator},
 * {@link IndexScan}, {@link Recovery}, {@link ClosedLog}) over a real small log: a pool of 64
 * buffers and an index of 16 slots holding 20 committed frames (so it has wrapped and retired).
 * Each input damages a copy of the index — bytes in the slots, bytes anywhere (header, retention
 * blocks), whole records with a correct CRC but fuzzed fields, a truncation — or a frame byte in the
 * pool. Then:
 * <ul>
 *   <li>opening it read-only ({@link ClosedLog}) and for writing (recovery) throws nothing but
 *       {@link IndexFileException} with a one-line message;</li>
 *   <li>every record recovery keeps passes a CRC32C computed here, independently of the production
 *       code, over the record and its frame bytes in the pool;</li>
 *   <li>recovery is idempotent: a second open keeps the same window and drops nothing.</li>
 * </ul>
 * {@code mvn verify} replays {@code src/test/resources/io/pswitch/pktlog/index/IndexRecoveryFuzzTestInputs/recover/};
 * {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md).
 */
class IndexRecoveryFuzzTest {
    private static final int BUFFERS = 64;
    private static final int CAPACITY = 16;
    private static final int FRAMES = 20;
    private static final PacketLogConfig CONFIG = new PacketLogConfig(CAPACITY, 0, 1);

    private static Path root;
    private static LogFiles base;
    private static LogFiles work;

    private static synchronized void buildOnce() throws IOException {
        if (base != null) {
            return;
        }
        Path shm = Path.of("/dev/shm");
        root = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "index-fuzz") : Files.createTempDirectory("index-fuzz");
        Runtime.getRuntime().addShutdownHook(new Thread(IndexRecoveryFuzzTest::deleteRoot));
        LogFiles files = new LogFiles(root.resolve("base"));
        Files.createDirectories(files.dir);
        try (BufferPool pool = files.openPool(BUFFERS); PacketLog log = PacketLog.open(pool, files.index, CONFIG, LogStorage.MAPPED)) {
            for (int i = 1; i <= FRAMES; i++) {
                TestFrames.appendNext(log, pool, 14 + i * 11 % 200, 1_000L * i, i % 4);
            }
            log.commit();
        }
        work = new LogFiles(root.resolve("work"));
        Files.createDirectories(work.dir);
        base = files;
    }

    private static void deleteRoot() {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }

    @FuzzTest(maxDuration = "2m")
    void recover(FuzzedDataProvider data) throws IOException {
        buildOnce();
        Files.copy(base.pool, work.pool, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(base.index, work.index, StandardCopyOption.REPLACE_EXISTING);
        damage(data);

        // Read-only first: the offline tools see the damage before recovery repairs it.
        try (ClosedLog closed = ClosedLog.open(work.pool, work.index)) {
            checkKeptRecords(closed, closed.scan().oldestSeq(), closed.scan().endSeq());
        } catch (IndexFileException refused) {
            assertOneLine(refused);
        }

        RecoveryReport first;
        try (BufferPool pool = work.openPool(BUFFERS); PacketLog log = PacketLog.open(pool, work.index, CONFIG, LogStorage.MAPPED)) {
            first = log.recoveryReport();
            assertThat(first.nextSeq() - first.oldestSeq()).isEqualTo(first.recovered()).isBetween(0L, (long) CAPACITY);
            assertThat(pool.freeCount() + first.recovered()).as("every buffer is free or owned by the log")
                    .isEqualTo(BUFFERS - BufferPoolDescriptor.RESERVED_BUFFERS);
        } catch (IndexFileException refused) {
            assertOneLine(refused);
            return;
        }
        try (ClosedLog closed = ClosedLog.open(work.pool, work.index)) {
            assertThat(closed.scan().oldestSeq()).isEqualTo(first.oldestSeq());
            assertThat(closed.scan().endSeq()).isEqualTo(first.nextSeq());
            checkKeptRecords(closed, first.oldestSeq(), first.nextSeq());
        }
        try (BufferPool pool = work.openPool(BUFFERS); PacketLog log = PacketLog.open(pool, work.index, CONFIG, LogStorage.MAPPED)) {
            RecoveryReport second = log.recoveryReport();
            assertThat(second.oldestSeq()).as("recovery is idempotent: oldest").isEqualTo(first.oldestSeq());
            assertThat(second.nextSeq()).as("recovery is idempotent: next").isEqualTo(first.nextSeq());
            assertThat(second.dropped()).as("recovery is idempotent: nothing left to drop").isEmpty();
        }
    }

    /** Applies the damage the input describes to the work copy. */
    private static void damage(FuzzedDataProvider data) throws IOException {
        long indexSize = Files.size(work.index);
        int edits = data.consumeInt(0, 8);
        try (FileChannel index = FileChannel.open(work.index, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel pool = FileChannel.open(work.pool, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int i = 0; i < edits; i++) {
                switch (data.consumeInt(0, 4)) {
                    case 0 -> write(index, data.consumeLong(IndexFileDescriptor.slotOffset(0), indexSize - 1),
                            new byte[] {data.consumeByte()});
                    case 1 -> write(index, data.consumeLong(0, indexSize - 1), new byte[] {data.consumeByte()});
                    case 2 -> write(index, IndexFileDescriptor.slotOffset(data.consumeInt(0, CAPACITY - 1)),
                            padded(data.consumeBytes(IndexRecordDescriptor.RECORD_SIZE)));
                    case 3 -> craftRecord(index, pool, data);
                    // Frame bytes only: the pool's own header is BufferPool's to check (PoolFileException).
                    default -> write(pool, data.consumeLong(BufferPoolDescriptor.bufferOffset(LogFiles.BUFFER_SIZE,
                            BufferPoolDescriptor.RESERVED_BUFFERS), Files.size(work.pool) - 1), new byte[] {data.consumeByte()});
                }
            }
            if (data.consumeBoolean()) {
                index.truncate(data.consumeLong(0, indexSize));
            }
        }
    }

    /** A record with fuzzed fields and a CRC that matches them, so the checks after the CRC are reached. */
    private static void craftRecord(FileChannel index, FileChannel pool, FuzzedDataProvider data) throws IOException {
        int slot = data.consumeInt(0, CAPACITY - 1);
        long seq = data.consumeBoolean() ? data.consumeLong(0, FRAMES + 2L * CAPACITY) : data.consumeLong();
        int bufIdx = data.consumeBoolean() ? data.consumeInt(0, BUFFERS + 1) : data.consumeInt();
        int stored = data.consumeBoolean() ? data.consumeInt(0, LogFiles.BUFFER_SIZE + 1) : data.consumeInt();
        int wire = data.consumeBoolean() ? data.consumeInt(0, 2000) : data.consumeInt();
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        IndexRecordDescriptor.write(rec, seq, data.consumeLong(), data.consumeInt(0, 255), data.consumeLong(),
                data.consumeInt(-1, 3), wire, stored, bufIdx, data.consumeInt(-1, 5));
        CRC32C crc = new CRC32C();
        crc.update(rec.asSlice(0, IndexRecordDescriptor.CRC_COVERED_LENGTH).toArray(ValueLayout.JAVA_BYTE));
        if (bufIdx >= 0 && bufIdx < BUFFERS && stored > 0 && stored <= LogFiles.BUFFER_SIZE) {
            java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(stored);
            pool.read(frame, BufferPoolDescriptor.bufferOffset(LogFiles.BUFFER_SIZE, bufIdx));
            crc.update(frame.array(), 0, stored);
        }
        IndexRecordDescriptor.writeCrc(rec, (int) crc.getValue());
        write(index, IndexFileDescriptor.slotOffset(slot), rec.toArray(ValueLayout.JAVA_BYTE));
    }

    private static byte[] padded(byte[] b) {
        return b.length == IndexRecordDescriptor.RECORD_SIZE ? b : java.util.Arrays.copyOf(b, IndexRecordDescriptor.RECORD_SIZE);
    }

    private static void write(FileChannel ch, long at, byte[] bytes) throws IOException {
        if (at < ch.size()) {
            ch.write(java.nio.ByteBuffer.wrap(bytes), at);
        }
    }

    /** Every kept record is whole, in its slot, and its CRC (computed here) covers the frame in the pool. */
    private static void checkKeptRecords(ClosedLog log, long from, long to) {
        MemorySegment index = log.indexSegment();
        BufferPool pool = log.pool();
        for (long seq = from; seq < to; seq++) {
            long at = IndexFileDescriptor.slotOffset(IndexFileDescriptor.slot(seq, log.capacity()));
            MemorySegment rec = index.asSlice(at, IndexRecordDescriptor.RECORD_SIZE);
            assertThat(IndexRecordDescriptor.sequence(rec)).isEqualTo(seq);
            int bufIdx = IndexRecordDescriptor.bufIdx(rec);
            int stored = IndexRecordDescriptor.storedLength(rec);
            assertThat(bufIdx).isBetween(BufferPoolDescriptor.RESERVED_BUFFERS, BUFFERS - 1);
            assertThat(stored).isBetween(0, LogFiles.BUFFER_SIZE);
            CRC32C crc = new CRC32C();
            crc.update(rec.asSlice(0, IndexRecordDescriptor.CRC_COVERED_LENGTH).toArray(ValueLayout.JAVA_BYTE));
            crc.update(pool.segment().asSlice(pool.offset(bufIdx), stored).toArray(ValueLayout.JAVA_BYTE));
            assertThat(IndexRecordDescriptor.crc(rec)).as("CRC of kept seq %d", seq).isEqualTo((int) crc.getValue());
        }
    }

    private static void assertOneLine(RuntimeException e) {
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
    }

}

package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss, simulated at the storage seam: a random workload (batches, commits, ring traffic
 * scribbling over free buffers, retention) runs on a real log; at random points, including inside
 * every kind of flush, crash images are built from what was durable plus each unflushed range kept,
 * dropped, zeroed or torn at 8-byte granularity. Every image is recovered for real and must keep
 * every committed, unretired record and accept nothing that was not appended exactly so.
 * {@code -Dpswitch.long=true} builds many more images.
 */
class PowerLossTest {
    private static final boolean LONG = Boolean.getBoolean("pswitch.long");
    private static final int BUFFERS = 56;
    private static final int USABLE = BUFFERS - BufferPoolDescriptor.RESERVED_BUFFERS;
    private static final PacketLogConfig CONFIG = new PacketLogConfig(40, 12, 4);
    private static final long SECOND_GENERATION_TAG = 1_000_000;

    @TempDir(factory = ShmTempDirFactory.class)
    Path tmp;

    private record Expected(long tag, int bufIdx, int stored, int wire, long ts, int port) {
    }

    private final Map<Long, Expected> appended = new HashMap<>();
    private final Map<RecordStatus, Integer> droppedByReason = new EnumMap<>(RecordStatus.class);
    private Random rnd;
    private PacketLog log;
    private RecordingStorage storage;
    private long lastCommitted;
    private int images;
    private int secondGenerations;
    private long recoveredTotal;

    @Test
    void recoveryNeverAcceptsABadRecordAndNeverLosesACommittedOne() throws Exception {
        int target = LONG ? 30_000 : 1_200;
        rnd = new Random(0x5A57E_2026L);
        LogFiles files = new LogFiles(tmp.resolve("live"));
        try (BufferPool pool = files.openPool(BUFFERS)) {
            storage = new RecordingStorage(pool.segment());
            log = PacketLog.open(pool, files.index, CONFIG, storage);
            storage.attachIndex(log.indexSegment());
            storage.beforeEachForce(() -> {
                if (rnd.nextInt(8) == 0) {
                    crashAndRecover(2);
                }
            });
            List<Integer> ring = new ArrayList<>();
            long clock = 1_000_000;
            long lastTs = Long.MIN_VALUE;
            while (images < target) {
                int op = rnd.nextInt(10);
                if (op < 6) {
                    int n = 1 + rnd.nextInt(6);
                    for (int i = 0; i < n; i++) {
                        int stored = 14 + rnd.nextInt(LogFiles.BUFFER_SIZE - 13);
                        int wire = stored + (rnd.nextInt(4) == 0 ? rnd.nextInt(1500) : 0);
                        int buf = pool.allocate();
                        assertThat(buf).as("the low-water mark keeps buffers free").isNotZero();
                        long seq = log.appendedSeq() + 1;
                        TestFrames.write(pool, buf, seq, stored);
                        clock += rnd.nextInt(3) == 0 ? -500 : 1_000;
                        int port = rnd.nextInt(4);
                        long gotSeq = log.append(buf, stored, wire, clock, port, 1L << port, port, port - 1);
                        assertThat(gotSeq).isEqualTo(seq);
                        lastTs = Math.max(lastTs, clock);
                        appended.put(seq, new Expected(seq, buf, stored, wire, lastTs, port));
                    }
                    if (rnd.nextInt(5) != 0) {
                        lastCommitted = log.commit();
                    }
                } else if (op < 8) {
                    // Ring traffic: buffers come and go and get scribbled on without any flush, the way a
                    // port writes frames into buffers that retention handed back.
                    if (ring.size() < 10 && rnd.nextBoolean()) {
                        int b = pool.allocate();
                        if (b != 0) {
                            scribble(pool, b);
                            ring.add(b);
                        }
                    } else if (!ring.isEmpty()) {
                        int b = ring.remove(rnd.nextInt(ring.size()));
                        scribble(pool, b);
                        pool.free(b);
                    }
                } else if (op == 8 && rnd.nextInt(4) == 0) {
                    log.retireOldest(1 + rnd.nextInt(3));
                }
                assertThat(pool.freeCount() + log.liveRecords() + ring.size()).isEqualTo(USABLE);
                if (rnd.nextInt(4) == 0) {
                    crashAndRecover(3);
                }
            }
            storage.beforeEachForce(null);
            log.close();
        }
        System.out.printf("power loss: %d crash images (%d with a second generation), %d records recovered, dropped %s,"
                        + " %d appended, %d retired by index, %d by low water%n", images, secondGenerations, recoveredTotal,
                droppedByReason, appended.size(), log.retiredByIndexFull(), log.retiredByLowWater());
        assertThat(images).isGreaterThanOrEqualTo(target);
        assertThat(log.retiredByIndexFull()).isPositive();
        assertThat(log.retiredByLowWater()).isPositive();
        assertThat(droppedByReason).containsKeys(RecordStatus.TORN, RecordStatus.BAD_CRC);
    }

    private void scribble(BufferPool pool, int bufIdx) {
        MemorySegment seg = pool.segment();
        long off = pool.offset(bufIdx);
        int len = 1 + rnd.nextInt(LogFiles.BUFFER_SIZE);
        for (int i = 0; i < len; i++) {
            seg.set(ValueLayout.JAVA_BYTE, off + i, (byte) rnd.nextInt());
        }
    }

    /** The most advanced oldest-sequence marker the writer has written (flushed or not). */
    private long newestRetentionMarker() {
        MemorySegment idx = log.indexSegment();
        long bestGen = -1;
        long oldest = log.oldestSeq();
        for (int off : new int[] {IndexFileDescriptor.RETENTION_BLOCK_A_OFFSET, IndexFileDescriptor.RETENTION_BLOCK_B_OFFSET}) {
            MemorySegment block = idx.asSlice(off, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
            if (IndexFileDescriptor.retentionValid(block) && IndexFileDescriptor.retentionGeneration(block) > bestGen) {
                bestGen = IndexFileDescriptor.retentionGeneration(block);
                oldest = Math.max(oldest, IndexFileDescriptor.retentionOldestSeq(block));
            }
        }
        return oldest;
    }

    private void crashAndRecover(int count) {
        long committed = lastCommitted;
        long mustKeepFrom = newestRetentionMarker();
        for (int i = 0; i < count; i++) {
            LogFiles image = new LogFiles(tmp.resolve("image-" + images));
            try {
                Files.createDirectories(image.dir);
                storage.writeCrashImage(rnd, image.pool, image.index);
                boolean secondGeneration = images % 4 == 0;
                try (BufferPool pool = image.openPool(BUFFERS)) {
                    RecordingStorage imageStorage = secondGeneration ? new RecordingStorage(pool.segment()) : null;
                    try (PacketLog recovered = PacketLog.open(pool, image.index, CONFIG,
                            secondGeneration ? imageStorage : LogStorage.MAPPED)) {
                        RecoveryReport r = recovered.recoveryReport();
                        checkRecovered(recovered, pool, r, committed, mustKeepFrom, 0);
                        if (secondGeneration) {
                            secondGeneration(image, pool, recovered, imageStorage);
                        }
                    }
                }
                images++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                delete(image);
            }
        }
    }

    /**
     * Checks a recovered image: every kept record is exactly one that was appended (fields, buffer,
     * frame bytes), every committed record at or above the retention marker is kept, and every
     * buffer is either free or owned by exactly one kept record.
     */
    private void checkRecovered(PacketLog recovered, BufferPool pool, RecoveryReport r, long committed, long mustKeepFrom,
                                long firstNewSeq) {
        String where = "image " + images + " (" + r + ")";
        for (DroppedRecord d : r.dropped()) {
            droppedByReason.merge(d.reason(), 1, Integer::sum);
        }
        recoveredTotal += r.recovered();
        if (committed >= mustKeepFrom) {
            assertThat(r.oldestSeq()).as("%s: committed records from %d must survive", where, mustKeepFrom)
                    .isLessThanOrEqualTo(mustKeepFrom);
            assertThat(r.nextSeq() - 1).as("%s: committed through %d", where, committed).isGreaterThanOrEqualTo(committed);
        }
        assertThat(pool.freeCount() + r.recovered()).as(where).isEqualTo(USABLE);
        List<Long> seen = new ArrayList<>();
        LogReader reader = new LogReader(recovered);
        reader.query(LogQuery.all(), (rec, frame, off) -> {
            long seq = rec.sequence();
            Expected e = appended.get(seq);
            if (firstNewSeq > 0 && seq >= firstNewSeq) {
                e = appended.get(SECOND_GENERATION_TAG + seq);
            }
            assertThat(e).as("%s: seq %d was never appended", where, seq).isNotNull();
            assertThat(rec.bufIdx()).as("%s seq %d buffer", where, seq).isEqualTo(e.bufIdx());
            assertThat(rec.storedLength()).isEqualTo(e.stored());
            assertThat(rec.wireLength()).isEqualTo(e.wire());
            assertThat(rec.timestampNs()).isEqualTo(e.ts());
            assertThat(rec.ingressPort()).isEqualTo(e.port());
            assertThat(TestFrames.holds(frame, off, e.tag(), e.stored())).as("%s seq %d frame", where, seq).isTrue();
            assertThat(TestFrames.holds(pool, e.bufIdx(), e.tag(), e.stored())).isTrue();
            seen.add(seq);
            return true;
        });
        assertThat((long) seen.size()).as("%s: every kept record readable", where).isEqualTo(r.recovered());
        assertThat(reader.crcMismatches()).isZero();
    }

    /**
     * Recover, append, crash, recover: new records follow the recovered tail, dropped ones never
     * come back, and the second generation's committed records survive its own crash.
     */
    private void secondGeneration(LogFiles image, BufferPool pool, PacketLog recovered, RecordingStorage imageStorage)
            throws IOException {
        imageStorage.attachIndex(recovered.indexSegment());
        long firstNew = recovered.appendedSeq() + 1;
        long committed = recovered.committedSeq();
        // Few records, the first always committed: the gap recovery cut at is filled durably, which
        // is when a dropped record just above it would come back if recovery had not erased it.
        int n = 1 + rnd.nextInt(3);
        long lastTs = recovered.recoveryReport().newestTimestampNs();
        List<Long> added = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long seq = recovered.appendedSeq() + 1;
            long tag = SECOND_GENERATION_TAG + seq;
            int buf = pool.allocate();
            int stored = 20 + rnd.nextInt(200);
            TestFrames.write(pool, buf, tag, stored);
            // A clock that went back across the restart: the writer holds time at the recovered
            // newest, so a record resurrected above the gap could not be told apart by its time.
            long ts = 0;
            recovered.append(buf, stored, stored, ts, 2, 4, 2, 1);
            lastTs = Math.max(lastTs, ts);
            appended.put(tag, new Expected(tag, buf, stored, stored, lastTs, 2));
            added.add(tag);
            if (i == 0 || rnd.nextBoolean()) {
                committed = recovered.commit();
            }
        }
        long mustKeepFrom = recovered.oldestSeq();
        LogFiles again = new LogFiles(image.dir.resolve("again"));
        Files.createDirectories(again.dir);
        imageStorage.writeCrashImage(rnd, again.pool, again.index);
        try (BufferPool pool2 = again.openPool(BUFFERS);
             PacketLog log2 = PacketLog.open(pool2, again.index, CONFIG, LogStorage.MAPPED)) {
            checkRecovered(log2, pool2, log2.recoveryReport(), committed, mustKeepFrom, firstNew);
        }
        for (long tag : added) {
            appended.remove(tag);
        }
        secondGenerations++;
        delete(again);
    }

    private static void delete(LogFiles files) {
        try {
            Files.deleteIfExists(files.pool);
            Files.deleteIfExists(files.index);
            if (Files.isDirectory(files.dir)) {
                try (var list = Files.list(files.dir)) {
                    for (Path p : list.toList()) {
                        if (Files.isDirectory(p)) {
                            delete(new LogFiles(p));
                        } else {
                            Files.delete(p);
                        }
                    }
                }
                Files.delete(files.dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

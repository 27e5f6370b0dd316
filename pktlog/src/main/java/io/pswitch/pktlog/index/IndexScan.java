package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Reads an index without changing it and decides which records form the log: the contiguous run
 * of valid records that starts at the durable oldest sequence (see {@link IndexFileDescriptor}).
 * Linear in the capacity plus the stored frame bytes. Used by {@link Recovery} (which then
 * repairs), {@link LogVerifier} (which only reports) and {@link ClosedLog}.
 */
public final class IndexScan {
    /**
     * What a scan found.
     *
     * @param retentionGeneration generation of the retention block in force
     * @param oldestSeq durable oldest sequence: the run starts here
     * @param endSeq first sequence after the run (the next sequence to write)
     * @param owned buffers referenced by the run's records
     * @param dropped every non-empty, non-retired slot outside the run, in sequence (slot) order from the oldest
     * @param retiredSeen slots still holding a retired record (normal; not corruption)
     * @param oldestTimestampNs timestamp of the first record of the run (0 when empty)
     * @param newestTimestampNs timestamp of the last record of the run (0 when empty)
     * @param durableOldestSeq the oldest sequence the retention block says ({@code oldestSeq} is
     *     higher when a floor raised it: the records between are held by the segment tier)
     */
    public record Result(long retentionGeneration, long oldestSeq, long endSeq, BitSet owned,
                         List<DroppedRecord> dropped, long retiredSeen, long oldestTimestampNs, long newestTimestampNs,
                         long durableOldestSeq) {
        public long records() {
            return endSeq - oldestSeq;
        }
    }

    private IndexScan() {
    }

    public static Result scan(IndexFile index, BufferPool pool) {
        return scan(index, pool, 0);
    }

    /**
     * @param floor records below it are held by the segment tier already (its recovered end + 1;
     *     0 for none): they count as retired, so neither their frame bytes are read nor their CRC
     *     computed, and the run starts at the floor when the retention block says less. That bounds
     *     the scan's reading and checking by the records not yet drained, not by the capacity.
     */
    public static Result scan(IndexFile index, BufferPool pool, long floor) {
        int capacity = index.capacity();
        MemorySegment block = MemorySegment.ofArray(new byte[IndexFileDescriptor.RETENTION_BLOCK_SIZE]);
        long bestGen = -1;
        long oldest = -1;
        for (int off : new int[] {IndexFileDescriptor.RETENTION_BLOCK_A_OFFSET, IndexFileDescriptor.RETENTION_BLOCK_B_OFFSET}) {
            long gen = index.retentionBlock(block, off);
            if (IndexFileDescriptor.retentionValid(block) && IndexFileDescriptor.retentionBlockOffset(gen) == off
                    && gen > bestGen) {
                bestGen = gen;
                oldest = IndexFileDescriptor.retentionOldestSeq(block);
            }
        }
        if (bestGen < 0) {
            throw new IndexFileException(index.path() + ": both retention blocks are corrupt, the valid window is unknown;"
                    + " refusing to guess which records are retired (run 'pswitch log verify')");
        }

        long durableOldest = oldest;
        oldest = Math.max(oldest, floor);
        byte[] status = new byte[capacity];
        // What the run's walk needs of each valid slot, kept from the one pass that read it.
        int[] bufIdxBySlot = new int[capacity];
        long[] timestampBySlot = new long[capacity];
        long retired = classify(index, pool, oldest, durableOldest, status, bufIdxBySlot, timestampBySlot);
        RecordStatus[] statuses = RecordStatus.values();

        // Walk the window in sequence order; the first slot that is not the next valid record ends the run.
        BitSet owned = new BitSet(pool.bufferCount());
        long seq = oldest;
        long prevTs = Long.MIN_VALUE;
        long firstTs = 0;
        long lastTs = 0;
        RecordStatus stopReason = null;
        while (seq - oldest < capacity) {
            int slot = IndexFileDescriptor.slot(seq, capacity);
            if (statuses[status[slot]] != RecordStatus.VALID) {
                break;
            }
            int bufIdx = bufIdxBySlot[slot];
            long ts = timestampBySlot[slot];
            if (owned.get(bufIdx)) {
                stopReason = RecordStatus.DUPLICATE_BUFFER;
            } else if (ts < prevTs) {
                stopReason = RecordStatus.BAD_TIMESTAMP;
            }
            if (stopReason != null) {
                status[slot] = (byte) stopReason.ordinal();
                break;
            }
            owned.set(bufIdx);
            if (seq == oldest) {
                firstTs = ts;
            }
            lastTs = ts;
            prevTs = ts;
            seq++;
        }
        long end = seq;

        List<DroppedRecord> dropped = new ArrayList<>();
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        int startSlot = IndexFileDescriptor.slot(oldest, capacity);
        long runLength = end - oldest;
        for (int i = 0; i < capacity; i++) {
            int slot = (int) ((startSlot + (long) i) % capacity);
            if (i < runLength) {
                continue;
            }
            RecordStatus s = statuses[status[slot]];
            if (s == RecordStatus.VALID) {
                s = RecordStatus.AFTER_GAP;
            }
            if (s.isDrop()) {
                index.copyRecord(slot, rec);
                dropped.add(new DroppedRecord(slot, IndexRecordDescriptor.sequence(rec), s));
            }
        }
        return new Result(bestGen, oldest, end, owned, List.copyOf(dropped), retired, firstTs, lastTs, durableOldest);
    }

    /**
     * Classifies every slot into {@code status} (a {@link RecordStatus} ordinal each) and keeps the
     * bufIdx and timestamp of each valid one. Slots below {@code oldest} but at or above
     * {@code durableOldest} (held by the segment tier) retire on their sequence alone.
     *
     * @return how many slots hold a retired record
     */
    private static long classify(IndexFile index, BufferPool pool, long oldest, long durableOldest, byte[] status,
                                 int[] bufIdxBySlot, long[] timestampBySlot) {
        int capacity = index.capacity();
        MemorySegment slots = index.segment();
        // A read-only mapping of a truncated file ends early: the slots wholly inside it are read in
        // bulk, the rest (cut or missing, read as zeros) one by one the old way.
        long inside = (slots.byteSize() - IndexFileDescriptor.RECORDS_OFFSET) / IndexRecordDescriptor.RECORD_SIZE;
        int whole = (int) Math.max(0, Math.min(capacity, inside));
        long retired = new SlotClassifier(pool, capacity).classify(slots, whole, oldest, durableOldest, status,
                bufIdxBySlot, timestampBySlot);
        RecordValidator validator = new RecordValidator(pool, capacity);
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        for (int slot = whole; slot < capacity; slot++) {
            index.copyRecord(slot, rec);
            RecordStatus s = validator.check(rec, slot, oldest);
            status[slot] = (byte) s.ordinal();
            if (s == RecordStatus.RETIRED) {
                retired++;
            } else if (s == RecordStatus.VALID) {
                bufIdxBySlot[slot] = IndexRecordDescriptor.bufIdx(rec);
                timestampBySlot[slot] = IndexRecordDescriptor.timestampNs(rec);
            }
        }
        return retired;
    }
}

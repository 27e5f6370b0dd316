package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * Recovery at open: scan the index ({@link IndexScan}), make the result durable, and give the pool
 * back every buffer the log does not reference.
 *
 * <p>Every dropped record's slot is zeroed and flushed before the log accepts new appends: a valid
 * record that was dropped because it followed a gap must not reappear after the next crash, when
 * the new records fill the gap below it (its buffer is back on the free list by then). Retired
 * records are left alone; the oldest marker already excludes them. Running recovery again on the
 * result finds the same run and nothing to drop: recovery is idempotent.
 */
public final class Recovery {
    private Recovery() {
    }

    /** Repairs {@code index} and claims the buffers of the surviving records from {@code pool}'s free list. */
    public static RecoveryReport recover(IndexFile index, BufferPool pool, LogStorage storage) {
        return recover(index, pool, storage, 0);
    }

    /**
     * As {@link #recover(IndexFile, BufferPool, LogStorage)}, with the records below {@code floor}
     * (held by the segment tier: its recovered end + 1) retired at once instead of checked: they
     * would retire at the drain's first duty cycle anyway. The new oldest marker is made durable
     * with the rest before any of their buffers can be handed out again.
     */
    public static RecoveryReport recover(IndexFile index, BufferPool pool, LogStorage storage, long floor) {
        long start = System.nanoTime();
        IndexScan.Result scan = IndexScan.scan(index, pool, floor);
        MemorySegment seg = index.segment();
        long generation = scan.retentionGeneration();
        if (scan.oldestSeq() > scan.durableOldestSeq()) {
            generation++;
            MemorySegment block = MemorySegment.ofArray(new byte[IndexFileDescriptor.RETENTION_BLOCK_SIZE]);
            IndexFileDescriptor.writeRetentionBlock(block, generation, scan.oldestSeq(), new java.util.zip.CRC32C(),
                    new byte[IndexFileDescriptor.RETENTION_CRC]);
            storage.write(seg, IndexFileDescriptor.retentionBlockOffset(generation), block, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        }
        if (!scan.dropped().isEmpty()) {
            MemorySegment zeros = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
            for (DroppedRecord d : scan.dropped()) {
                storage.write(seg, IndexFileDescriptor.slotOffset(d.slot()), zeros, IndexRecordDescriptor.RECORD_SIZE);
            }
        }
        // Flush the whole index even when nothing was repaired: after a process crash (not a power
        // cut) recovery may have read records and a retention marker that are still only in the
        // page cache. They are kept and built upon now, so they must reach the disk before anything
        // new does. (Their frame bytes are already durable: a record is written only after its
        // frame's flush returned.) On a clean file this writes nothing.
        storage.force(seg, 0, seg.byteSize());
        int expected = scan.owned().cardinality();
        int claimed = pool.claimAll(scan.owned());
        if (claimed != expected) {
            throw new IllegalStateException("log recovery for " + index.path() + " needs " + expected
                    + " buffers of pool " + pool.path() + " but only " + claimed
                    + " were free: recover the log before anything allocates from the pool");
        }
        return new RecoveryReport(scan.records(), scan.oldestSeq(), scan.endSeq(), scan.oldestTimestampNs(),
                scan.newestTimestampNs(), scan.dropped(), scan.retiredSeen(), index.truncatedBytes(),
                System.nanoTime() - start, generation);
    }
}

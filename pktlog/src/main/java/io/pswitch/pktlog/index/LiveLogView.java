package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A read-only view of a log that a running switch may be writing at the same time (for export,
 * replay and inspect while the switch runs), opened in O(log capacity): no scan, no repair, and no
 * data-directory lock.
 *
 * <p>{@link ClosedLog} does not fit a live log: its window is frozen by a full {@link IndexScan} at
 * open (linear in the log), so a record the writer retires afterwards can only be caught by its CRC
 * and is reported as corrupt instead of retired. This view instead re-reads the durable retention
 * block (the writer's published oldest sequence) on every {@link #oldestSeq()}, so the
 * {@link LogSource} reader protocol (copy, acquire fence, re-check the oldest sequence) tells a
 * retired record from a corrupt one across processes. The writer makes the new oldest sequence
 * visible in the mapping before it frees buffers or reuses slots, and x86 keeps stores in order.
 *
 * <p>{@link #newestSeq()} is fixed at open: the end of the contiguous run of slots that hold their
 * own sequence, found by binary search (slot {@code s % capacity} holds {@code s} exactly for the
 * sequences in the run), then stepped back past any record still being written. Records appended
 * after the open are not part of this view. Records the writer has written but not yet committed
 * can be read: their frame bytes are always written first and the CRC proves both.
 */
public final class LiveLogView implements LogSource, AutoCloseable {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final BufferPool pool;
    private final IndexFile index;
    private final MemorySegment segment;
    private final int capacity;
    private final long newestSeq;
    private final MemorySegment block = MemorySegment.ofArray(new byte[IndexFileDescriptor.RETENTION_BLOCK_SIZE]);
    private final byte[] scratch = new byte[IndexFileDescriptor.RETENTION_CRC];
    private final CRC32C crc = new CRC32C();
    private long lastOldest = -1;
    /** The retention block fields last checked (see {@link #oldestSeq()}). */
    private long cGenA;
    private long cSeqA;
    private int cCrcA;
    private long cGenB;
    private long cSeqB;
    private int cCrcB;

    private LiveLogView(BufferPool pool, IndexFile index) {
        this.pool = pool;
        this.index = index;
        this.segment = index.segment();
        this.capacity = index.capacity();
        this.newestSeq = findNewest();
    }

    /**
     * Opens the pool and index read-only. The data directory's lock is not taken and nothing is
     * written to either file.
     *
     * @throws IndexFileException when the index is truncated or does not belong to the pool
     */
    public static LiveLogView open(Path poolPath, Path indexPath) {
        BufferPool pool = BufferPool.openExisting(poolPath);
        try {
            IndexFile index = IndexFile.openReadOnly(indexPath, pool.poolId());
            try {
                if (index.truncatedBytes() > 0) {
                    throw new IndexFileException(indexPath + " is truncated (" + index.truncatedBytes()
                            + " bytes missing): run 'pswitch log verify' on it");
                }
                return new LiveLogView(pool, index);
            } catch (RuntimeException e) {
                index.close();
                throw e;
            }
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Opens {@code index} next to the pool file. */
    public static LiveLogView open(Path poolPath) {
        return open(poolPath, IndexFileDescriptor.defaultPath(poolPath));
    }

    private boolean holds(long seq) {
        return segment.get(LONG, IndexFileDescriptor.recordOffset(seq, capacity) + IndexRecordDescriptor.SEQUENCE_OFFSET) == seq;
    }

    private long findNewest() {
        long oldest = oldestSeq();
        long lo = oldest;
        long hi = oldest + capacity; // first sequence that certainly is not in the run
        while (lo < hi) {
            long mid = lo + ((hi - lo) >>> 1);
            if (holds(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        // lo = first sequence whose slot does not hold it. The last one or two records before it may
        // be half-written by a running writer: leave out any that are not whole yet.
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        RecordValidator validator = new RecordValidator(pool, capacity);
        long end = lo;
        for (int i = 0; i < 4 && end > oldest; i++) {
            index.copyRecord(IndexFileDescriptor.slot(end - 1, capacity), rec);
            if (IndexRecordDescriptor.isWhole(rec) && IndexRecordDescriptor.sequence(rec) == end - 1
                    && validator.checkContents(rec) == RecordStatus.VALID) {
                break;
            }
            end--;
        }
        return end - 1;
    }

    /**
     * The durable oldest sequence: the valid retention block with the highest generation, read from
     * the mapping now (a block being rewritten fails its CRC and the other, older one is used: still
     * safe, the writer frees nothing before the new block is complete).
     *
     * <p>Called once per record read, so the CRC check is cached: a block's validity depends only on
     * its generation, oldest sequence and stored CRC, which are read once into locals and compared
     * with the last ones checked.
     */
    @Override
    public long oldestSeq() {
        long genA = segment.get(LONG, IndexFileDescriptor.RETENTION_BLOCK_A_OFFSET + IndexFileDescriptor.RETENTION_GENERATION);
        long seqA = segment.get(LONG, IndexFileDescriptor.RETENTION_BLOCK_A_OFFSET + IndexFileDescriptor.RETENTION_OLDEST_SEQ);
        int crcA = segment.get(INT, IndexFileDescriptor.RETENTION_BLOCK_A_OFFSET + IndexFileDescriptor.RETENTION_CRC);
        long genB = segment.get(LONG, IndexFileDescriptor.RETENTION_BLOCK_B_OFFSET + IndexFileDescriptor.RETENTION_GENERATION);
        long seqB = segment.get(LONG, IndexFileDescriptor.RETENTION_BLOCK_B_OFFSET + IndexFileDescriptor.RETENTION_OLDEST_SEQ);
        int crcB = segment.get(INT, IndexFileDescriptor.RETENTION_BLOCK_B_OFFSET + IndexFileDescriptor.RETENTION_CRC);
        if (lastOldest >= 0 && genA == cGenA && seqA == cSeqA && crcA == cCrcA && genB == cGenB && seqB == cSeqB && crcB == cCrcB) {
            return lastOldest;
        }
        long bestGen = -1;
        long oldest = -1;
        if (valid(genA, seqA, crcA, IndexFileDescriptor.RETENTION_BLOCK_A_OFFSET)) {
            bestGen = genA;
            oldest = seqA;
        }
        if (valid(genB, seqB, crcB, IndexFileDescriptor.RETENTION_BLOCK_B_OFFSET) && genB > bestGen) {
            bestGen = genB;
            oldest = seqB;
        }
        if (bestGen < 0) {
            if (lastOldest < 0) {
                throw new IndexFileException(index.path() + ": both retention blocks are corrupt, the valid window is unknown"
                        + " (run 'pswitch log verify')");
            }
            return lastOldest; // both caught mid-rewrite: keep the last known value, do not cache this state
        }
        cGenA = genA;
        cSeqA = seqA;
        cCrcA = crcA;
        cGenB = genB;
        cSeqB = seqB;
        cCrcB = crcB;
        // The oldest sequence never moves back; a stale read never undoes one already seen.
        if (oldest > lastOldest) {
            lastOldest = oldest;
        }
        return lastOldest;
    }

    private boolean valid(long gen, long seq, int storedCrc, int blockOffset) {
        if (gen <= 0 || seq < 1 || IndexFileDescriptor.retentionBlockOffset(gen) != blockOffset) {
            return false;
        }
        block.set(LONG, IndexFileDescriptor.RETENTION_GENERATION, gen);
        block.set(LONG, IndexFileDescriptor.RETENTION_OLDEST_SEQ, seq);
        return storedCrc == IndexFileDescriptor.retentionCrc(block, crc, scratch);
    }

    @Override
    public long newestSeq() {
        return newestSeq;
    }

    @Override
    public MemorySegment indexSegment() {
        return segment;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public BufferPool pool() {
        return pool;
    }

    public Path indexPath() {
        return index.path();
    }

    @Override
    public void close() {
        index.close();
        pool.close();
    }
}

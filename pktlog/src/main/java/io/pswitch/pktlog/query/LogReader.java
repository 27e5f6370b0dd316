package io.pswitch.pktlog.query;

import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.IndexRecordDescriptor;
import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.zip.CRC32C;

/**
 * Queries over a live or closed log. A record is returned only after its CRC (record + frame
 * bytes) is verified on a private copy of both; a mismatch is counted and the record skipped. The
 * writer may retire records under the reader: a record whose sequence falls below the oldest
 * sequence after it was copied is skipped and counted (its copy may mix old and new bytes).
 *
 * <p>Time ranges are found by binary search in sequence order (timestamps are non-decreasing in
 * sequence order, the writer enforces it), never by a full scan. One reader per thread.
 */
public final class LogReader {
    private enum Read { OK, RETIRED, CORRUPT }

    private final LogSource source;
    private final MemorySegment index;
    private final BufferPool pool;
    private final MemorySegment poolSegment;
    private final int capacity;
    private final byte[] recordBytes = new byte[IndexRecordDescriptor.RECORD_SIZE];
    private final MemorySegment record = MemorySegment.ofArray(recordBytes);
    private final byte[] frameBytes;
    private final MemorySegment frame;
    private final CRC32C crc = new CRC32C();
    private final LogRecord current = new LogRecord();

    private long crcMismatches;
    private long retiredSkipped;
    private long delivered;

    public LogReader(LogSource source) {
        this.source = source;
        this.index = source.indexSegment();
        this.pool = source.pool();
        this.poolSegment = pool.segment();
        this.capacity = source.capacity();
        this.frameBytes = new byte[pool.bufferSize()];
        this.frame = MemorySegment.ofArray(frameBytes);
    }

    /**
     * Copies and verifies record {@code seq} into {@link #current} and {@link #frame}. The copy is
     * trusted only if, after it, the oldest sequence is still at or below {@code seq}: the writer
     * publishes a new oldest before freeing buffers and reusing slots.
     */
    private Read read(long seq) {
        MemorySegment.copy(index, IndexFileDescriptor.recordOffset(seq, capacity), record, 0, IndexRecordDescriptor.RECORD_SIZE);
        boolean ok = IndexRecordDescriptor.isWhole(record) && IndexRecordDescriptor.sequence(record) == seq;
        int stored = 0;
        if (ok) {
            int bufIdx = IndexRecordDescriptor.bufIdx(record);
            stored = IndexRecordDescriptor.storedLength(record);
            int wire = IndexRecordDescriptor.wireLength(record);
            ok = bufIdx >= BufferPoolDescriptor.RESERVED_BUFFERS && bufIdx < pool.bufferCount()
                    && wire >= 1 && stored >= 0 && stored <= wire && stored <= frameBytes.length;
            if (ok && stored > 0) {
                MemorySegment.copy(poolSegment, pool.offset(bufIdx), frame, 0, stored);
            }
        }
        VarHandle.acquireFence();
        if (seq < source.oldestSeq()) {
            retiredSkipped++;
            return Read.RETIRED;
        }
        if (ok) {
            crc.reset();
            crc.update(recordBytes, 0, IndexRecordDescriptor.CRC_COVERED_LENGTH);
            crc.update(frameBytes, 0, stored);
            ok = (int) crc.getValue() == IndexRecordDescriptor.crc(record);
        }
        if (!ok) {
            crcMismatches++;
            return Read.CORRUPT;
        }
        current.load(record);
        return Read.OK;
    }

    /**
     * Record {@code seq}, verified (CRC over the record and its bytes), or null when it is retired,
     * not yet published or fails verification. The result is this reader's reused instance; its
     * bytes are in {@link #frame()} until the next read.
     */
    public LogRecord record(long seq) {
        if (seq < source.oldestSeq() || seq > source.newestSeq()) {
            return null;
        }
        return read(seq) == Read.OK ? current : null;
    }

    /** The stored bytes of the record last returned by {@link #record(long)}, from offset 0. */
    public MemorySegment frame() {
        return frame;
    }

    /**
     * The first readable sequence whose timestamp is {@code >= tsNs}, or {@code newestSeq() + 1}
     * when none. Binary search; records that cannot be read are stepped over.
     */
    public long seekTime(long tsNs) {
        // Probes are not results: a record probed twice must not be counted twice.
        long mismatchesBefore = crcMismatches;
        long retiredBefore = retiredSkipped;
        long lo = source.oldestSeq();
        long hi = source.newestSeq() + 1;
        while (lo < hi) {
            long mid = lo + ((hi - lo) >>> 1);
            long probe = mid;
            Read r = read(probe);
            while (r == Read.CORRUPT && probe + 1 < hi) {
                r = read(++probe);
            }
            if (r == Read.RETIRED) {
                lo = Math.max(lo, Math.max(mid + 1, source.oldestSeq()));
                continue;
            }
            if (r == Read.CORRUPT) {
                hi = mid;
            } else if (current.timestampNs() < tsNs) {
                lo = probe + 1;
            } else {
                hi = mid;
            }
        }
        crcMismatches = mismatchesBefore;
        retiredSkipped = retiredBefore;
        return lo;
    }

    /**
     * Runs {@code query}, handing every verified, matching record to {@code consumer} in sequence
     * order.
     *
     * @return how many records were delivered
     */
    public long query(LogQuery query, RecordConsumer consumer) {
        return query(query, consumer, Long.MIN_VALUE, false);
    }

    /**
     * Runs {@code query} from sequence {@code fromSeq} at least. With {@code stopOnRetired}, stops
     * at the first record retired under the reader instead of stepping over it, so that a reader
     * over several tiers can fetch it from the tier it moved to: {@link #resumeSeq()} then says
     * where to go on, and {@link #endedByRetirement()} is true.
     */
    public long query(LogQuery query, RecordConsumer consumer, long fromSeq, boolean stopOnRetired) {
        endedByRetirement = false;
        long newest = source.newestSeq();
        long seq = query.fromNs() == Long.MIN_VALUE ? source.oldestSeq() : seekTime(query.fromNs());
        // Judged on fromSeq, not on where the seek landed: the seek starts at the oldest record the
        // hot tier holds now, so records retired since the caller's last look would be stepped over.
        if (stopOnRetired && fromSeq != Long.MIN_VALUE && fromSeq < source.oldestSeq()) {
            endedByRetirement = true;
            resumeSeq = fromSeq;
            return 0;
        }
        seq = Math.max(seq, fromSeq);
        long count = 0;
        while (seq <= newest && count < query.limit()) {
            Read r = read(seq);
            if (r == Read.RETIRED) {
                if (stopOnRetired) {
                    retiredSkipped--;
                    endedByRetirement = true;
                    resumeSeq = seq;
                    return count;
                }
                seq = Math.max(seq + 1, source.oldestSeq());
                continue;
            }
            seq++;
            if (r == Read.CORRUPT) {
                continue;
            }
            LogRecord rec = current;
            if (rec.timestampNs() < query.fromNs()) {
                continue;
            }
            if (rec.timestampNs() >= query.toNs()) {
                break;
            }
            if (!query.selects(rec, frame, 0)) {
                continue;
            }
            count++;
            delivered++;
            if (!consumer.accept(rec, frame, 0)) {
                stoppedByConsumer = true;
                break;
            }
        }
        resumeSeq = seq;
        return count;
    }

    private boolean endedByRetirement;
    private boolean stoppedByConsumer;
    private long resumeSeq;

    /** After a query: the sequence it would go on from. */
    public long resumeSeq() {
        return resumeSeq;
    }

    /** After a query with {@code stopOnRetired}: it stopped at a record retired under it. */
    public boolean endedByRetirement() {
        return endedByRetirement;
    }

    /** After a query: its consumer asked it to stop. */
    public boolean stoppedByConsumer() {
        boolean s = stoppedByConsumer;
        stoppedByConsumer = false;
        return s;
    }

    /** Records skipped because their CRC (record + frame) did not match or their fields were impossible. */
    public long crcMismatches() {
        return crcMismatches;
    }

    /** Records skipped because the writer retired them while they were being read. */
    public long retiredSkipped() {
        return retiredSkipped;
    }

    public long delivered() {
        return delivered;
    }
}

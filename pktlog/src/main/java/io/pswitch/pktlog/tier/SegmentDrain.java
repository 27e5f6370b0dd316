package io.pswitch.pktlog.tier;

import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.IndexRecordDescriptor;
import io.pswitch.pktlog.index.LatencyHistogram;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.segment.SegmentWriter;
import java.lang.foreign.MemorySegment;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

/**
 * The drain: moves the hot tier's records, in sequence order, into the segment tier. It reads each
 * published record from its index slot, hands the writer the record's fields and the frame's place
 * in its pool buffer (the writer gathers large frames straight from there with direct I/O: the CPU
 * copies nothing), writes chunks as they fill or when nothing more is published, and makes them
 * durable ({@code fdatasync}) by the durability policy. Then it tells the hot tier how far the
 * segments are durable, and the dataplane retires those records, giving their buffers back.
 *
 * <p><b>Ownership.</b> A record the drain has not yet made durable never retires (the hot tier
 * refuses new records instead), so its slot and its buffer do not change under the drain: no
 * seqlock is needed here, unlike a reader. The drain only reads the pool and the index.
 *
 * <p><b>Never a wait for the dataplane.</b> The dataplane never calls into the drain; it publishes
 * sequence numbers (volatile) and reads {@link PacketLog#drainedSeq()}. When the disk is full or
 * failing, the drain marks itself stalled, retries with back-off, and the hot tier fills: new
 * matches are skipped and counted, forwarding goes on.
 */
public final class SegmentDrain implements Agent {
    /** After a write error, the drain tries again after this long (and says so once per stall). */
    static final long RETRY_NS = 1_000_000_000L;

    private final PacketLog hot;
    private final SegmentWriter writer;
    private final DrainPolicy policy;
    private final NanoClock clock;
    private final MemorySegment index;
    private final int capacity;
    private final BufferPool pool;
    private final MemorySegment poolSegment;
    private final MemorySegment record = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);

    /** Next sequence to hand to the writer. */
    private long nextSeq;
    /** Last sequence written (not necessarily durable). */
    private long writtenSeq;
    private long durableSeq;
    /** When the oldest written-not-durable record was written (0: none). */
    private long unsyncedSinceNs;
    private long unsyncedRecords;
    private long retryAtNs;
    /** When the drain first saw a record that is not yet durable (0: none): the start of a commit. */
    private long firstUnsyncedSeenNs;
    private final LatencyHistogram syncLatency = new LatencyHistogram();
    private volatile String lastError;
    /**
     * The writer's figures, copied here by the drain after each write or sync so that other threads
     * (metrics, REST, status) read them without racing the writer's plain fields.
     */
    private volatile long statBytesWritten;
    private volatile long statSegments;
    private volatile long statSegmentBytes;
    private volatile long statSegmentsDeleted;
    private volatile long statWrittenSeq;
    private volatile long stalls;
    private volatile long drainedRecords;

    /**
     * @param firstSeq the first sequence the segment tier does not hold (the drain starts there)
     */
    public SegmentDrain(PacketLog hot, SegmentWriter writer, DrainPolicy policy, NanoClock clock, long firstSeq) {
        this.hot = hot;
        this.writer = writer;
        this.policy = policy;
        this.clock = clock;
        this.index = hot.indexSegment();
        this.capacity = hot.capacity();
        this.pool = hot.pool();
        this.poolSegment = pool.segment();
        this.nextSeq = firstSeq;
        this.writtenSeq = firstSeq - 1;
        this.durableSeq = firstSeq - 1;
        // What recovery found in the segments is durable already.
        this.drainedRecords = firstSeq - 1;
        this.statWrittenSeq = firstSeq - 1;
    }

    @Override
    public String roleName() {
        return "pswitch-drain";
    }

    @Override
    public int doWork() {
        long now = clock.nanoTime();
        if (retryAtNs != 0) {
            if (now - retryAtNs < 0) {
                return 0;
            }
            retryAtNs = 0;
        }
        try {
            int work = stage(hot.newestSeq());
            if (work > 0 && firstUnsyncedSeenNs == 0) {
                firstUnsyncedSeenNs = now;
            }
            if (writer.stagedRecords() > 0) {
                written(writer.write());
                work++;
                if (unsyncedSinceNs == 0) {
                    unsyncedSinceNs = now;
                }
            }
            unsyncedRecords = writtenSeq - durableSeq;
            if (unsyncedRecords > 0 && policy.syncDue(unsyncedRecords, now - unsyncedSinceNs)) {
                durableSeq = writer.sync();
                unsyncedSinceNs = 0;
                hot.drained(durableSeq);
                drainedRecords = durableSeq;
                if (firstUnsyncedSeenNs != 0) {
                    syncLatency.record(clock.nanoTime() - firstUnsyncedSeenNs);
                    firstUnsyncedSeenNs = 0;
                }
                work++;
            }
            if (hot.drainStalled()) {
                hot.drainStalled(false);
            }
            if (work > 0) {
                publishStats();
            }
            return work;
        } catch (RuntimeException e) {
            // A full disk or a failing device: keep what is staged, let the hot tier hold the
            // records (and then skip new matches), and try again later.
            lastError = e.getMessage();
            stalls++;
            hot.drainStalled(true);
            retryAtNs = now + RETRY_NS;
            return 0;
        }
    }

    /** Stages published records until the chunk is full or none is left; returns how many. */
    private int stage(long newest) {
        int staged = 0;
        while (nextSeq <= newest) {
            long seq = nextSeq;
            MemorySegment.copy(index, IndexFileDescriptor.recordOffset(seq, capacity), record, 0, IndexRecordDescriptor.RECORD_SIZE);
            if (IndexRecordDescriptor.sequence(record) != seq) {
                throw new IllegalStateException("hot tier slot of record " + seq + " holds record "
                        + IndexRecordDescriptor.sequence(record) + ": a record retired before it was drained");
            }
            int bufIdx = IndexRecordDescriptor.bufIdx(record);
            boolean added = writer.add(seq, IndexRecordDescriptor.timestampNs(record), IndexRecordDescriptor.ingressPort(record),
                    IndexRecordDescriptor.decision(record), IndexRecordDescriptor.filterMask(record),
                    IndexRecordDescriptor.firstFilterId(record), IndexRecordDescriptor.wireLength(record),
                    IndexRecordDescriptor.storedLength(record), IndexRecordDescriptor.tunnel(record), poolSegment,
                    pool.offset(bufIdx));
            if (!added) {
                written(writer.write());
                if (unsyncedSinceNs == 0) {
                    unsyncedSinceNs = clock.nanoTime();
                }
                continue;
            }
            nextSeq = seq + 1;
            staged++;
        }
        return staged;
    }

    private void publishStats() {
        statBytesWritten = writer.bytesWritten();
        statSegments = writer.segmentCount();
        statSegmentBytes = writer.segmentBytes();
        statSegmentsDeleted = writer.segmentsDeleted();
        statWrittenSeq = writtenSeq;
    }

    /** Bytes written to segments since start (chunk headers, descriptors, frames and padding). */
    public long bytesWritten() {
        return statBytesWritten;
    }

    /** Segment files the tier holds now. */
    public long segments() {
        return statSegments;
    }

    /** Bytes the segment files take now. */
    public long segmentBytes() {
        return statSegmentBytes;
    }

    /** Oldest segments deleted by retention since start. */
    public long segmentsDeleted() {
        return statSegmentsDeleted;
    }

    /** Last sequence written to a segment (durable or not). */
    public long writtenSeq() {
        return statWrittenSeq;
    }

    /** Takes a write's result; no room on the file system is a stall, retried later. */
    private void written(long seq) {
        if (seq == SegmentWriter.NO_SPACE) {
            throw new IllegalStateException("no space for a new segment in " + writer.directory()
                    + " (nothing older left to delete): new matches are skipped until there is");
        }
        writtenSeq = seq;
    }

    /** Writes and syncs everything published (at close, and for a clean stop). */
    @Override
    public void onClose() {
        try {
            stage(hot.newestSeq());
            if (writer.stagedRecords() > 0) {
                written(writer.write());
            }
            if (writtenSeq > durableSeq) {
                durableSeq = writer.sync();
                hot.drained(durableSeq);
                drainedRecords = durableSeq;
            }
            publishStats();
        } catch (RuntimeException e) {
            lastError = e.getMessage();
        }
    }

    /** Last sequence durable in the segments. */
    public long durableSeq() {
        return drainedRecords;
    }

    /**
     * From the drain seeing a published record to that record being durable in its segment (the
     * wait of a sync-mode frame, less the drain's wake-up).
     */
    public LatencyHistogram syncLatency() {
        return syncLatency;
    }

    /** The last write error, or null. */
    public String lastError() {
        return lastError;
    }

    /** How many times writing failed (each followed by a pause of {@link #RETRY_NS}). */
    public long stalls() {
        return stalls;
    }
}

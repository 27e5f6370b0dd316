package io.pswitch.pktlog.tier;

import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.IndexRecordDescriptor;
import io.pswitch.pktlog.index.LatencyHistogram;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.segment.SegmentException;
import io.pswitch.pktlog.segment.SegmentSyncer;
import io.pswitch.pktlog.segment.SegmentWriter;
import java.lang.foreign.MemorySegment;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

/**
 * The drain: moves the hot tier's records, in sequence order, into the segment tier. It reads each
 * published record from its index slot, hands the writer the record's fields and the frame's place
 * in its pool buffer (the writer gathers large frames straight from there with direct I/O: the CPU
 * copies nothing), writes chunks as they fill or when nothing more is published, and makes them
 * durable ({@code fdatasync}) by the durability policy.
 *
 * <p><b>Two sequences.</b> After each write it tells the hot tier how far the segments are
 * <em>written</em> ({@link PacketLog#writtenToSegments}), after each flush how far they are
 * <em>durable</em> ({@link PacketLog#drained}). The dataplane retires records, giving their buffers
 * back, once written when the hot tier is volatile (tmpfs: its copy would die in a power cut as the
 * unflushed write may, and outlives a process crash as the completed write does, so keeping it
 * until the flush protects nothing), once durable when it survives a power cut (dax): see
 * {@code TieredRetention}. {@code sync} durability waits for the durable sequence, whatever the
 * hot tier. Before either is handed to the hot tier, what readers need to find those records in
 * the segments ({@link #writtenSeq()}, {@link #summary()}) is published: a record gone from the
 * hot tier is in the segments ({@link TieredLogReader} relies on this order).
 *
 * <p><b>Ownership.</b> A record the drain has not yet written never retires (the hot tier refuses
 * new records instead), so its slot and its buffer do not change under the drain: no seqlock is
 * needed here, unlike a reader. Once its chunk's {@code pwritev} returned, the writer never reads
 * its buffer again (a failed flush is retried as a flush, never as a rewrite). The drain only reads
 * the pool and the index.
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
    /** Last sequence written to a segment (not necessarily durable). */
    private long writtenSeq;
    private long durableSeq;
    /** When the oldest written-not-durable record was written (0: none). */
    private long unsyncedSinceNs;
    private long unsyncedRecords;
    private long retryAtNs;
    /** When the drain first saw a record that is not yet durable (0: none): the start of a commit. */
    private long firstUnsyncedSeenNs;
    private final LatencyHistogram syncLatency = new LatencyHistogram();
    /** Group commit on its own thread (null: the drain syncs itself, between writes). */
    private SegmentSyncer syncer;
    private long syncerFailures;
    /** Last sequence handed to the syncer, and when the oldest record it covers was first seen. */
    private long requestedSeq;
    private long requestSeenNs;
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
    private volatile long statOldestSeq;
    private volatile long statOldestTsNs;
    private volatile long statNewestSeq;
    private volatile long statNewestTsNs;
    /** Records that left the hot tier before the drain took them (see {@link #stage}). */
    private volatile long lostBeforeDrain;
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
        publishStats();
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
            if (syncer != null) {
                writer.retrySync(syncer);
                requestedSeq = durableSeq;
            }
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
            if (syncer != null) {
                work += groupCommit(now);
            } else {
                work += syncInline(now);
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

    /**
     * Group commit: takes what the syncer made durable, and asks it for more when the policy says
     * so. The drain never waits for a flush: it goes on writing while one runs.
     */
    private int groupCommit(long now) {
        int work = 0;
        if (syncer.failures() != syncerFailures) {
            syncerFailures = syncer.failures();
            throw new SegmentException(syncer.failure());
        }
        long d = writer.pollSynced(syncer);
        if (d > durableSeq) {
            durableSeq = d;
            // Published before the hot tier hears of it (a dax hot tier retires here).
            drainedRecords = d;
            publishStats();
            hot.drained(d);
            if (requestSeenNs != 0) {
                syncLatency.record(clock.nanoTime() - requestSeenNs);
                if (d >= requestedSeq) {
                    requestSeenNs = 0;
                }
            }
            work++;
        }
        long unrequested = writtenSeq - requestedSeq;
        if (unrequested > 0 && policy.syncDue(unrequested, now - unsyncedSinceNs)) {
            writer.requestSync(syncer);
            requestedSeq = writtenSeq;
            unsyncedSinceNs = 0;
            // Requests merge in the syncer: the oldest record still waiting sets the latency.
            if (requestSeenNs == 0) {
                requestSeenNs = firstUnsyncedSeenNs != 0 ? firstUnsyncedSeenNs : now;
            }
            firstUnsyncedSeenNs = 0;
            work++;
        }
        return work;
    }

    /** The drain syncs itself: the lowest latency for one waiting writer (sync durability). */
    private int syncInline(long now) {
        unsyncedRecords = writtenSeq - durableSeq;
        if (unsyncedRecords <= 0 || !policy.syncDue(unsyncedRecords, now - unsyncedSinceNs)) {
            return 0;
        }
        durableSeq = writer.sync();
        unsyncedSinceNs = 0;
        drainedRecords = durableSeq;
        publishStats(); // before the hot tier hears of it, as in groupCommit
        hot.drained(durableSeq);
        if (firstUnsyncedSeenNs != 0) {
            syncLatency.record(clock.nanoTime() - firstUnsyncedSeenNs);
            firstUnsyncedSeenNs = 0;
        }
        return 1;
    }

    /**
     * Hands the drain's flushes to {@code syncer} (group commit on its own thread), before the
     * drain runs. The caller runs the syncer's agent and closes it after the drain's.
     */
    public void attach(SegmentSyncer s) {
        this.syncer = s;
    }

    /**
     * Stages published records until the chunk is full (then writes it) or none is left; returns
     * how many it staged, plus one for a write.
     *
     * <p>One write per duty cycle at most: after a full chunk the cycle goes on to the group
     * commit, which asks for the flush of what was just written. Staging a whole backlog first
     * (tens of thousands of records, one {@code pwritev} of 2 MiB per chunk, each taking
     * milliseconds under load) kept every write of it unflushed until the last one: measured at
     * 1 KiB frames under a backlog, commit p50 of hundreds of ms where the policy asks for 1 ms
     * (BENCHMARKS.md).
     */
    private int stage(long newest) {
        int staged = 0;
        if (nextSeq <= newest) {
            long oldest = hot.oldestSeq();
            if (oldest > nextSeq) {
                skipRetired(nextSeq, oldest);
            }
        }
        while (nextSeq <= newest) {
            long seq = nextSeq;
            MemorySegment.copy(index, IndexFileDescriptor.recordOffset(seq, capacity), record, 0, IndexRecordDescriptor.RECORD_SIZE);
            if (IndexRecordDescriptor.sequence(record) != seq) {
                long oldest = hot.oldestSeq();
                if (oldest <= seq) {
                    throw new IllegalStateException("hot tier slot of record " + seq + " holds record "
                            + IndexRecordDescriptor.sequence(record) + " while the hot tier still holds it");
                }
                skipRetired(seq, oldest);
                continue;
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
                return staged + 1;
            }
            nextSeq = seq + 1;
            staged++;
        }
        return staged;
    }

    /**
     * Records {@code seq .. oldest-1} left the hot tier before the drain took them (a retention
     * bug, or an operator's trim): they are gone, and waiting for them would stall the drain
     * forever while the hot tier fills. The segment tier goes on at the oldest record still
     * present, past a declared gap ({@link SegmentWriter#restartAt}), and the gap is counted and
     * said once.
     */
    private void skipRetired(long seq, long oldest) {
        if (writer.stagedRecords() > 0) {
            written(writer.write());
            if (unsyncedSinceNs == 0) {
                unsyncedSinceNs = clock.nanoTime();
            }
        }
        writer.restartAt(oldest);
        lostBeforeDrain += oldest - seq;
        nextSeq = oldest;
        System.err.println("pswitch: drain: records " + seq + ".." + (oldest - 1) + " left the hot tier before they reached"
                + " the segments: skipped, the segment tier goes on at " + oldest + " (pswitch_log_drain_lost_records_total "
                + lostBeforeDrain + ")");
    }

    /** Records lost because they left the hot tier before the drain took them, since start. */
    public long lostBeforeDrain() {
        return lostBeforeDrain;
    }

    /** The segment tier's oldest and newest record, segment count and bytes, as last published (any thread). */
    public SegmentTierSummary summary() {
        return new SegmentTierSummary(statOldestSeq, statOldestTsNs, statNewestSeq, statNewestTsNs, statSegments,
                statSegmentBytes);
    }

    private void publishStats() {
        statBytesWritten = writer.counters().bytesWritten();
        statSegments = writer.segmentCount();
        statSegmentBytes = writer.segmentBytes();
        statSegmentsDeleted = writer.counters().segmentsDeleted();
        statWrittenSeq = writtenSeq;
        statOldestSeq = writer.oldestSeq();
        statOldestTsNs = writer.oldestTsNs();
        // The newest record readers find in the segments: written, durable or not (a volatile hot
        // tier has let it go already).
        statNewestTsNs = writer.writtenTsNs();
        statNewestSeq = writer.writtenSeq();
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

    /**
     * Last sequence written to a segment (durable or not; any thread): readers of a running log read
     * the segments up to here ({@link LogView#of}), since a volatile hot tier retires records from
     * here on. Not for {@code sync} durability: see {@link #durableSeq()}.
     */
    public long writtenSeq() {
        return statWrittenSeq;
    }

    /**
     * Takes a write's result; no room on the file system is a stall, retried later. The records are
     * in their segment file now: published for readers first, then handed to the hot tier.
     */
    private void written(long seq) {
        if (seq == SegmentWriter.NO_SPACE) {
            throw new IllegalStateException("no space for a new segment in " + writer.directory()
                    + " (nothing older left to delete): new matches are skipped until there is");
        }
        if (seq > writtenSeq) {
            writtenSeq = seq;
            publishStats();
            hot.writtenToSegments(seq);
        }
    }

    /** Writes and syncs everything published (at close, and for a clean stop). */
    @Override
    public void onClose() {
        try {
            long newest = hot.newestSeq();
            while (stage(newest) > 0) {
                // a chunk at a time, until every published record is staged or written
            }
            if (writer.stagedRecords() > 0) {
                written(writer.write());
            }
            if (writtenSeq > durableSeq) {
                durableSeq = writer.sync();
                drainedRecords = durableSeq;
                publishStats();
                hot.drained(durableSeq);
            }
            publishStats();
        } catch (RuntimeException e) {
            lastError = e.getMessage();
        }
    }

    /**
     * Last sequence durable (flushed) in the segments (any thread): what {@code sync} waits for, and
     * what {@code GET /api/v1/log} and the metrics call durable.
     */
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

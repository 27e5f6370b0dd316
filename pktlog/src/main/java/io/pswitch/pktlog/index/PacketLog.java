package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.pool.StorageClass;
import io.pswitch.pktlog.sched.StorageThreads;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.agrona.concurrent.Agent;

/**
 * The persistent packet log writer (the hot tier): frames stay in place in their pool buffers, and
 * the log keeps a circular index of records pointing at them. Single writer (the dataplane thread);
 * readers on other threads go through {@link LogSource}. This class appends; the other jobs have
 * their own classes:
 * <ul>
 *   <li>durability, the order of persistence and group commit: {@link GroupCommit}, flushed off the
 *       writer's thread by the {@link LogCommitAgent};</li>
 *   <li>how records leave (retention block first, then the oldest sequence, then the buffers):
 *       {@link Retirement}; when they leave: {@link UntieredRetention} without a segment tier,
 *       {@link TieredRetention} under one;</li>
 *   <li>the shared sequence numbers and their ordering: {@link LogSequences}; which buffer each
 *       slot holds: {@link RecordSlots}; recovery at open: {@link Recovery}.</li>
 * </ul>
 *
 * <p><b>Append.</b> {@link #append} writes the record (whose CRC covers the stored frame bytes) into
 * its slot and remembers the frame's line-aligned range, so that a commit makes the frame durable
 * before the record that points at it. {@link #publish} lets readers see records before they are
 * durable (the {@code batch} and {@code async} modes); a commit publishes too.
 *
 * <p><b>Ownership.</b> {@code append} takes ownership of the buffer. The log gives it back to the
 * pool's free list only when its record retires, and only after the new oldest sequence is durable
 * (see {@link IndexFileDescriptor}): until then no one else can write into it. A
 * {@link BufferRelease} set by the owner of the rings may delay that return while the buffer is
 * still in a ring (a logged frame waiting to be transmitted).
 *
 * <p>Hot path ({@code append}, {@code requestCommit}, {@code publish}): no allocation, no locks; the
 * flushes go through {@link LogStorage}.
 */
public final class PacketLog implements LogSource, AutoCloseable {
    private static final int LINE = 64;

    /** Returned by {@link #append} when a tiered hot tier is full of undrained records. */
    public static final long REFUSED = -1;

    /** Told, on the thread that committed, each time records become durable. */
    public interface CommitListener {
        /** Records {@code fromSeq..toSeq} are durable (some may have retired meanwhile). */
        void committed(long fromSeq, long toSeq);
    }

    /**
     * Where a retired record's buffer goes. The default gives it back to the pool; a switch whose
     * rings may still hold the buffer (a logged frame not yet transmitted) delays that.
     */
    public interface BufferRelease {
        void release(int bufIdx);
    }

    private final IndexFile index;
    private final BufferPool pool;
    private final MemorySegment indexSegment;
    private final LogStorage storage;
    private final int capacity;
    private final RecoveryReport recoveryReport;
    private final RecordValidator crcs;
    private final byte[] recordArray = new byte[IndexRecordDescriptor.RECORD_SIZE];
    private final LogSequences seq;
    private final RecordSlots slots;
    private final GroupCommit commits;
    private final Retirement retirement;
    private final UntieredRetention untiered;
    private final TieredRetention tiered;
    /** The commit agent once commits are handed over; null: every commit runs on the writer's thread. */
    private LogCommitAgent committer;
    private StorageThreads threads = StorageThreads.normal();
    private long lastTimestampNs;
    private long appended;
    private boolean closed;

    private PacketLog(IndexFile index, BufferPool pool, LogStorage storage, PacketLogConfig config, RecoveryReport report) {
        this.index = index;
        this.pool = pool;
        this.indexSegment = index.segment();
        this.storage = storage;
        this.capacity = config.capacity();
        this.recoveryReport = report;
        this.crcs = new RecordValidator(pool, capacity);
        this.seq = new LogSequences(report);
        this.slots = new RecordSlots(index, report, capacity);
        this.lastTimestampNs = report.newestTimestampNs();
        this.commits = new GroupCommit(seq, storage, indexSegment, pool.segment(), capacity,
                pool.storageClass() != StorageClass.DAX);
        this.retirement = new Retirement(seq, slots, storage, indexSegment, report.retentionGeneration(), pool::free);
        this.untiered = new UntieredRetention(seq, retirement, pool, config);
        this.tiered = new TieredRetention(seq, retirement, pool, config);
    }

    /** Opens (creating when absent) the log whose index is {@code index} next to the pool file. */
    public static PacketLog open(BufferPool pool, PacketLogConfig config) {
        return open(pool, IndexFileDescriptor.defaultPath(pool.path()), config, LogStorage.MAPPED);
    }

    /**
     * Opens (creating when absent) the index at {@code indexPath} for {@code pool}, and recovers it:
     * the buffers of the surviving records are taken off the pool's free list, so this must run
     * before anything allocates from the pool.
     *
     * @throws IndexFileException when the index belongs to another pool, has another capacity, is
     *     not an index, or the disk cannot hold it
     */
    public static PacketLog open(BufferPool pool, Path indexPath, PacketLogConfig config, LogStorage storage) {
        return open(pool, indexPath, config, storage, 0);
    }

    /**
     * As {@link #open(BufferPool, Path, PacketLogConfig, LogStorage)} under a segment tier whose
     * recovered log ends at {@code floor - 1}: the records it holds retire at recovery, unchecked
     * (see {@link Recovery#recover(IndexFile, BufferPool, LogStorage, long)}).
     */
    public static PacketLog open(BufferPool pool, Path indexPath, PacketLogConfig config, LogStorage storage, long floor) {
        IndexFile index = IndexFile.openForWriting(indexPath, pool.poolId(), config.capacity());
        try {
            LogStorage used = LogStorage.of(storage, pool, indexPath);
            RecoveryReport report = Recovery.recover(index, pool, used, floor);
            return new PacketLog(index, pool, used, config, report);
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /**
     * Logs one frame whose bytes are already in pool buffer {@code bufIdx}; the log now owns the buffer.
     *
     * @param storedLength bytes kept (snaplen applied), {@code <= wireLength} and the buffer size
     * @param timestampNs receive time; raised to the previous record's if earlier, so that time is
     *     non-decreasing in sequence order (readers binary-search on it)
     * @param filterMask bit i set when filter id i (&lt; 64) matched
     * @param firstFilterId first matching filter id, or {@link IndexRecordDescriptor#NO_FILTER}
     * @param decision forwarding decision (see {@link IndexRecordDescriptor})
     * @return the record's sequence number, or {@link #REFUSED} when the log is tiered and its hot
     *     tier is full of records the segments do not hold yet (the caller keeps the buffer)
     */
    public long append(int bufIdx, int storedLength, int wireLength, long timestampNs, int ingressPort,
                       long filterMask, int firstFilterId, int decision) {
        return append(bufIdx, storedLength, wireLength, timestampNs, ingressPort, filterMask, firstFilterId, decision, 0L);
    }

    /** {@link #append} with the frame's tunnel metadata (see {@code TunnelMeta}; 0 = none), kept in segments. */
    public long append(int bufIdx, int storedLength, int wireLength, long timestampNs, int ingressPort,
                       long filterMask, int firstFilterId, int decision, long tunnel) {
        if (bufIdx < BufferPoolDescriptor.RESERVED_BUFFERS || bufIdx >= pool.bufferCount()) {
            throw new IllegalArgumentException("bufIdx " + bufIdx + " is not a pool buffer");
        }
        if (wireLength < 1 || storedLength < 0 || storedLength > wireLength || storedLength > pool.bufferSize()) {
            throw new IllegalArgumentException("stored length " + storedLength + " / wire length " + wireLength
                    + " invalid for " + pool.bufferSize() + "-byte buffers");
        }
        // Space before the slot is touched: retirement makes the new oldest durable before the slot is reused.
        retirement.poll();
        if (tiered.tiered()) {
            if (!tiered.makeRoom()) {
                return REFUSED;
            }
        } else {
            untiered.makeRoom();
        }
        // 1) The frame's range, flushed at the next commit before any record: a committed record
        // never points at bytes that are not durable.
        if (storedLength > 0) {
            commits.addFrame(pool.offset(bufIdx), (storedLength + LINE - 1) & ~(LINE - 1));
        }
        long s = seq.next;
        long ts = Math.max(timestampNs, lastTimestampNs);
        IndexRecordDescriptor.write(recordArray, s, ts, ingressPort, filterMask, firstFilterId, wireLength, storedLength,
                bufIdx, decision, tunnel);
        IndexRecordDescriptor.writeCrc(recordArray, crcs.crc(recordArray, bufIdx, storedLength));
        // 2) The record, into its slot; durable at the next commit.
        int slot = IndexFileDescriptor.slot(s, capacity);
        storage.write(indexSegment, IndexFileDescriptor.slotOffset(slot), recordArray, IndexRecordDescriptor.RECORD_SIZE);
        slots.put(slot, bufIdx, storedLength);
        lastTimestampNs = ts;
        seq.next = s + 1;
        appended++;
        return s;
    }

    // ---------------------------------------------------------------- durability (see GroupCommit)

    /**
     * 3) Makes every record appended since the last commit durable — their frames' bytes first,
     * then the slots they occupy — and publishes them to readers, on this thread. Once per batch at most.
     *
     * @return the committed sequence: every record up to it survives a crash unless retention retires it
     */
    public long commit() {
        if (committer != null) {
            commits.awaitInFlight();
        }
        retirement.await();
        return commits.commitNow();
    }

    /** At which nice value {@link #startCommitter} starts the commit agent's thread (before it). */
    public synchronized void storageThreads(StorageThreads t) {
        threads = t;
    }

    /**
     * Hands commits over to the commit agent, run on a thread of its own by an Agrona
     * {@code AgentRunner}. Once, before the first request; {@link #close} stops it.
     */
    public synchronized void startCommitter() {
        if (committer == null) {
            handCommitsTo();
            committer.start(threads);
        }
    }

    /**
     * Hands commits over to a commit agent that the caller runs itself (tests drive it by calling
     * {@code doWork()}); returns it. Instead of {@link #startCommitter}.
     */
    public synchronized Agent handCommitsTo() {
        if (committer == null) {
            LogCommitAgent a = new LogCommitAgent(retirement, commits);
            commits.agent(a);
            retirement.agent(a);
            committer = a;
        }
        return committer;
    }

    /**
     * Hands every record appended and not yet handed over to the commit agent, unless a commit is
     * still in flight (then they go with the next request). Never blocks. Without an agent, commits
     * here. Writer thread.
     *
     * @return true when a commit was handed over (or there was nothing to commit)
     */
    public boolean requestCommit() {
        if (committer == null) {
            commit();
            return true;
        }
        return commits.request();
    }

    /** Records appended and not yet handed to a commit. Writer thread. */
    public long unrequestedCount() {
        return commits.unrequested();
    }

    /** The commit agent's failure (an I/O error flushing), or null. */
    public Throwable committerError() {
        LogCommitAgent a = committer;
        return a == null ? null : a.error();
    }

    /** Sets who hears of commits (before the first append; called on the committing thread). */
    public void commitListener(CommitListener l) {
        commits.listener(l);
    }

    /**
     * Lets readers see every record appended so far, without making them durable: a crash may
     * still lose them (never return them corrupt). Cheap: one volatile store.
     */
    public void publish() {
        seq.visible = seq.next - 1;
    }

    // ---------------------------------------------------------------- retention (see Retirement)

    /** Sets where retired buffers go (before the first append; dataplane thread). */
    public void bufferRelease(BufferRelease r) {
        retirement.release(r);
    }

    /** Finishes a retirement the commit agent has made durable. Writer thread; cheap when none. */
    public void poll() {
        retirement.poll();
    }

    /** Retires up to {@code n} oldest records now (for an operator's "trim", a pool run dry, and tests). */
    public int retireOldest(int n) {
        return retirement.retireNow(n);
    }

    /**
     * Makes this a tiered log's hot tier: from now on only records the segments hold retire (up to
     * {@link #writtenToSegments} on a volatile pool, up to {@link #drained} on one that survives a
     * power cut: see {@link TieredRetention}), and a full hot tier refuses new records. Before the
     * first append; any thread that then starts the drain.
     */
    public void tiered(long drainedThrough) {
        tiered.tiered(drainedThrough);
    }

    public boolean isTiered() {
        return tiered.tiered();
    }

    /**
     * The drain wrote every record up to {@code s} to its segment, not flushed yet (drain thread):
     * readers find them there from now on, and a volatile hot tier may retire them. Whatever
     * readers need to find them there (the drain's published figures) is published before.
     */
    public void writtenToSegments(long s) {
        tiered.written(s);
    }

    /** Last sequence written to the segments (durable or not); {@code Long.MAX_VALUE} when untiered. */
    public long writtenToSegmentsSeq() {
        return tiered.writtenSeq();
    }

    /** The drain made every record up to {@code s} durable (flushed) in the segment tier (drain thread). */
    public void drained(long s) {
        tiered.drained(s);
    }

    /**
     * Last sequence durable (flushed) in the segments; {@code Long.MAX_VALUE} when untiered. What
     * {@code sync} durability waits for: a record only written there may still die in a power cut.
     */
    public long drainedSeq() {
        return tiered.drainedSeq();
    }

    /**
     * Whether records retire once written to their segment (a volatile pool: its copy would not
     * outlive a power cut anyway) rather than once durable there (dax, a pool on a disk).
     */
    public boolean retiresOnceWritten() {
        return tiered.retireOnceWritten();
    }

    /** Set by the drain while it cannot write (full disk, I/O error), cleared when it can again. */
    public void drainStalled(boolean stalled) {
        tiered.stalled(stalled);
    }

    /** True while the drain cannot write: a sync-mode writer then stops waiting for it. */
    public boolean drainStalled() {
        return tiered.stalled();
    }

    /** Appends refused because the hot tier was full of records not yet drained. */
    public long refusedUndrained() {
        return tiered.refused();
    }

    /** Tiered, writer thread, once a duty cycle: retires what the segments hold (see {@link #tiered}); never waits. */
    public void retireDrained() {
        tiered.retireDrained();
    }

    /** Retires every drained record now, on this thread, waiting for the flush (close time). */
    public void retireAllDrained() {
        tiered.retireAllDrained();
    }

    /**
     * An empty log starts its sequence at {@code first} (the segment tier already holds everything
     * before it, e.g. after a power cut emptied a hot tier in memory): the oldest marker moves there
     * durably first, so a crash cannot bring the old numbering back. Writer thread, before appends.
     */
    public void startAtLeast(long first) {
        if (seq.next != seq.oldest || first <= seq.next) {
            return;
        }
        retirement.startAt(first);
    }

    /** Commits what is pending and unmaps the index. The log's buffers stay owned by it (the pool is the caller's). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (committer != null) {
            committer.finishCallerDriven();
        }
        commit();
        closed = true;
        if (committer != null) {
            committer.close();
        }
        index.close();
    }

    // ---------------------------------------------------------------- views

    @Override
    public MemorySegment indexSegment() {
        return indexSegment;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public BufferPool pool() {
        return pool;
    }

    @Override
    public long oldestSeq() {
        return seq.oldest;
    }

    /** For readers: the last published sequence (committed, or published ahead of durability). */
    @Override
    public long newestSeq() {
        return seq.visible;
    }

    public long committedSeq() {
        return seq.committed;
    }

    /** Sequence of the last appended record (committed or not); {@code oldestSeq() - 1} when none. */
    public long appendedSeq() {
        return seq.next - 1;
    }

    /** Records appended but not yet committed. */
    public long pendingCount() {
        return seq.next - 1 - seq.committed;
    }

    /** Records (and so buffers) the log holds now. */
    public long liveRecords() {
        return seq.live();
    }

    /** Stored frame bytes of the live records (writer thread). */
    public long liveBytes() {
        return slots.liveBytes();
    }

    /** Records appended since open. */
    public long appendedCount() {
        return appended;
    }

    public long retiredCount() {
        return retirement.byIndexFull() + retirement.byLowWater();
    }

    public long retiredByIndexFull() {
        return retirement.byIndexFull();
    }

    public long retiredByLowWater() {
        return retirement.byLowWater();
    }

    public LatencyHistogram commitLatency() {
        return commits.latency();
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public Path indexPath() {
        return index.path();
    }

    /** The buffer a live record points at (for ownership checks). */
    public int bufIdx(long s) {
        if (s < seq.oldest || s >= seq.next) {
            throw new IllegalArgumentException("sequence " + s + " is not live (" + seq.oldest + ".." + (seq.next - 1) + ")");
        }
        return slots.bufIdx(s);
    }
}

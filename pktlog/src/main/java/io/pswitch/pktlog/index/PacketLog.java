package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.pool.StorageClass;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import java.util.zip.CRC32C;

/**
 * The persistent packet log writer: frames stay in place in their pool buffers, and the log keeps a
 * circular index of records pointing at them. Single writer (the dataplane thread); readers on
 * other threads go through {@link LogSource}.
 *
 * <p><b>Order of persistence.</b> {@link #append} writes the record (whose CRC covers the stored
 * frame bytes) into its slot and remembers the frame's line-aligned range; {@link #commit} first
 * flushes those frame ranges, then every slot written since the previous commit. So everything up to
 * the sequence {@code commit()} returned survives a crash with its bytes. A record the kernel wrote
 * back on its own before its frame reached the disk fails its CRC after a crash and is dropped by
 * recovery, never returned (it was not committed, so nothing promised it).
 *
 * <p><b>How frames are flushed</b> depends on the storage. On {@link StorageClass#DAX} a flush is a
 * cache-line write-back of exactly the range (no system call), so each frame's line-aligned range
 * is flushed and nothing more. Elsewhere a flush is an {@code msync} system call: on
 * {@link StorageClass#BLOCK} each one is a device round trip (~300 µs on ext4 whatever its size),
 * on {@link StorageClass#VOLATILE} (tmpfs) it costs the call alone; either way one flush spanning
 * all the frames of a commit is far cheaper than one per frame.
 *
 * <p><b>Visibility.</b> {@link #publish} lets readers see appended records before they are durable
 * (the {@code batch} and {@code async} durability modes of the switch); {@link #commit} publishes too.
 *
 * <p><b>Group commit off the writer's thread.</b> {@link #commit} flushes on the calling thread and
 * returns once durable (the {@code sync} mode: a frame waits for its record). With
 * {@link #startCommitter}, {@link #requestCommit} instead hands everything appended so far to a
 * committer thread and returns at once; records appended while that commit runs go with the next
 * one. So the writer (the dataplane) never waits for a disk, and commits grow with the load. The
 * committer only flushes ranges the writer no longer changes (frames the log owns, slots already
 * written); a range that retention reuses meanwhile is flushed harmlessly.
 *
 * <p><b>Ownership.</b> {@code append} takes ownership of the buffer. The log gives it back to the
 * pool's free list only when retention retires its record, and only after the new oldest sequence
 * is durable (see {@link IndexFileDescriptor}): until then no one else can write into it. A
 * {@link BufferRelease} set by the owner of the rings may delay that return while the buffer is
 * still in a ring (a logged frame waiting to be transmitted).
 *
 * <p><b>Retention.</b> FIFO. Before an append, when the index is full or the pool's free count is
 * below the low-water mark, the oldest {@code retireBatch} records retire. Appending never fails
 * for lack of space.
 *
 * <p>Hot path ({@code append}, {@code commit}): no allocation in this class, no locks; the flushes
 * go through {@link LogStorage}.
 */
public final class PacketLog implements LogSource, AutoCloseable {
    private static final int LINE = 64;
    /** Frame ranges remembered between commits; when full, they are flushed early (never lost, never grown). */
    private static final int MAX_PENDING_FRAMES = 4096;

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
    private final MemorySegment poolSegment;
    private final LogStorage storage;
    private final int capacity;
    private final int lowWaterBuffers;
    private final int retireBatch;
    private final RecoveryReport recoveryReport;
    private final RecordValidator crcs;
    private final int[] bufIdxBySlot;
    private final int[] storedBySlot;
    private final byte[] recordArray = new byte[IndexRecordDescriptor.RECORD_SIZE];
    private final MemorySegment record = MemorySegment.ofArray(recordArray);
    private final MemorySegment retention = MemorySegment.ofArray(new byte[IndexFileDescriptor.RETENTION_BLOCK_SIZE]);
    private final byte[] retentionScratch = new byte[IndexFileDescriptor.RETENTION_CRC];
    private final CRC32C retentionCrc = new CRC32C();
    private final LatencyHistogram commitLatency = new LatencyHistogram();
    private final boolean spanFlush;
    /** Frame ranges appended since the last commit (request); swapped with {@link #flight} on a request. */
    private FrameRanges pending = new FrameRanges(MAX_PENDING_FRAMES);
    /** The ranges of the commit the committer is running; owned by it while {@link #flightBusy}. */
    private FrameRanges flight = new FrameRanges(MAX_PENDING_FRAMES);
    private long flightFrom;
    private long flightTo;
    /** A retention block written and not yet durable: its target and where it is. Writer thread. */
    private long retireTo;
    private long retireGeneration;
    private int retireBlockOffset;
    /**
     * Hand-over of a prepared retention block: the writer moves it IDLE → REQUESTED; whoever flushes
     * it claims it REQUESTED → FLUSHING by compare-and-set (the committer, or the writer when it
     * needs the room now and the committer has not begun), then moves FLUSHING → DURABLE; the writer
     * moves DURABLE → IDLE after finishing. The claim makes exactly one thread flush each block, and
     * a writer never waits for a committer thread the scheduler has not run yet.
     */
    private volatile int retireState;
    private static final int RETIRE_IDLE = 0;
    private static final int RETIRE_REQUESTED = 1;
    private static final int RETIRE_DURABLE = 2;
    private static final int RETIRE_FLUSHING = 3;
    private static final VarHandle RETIRE_STATE;

    static {
        try {
            RETIRE_STATE = java.lang.invoke.MethodHandles.lookup().findVarHandle(PacketLog.class, "retireState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** Set by the writer to hand {@link #flight} over, cleared by the committer when durable. */
    private volatile boolean flightBusy;
    /** Last sequence handed to a commit (request or synchronous). Writer thread. */
    private long requestedSeq;
    /** The commit agent once commits are handed over (see {@link #startCommitter}); null: commits on the writer's thread. */
    private LogCommitAgent committer;
    private AgentRunner committerRunner;
    private volatile Throwable committerError;
    private CommitListener listener;
    private BufferRelease release;

    /** Next sequence to append; written only by the writer. */
    private long nextSeq;
    private long lastTimestampNs;
    private long retentionGeneration;
    /** First sequence not retired. Published before buffers are freed or slots reused (see {@link LogSource}). */
    private volatile long oldestSeq;
    /** Last sequence made durable by {@link #commit}. */
    private volatile long committedSeq;
    /** Last sequence readers may see: at least {@code committedSeq}. */
    private volatile long visibleSeq;

    /**
     * Tiered (a segment tier under this hot tier): the last sequence durable in the segments, set by
     * the drain's thread. Retention then retires only records at or below it (they are safe
     * elsewhere), and a full hot tier refuses new records instead of retiring undrained ones.
     * {@code Long.MAX_VALUE} when untiered: every record may retire.
     */
    private volatile long drainedSeq = Long.MAX_VALUE;
    /** Appends refused because the hot tier was full of records not yet drained. Writer thread. */
    private long refusedUndrained;

    private long appended;
    /** Stored bytes of the live records. Writer thread. */
    private long liveBytes;
    private long retiredByIndexFull;
    private long retiredByLowWater;
    private boolean closed;

    private PacketLog(IndexFile index, BufferPool pool, LogStorage storage, PacketLogConfig config, RecoveryReport report,
                      long retentionGeneration) {
        this.index = index;
        this.pool = pool;
        this.indexSegment = index.segment();
        this.poolSegment = pool.segment();
        this.storage = storage;
        this.capacity = config.capacity();
        this.lowWaterBuffers = config.lowWaterBuffers();
        this.retireBatch = config.retireBatch();
        this.recoveryReport = report;
        this.crcs = new RecordValidator(pool, capacity);
        this.bufIdxBySlot = new int[capacity];
        this.storedBySlot = new int[capacity];
        this.nextSeq = report.nextSeq();
        this.oldestSeq = report.oldestSeq();
        this.committedSeq = report.nextSeq() - 1;
        this.visibleSeq = committedSeq;
        this.requestedSeq = committedSeq;
        this.spanFlush = pool.storageClass() != StorageClass.DAX;
        this.release = pool::free;
        this.lastTimestampNs = report.newestTimestampNs();
        this.retentionGeneration = retentionGeneration;
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        for (long seq = report.oldestSeq(); seq < report.nextSeq(); seq++) {
            int slot = IndexFileDescriptor.slot(seq, capacity);
            index.copyRecord(slot, rec);
            bufIdxBySlot[slot] = IndexRecordDescriptor.bufIdx(rec);
            storedBySlot[slot] = IndexRecordDescriptor.storedLength(rec);
            liveBytes += storedBySlot[slot];
        }
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
        IndexFile index = IndexFile.openForWriting(indexPath, pool.poolId(), config.capacity());
        try {
            RecoveryReport report = Recovery.recover(index, pool, storage);
            return new PacketLog(index, pool, storage, config, report, report.retentionGeneration());
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
     *     tier is full of records the drain has not yet made durable (the caller keeps the buffer)
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
        poll();
        long used = nextSeq - oldestSeq;
        if (drainedSeq != Long.MAX_VALUE && !roomWhenTiered(used)) {
            refusedUndrained++;
            return REFUSED;
        }
        used = nextSeq - oldestSeq;
        // 1) The frame's range, flushed at the next commit before any record: a committed record
        // never points at bytes that are not durable.
        if (storedLength > 0) {
            addPendingFrame(pool.offset(bufIdx), (storedLength + LINE - 1) & ~(LINE - 1));
        }
        if (drainedSeq == Long.MAX_VALUE && retireState != RETIRE_IDLE && needsRoomNow(used)) {
            // A retirement ahead of need is in flight and the room is needed now: finish it first
            // (flushing its marker here if the committer has not begun), then retire more only if
            // that was not enough.
            awaitRetirement();
            used = nextSeq - oldestSeq;
        }
        if (drainedSeq != Long.MAX_VALUE) {
            // Tiered: roomWhenTiered made room from drained records only; nothing else may retire.
        } else if (used >= capacity) {
            retiredByIndexFull += retire(retireBatch);
        } else if (lowWaterBuffers > 0 && pool.freeCount() < lowWaterBuffers && used > 0) {
            retiredByLowWater += retire(retireBatch);
        } else if (committer != null && retireState == RETIRE_IDLE && used > retireBatch
                && (used >= capacity - 2L * retireBatch || pool.freeCount() < lowWaterBuffers + 2 * retireBatch)) {
            // Ahead of need, while there is room to append during the flush.
            if (used >= capacity - 2L * retireBatch) {
                retiredByIndexFull += Math.min(retireBatch, used);
            } else {
                retiredByLowWater += Math.min(retireBatch, used);
            }
            retireAhead();
        }
        long seq = nextSeq;
        long ts = Math.max(timestampNs, lastTimestampNs);
        IndexRecordDescriptor.write(record, seq, ts, ingressPort, filterMask, firstFilterId, wireLength, storedLength,
                bufIdx, decision, tunnel);
        IndexRecordDescriptor.writeCrc(record, crcs.crc(recordArray, bufIdx, storedLength));
        // 2) The record, into its slot; durable at the next commit.
        int slot = IndexFileDescriptor.slot(seq, capacity);
        storage.write(indexSegment, IndexFileDescriptor.slotOffset(slot), recordArray, IndexRecordDescriptor.RECORD_SIZE);
        bufIdxBySlot[slot] = bufIdx;
        storedBySlot[slot] = storedLength;
        liveBytes += storedLength;
        lastTimestampNs = ts;
        nextSeq = seq + 1;
        appended++;
        return seq;
    }

    /** Untiered: the index is full, or the pool below its low-water mark. */
    private boolean needsRoomNow(long used) {
        return used >= capacity || (lowWaterBuffers > 0 && pool.freeCount() < lowWaterBuffers && used > 0);
    }

    /** Returned by {@link #append} when a tiered hot tier is full of undrained records. */
    public static final long REFUSED = -1;

    /**
     * Tiered: makes room by retiring drained records only. The index must have a free slot and the
     * pool its low-water mark of free buffers; what the drain has not made durable never retires.
     */
    private boolean roomWhenTiered(long used) {
        boolean indexFull = used >= capacity;
        boolean poolLow = lowWaterBuffers > 0 && pool.freeCount() < lowWaterBuffers;
        if (!indexFull && !poolLow) {
            return true;
        }
        // A retirement in flight moves the oldest sequence: finish it first, so that the count below
        // is taken from where it leaves the oldest (else it would retire past what is drained).
        awaitRetirement();
        long drainedRecords = Math.min(retirableSeq(), nextSeq - 1) - oldestSeq + 1;
        if (drainedRecords <= 0) {
            return false;
        }
        int n = retire((int) Math.min(drainedRecords, Integer.MAX_VALUE));
        if (indexFull) {
            retiredByIndexFull += n;
        } else {
            retiredByLowWater += n;
        }
        return true;
    }

    /**
     * Makes this a tiered log's hot tier: from now on only records up to {@link #drained} retire.
     * Before the first append; any thread that then starts the drain.
     */
    public void tiered(long drainedThrough) {
        this.drainedSeq = drainedThrough;
    }

    public boolean isTiered() {
        return drainedSeq != Long.MAX_VALUE;
    }

    /** The drain made every record up to {@code seq} durable in the segment tier (drain thread). */
    public void drained(long seq) {
        if (seq > drainedSeq || drainedSeq == Long.MAX_VALUE) {
            drainedSeq = seq;
        }
    }

    public long drainedSeq() {
        return drainedSeq;
    }

    private volatile boolean drainStalled;

    /** Set by the drain while it cannot write (full disk, I/O error), cleared when it can again. */
    public void drainStalled(boolean stalled) {
        this.drainStalled = stalled;
    }

    /** True while the drain cannot write: a sync-mode writer then stops waiting for it. */
    public boolean drainStalled() {
        return drainStalled;
    }

    /** Appends refused because the hot tier was full of records not yet drained. */
    public long refusedUndrained() {
        return refusedUndrained;
    }

    /**
     * Tiered, writer thread, once a duty cycle: retires what the drain has made durable, so the hot
     * tier holds only what is not yet drained and its buffers go back to circulation. With a
     * committer the retention marker's flush runs there; never waits.
     */
    public void retireDrained() {
        poll();
        if (drainedSeq == Long.MAX_VALUE) {
            return;
        }
        long n = Math.min(retirableSeq(), nextSeq - 1) - oldestSeq + 1;
        if (n <= 0) {
            return;
        }
        if (committer != null) {
            if (retireState == RETIRE_IDLE && prepareRetirement((int) Math.min(n, Integer.MAX_VALUE)) > 0) {
                retireState = RETIRE_REQUESTED;
                wakeCommitter();
            }
        } else {
            retire((int) Math.min(n, Integer.MAX_VALUE));
        }
    }

    /**
     * Tiered: the newest record that may retire: durable in the segments, and committed in this
     * tier (so a commit listener has seen it here first).
     */
    private long retirableSeq() {
        return Math.min(drainedSeq, committedSeq);
    }

    /** Retires every drained record now, on this thread, waiting for the flush (close time). */
    public void retireAllDrained() {
        if (drainedSeq == Long.MAX_VALUE) {
            return;
        }
        awaitRetirement();
        long n = Math.min(retirableSeq(), nextSeq - 1) - oldestSeq + 1;
        if (n > 0) {
            retire((int) Math.min(n, Integer.MAX_VALUE));
        }
    }

    /**
     * An empty log starts its sequence at {@code seq} (the segment tier already holds everything
     * before it, e.g. after a power cut emptied a hot tier in memory): the oldest marker moves there
     * durably first, so a crash cannot bring the old numbering back. Writer thread, before appends.
     */
    public void startAtLeast(long seq) {
        if (nextSeq != oldestSeq || seq <= nextSeq) {
            return;
        }
        long generation = retentionGeneration + 1;
        IndexFileDescriptor.writeRetentionBlock(retention, generation, seq, retentionCrc, retentionScratch);
        int off = IndexFileDescriptor.retentionBlockOffset(generation);
        storage.write(indexSegment, off, retention, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        storage.force(indexSegment, off, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        retentionGeneration = generation;
        nextSeq = seq;
        oldestSeq = seq;
        committedSeq = seq - 1;
        visibleSeq = seq - 1;
        requestedSeq = seq - 1;
    }

    private void addPendingFrame(long offset, int length) {
        if (pending.full()) {
            // Flushed early (on this thread): never lost, never grown.
            pending.flush(storage, poolSegment, spanFlush);
        }
        pending.add(offset, length);
    }

    /** Frame ranges waiting to be flushed: exact ranges, and the span that covers them all. */
    private static final class FrameRanges {
        final long[] offset;
        final int[] length;
        int count;
        long spanStart = Long.MAX_VALUE;
        long spanEnd;

        FrameRanges(int capacity) {
            offset = new long[capacity];
            length = new int[capacity];
        }

        boolean full() {
            return count == offset.length;
        }

        void add(long off, int len) {
            offset[count] = off;
            length[count] = len;
            count++;
            spanStart = Math.min(spanStart, off);
            spanEnd = Math.max(spanEnd, off + len);
        }

        void flush(LogStorage storage, MemorySegment pool, boolean span) {
            if (count == 0) {
                return;
            }
            if (span || count == 1) {
                storage.force(pool, spanStart, spanEnd - spanStart);
            } else {
                for (int i = 0; i < count; i++) {
                    storage.force(pool, offset[i], length[i]);
                }
            }
            count = 0;
            spanStart = Long.MAX_VALUE;
            spanEnd = 0;
        }
    }

    /**
     * 3) Makes every record appended since the last commit durable — their frames' bytes first,
     * then the slots they occupy (one flush, two when the range wraps) — and publishes them to
     * readers. Once per batch at most.
     *
     * @return the committed sequence: every record up to it survives a crash unless retention retires it
     */
    public long commit() {
        awaitFlight();
        awaitRetirement();
        long last = nextSeq - 1;
        long committed = committedSeq;
        if (last == committed) {
            return committed;
        }
        long t0 = System.nanoTime();
        pending.flush(storage, poolSegment, spanFlush);
        long from = Math.max(committed + 1, oldestSeq);
        if (from <= last) {
            forceSlots(from, last);
        }
        commitLatency.record(System.nanoTime() - t0);
        if (listener != null) {
            listener.committed(committed + 1, last);
        }
        committedSeq = last;
        requestedSeq = last;
        visibleSeq = last;
        return last;
    }

    /** Waits for the committer's commit in flight, if any (writer thread; cold: close and sync mode). */
    private void awaitFlight() {
        while (flightBusy) {
            Throwable e = committerError;
            if (e != null) {
                throw new IllegalStateException("log committer failed: " + e, e);
            }
            if (committerRunner == null && committer != null) {
                // A caller-driven agent (tests): this thread does its work.
                committer.doWork();
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Hands commits over to the commit agent, run on a thread of its own by an Agrona
     * {@link AgentRunner} (backing off to 1 ms parks when idle; each hand-over wakes it). Once,
     * before the first request; {@link #close} stops it.
     */
    public synchronized void startCommitter() {
        if (committer != null) {
            return;
        }
        committer = new LogCommitAgent(this);
        committerRunner = new AgentRunner(new BackoffIdleStrategy(10, 10, 1_000, 1_000_000), e -> committerError = e, null,
                committer);
        AgentRunner.startOnThread(committerRunner);
    }

    /**
     * Hands commits over to a commit agent that the caller runs itself (tests drive it by calling
     * {@code doWork()}); returns it. Instead of {@link #startCommitter}.
     */
    public synchronized Agent handCommitsTo() {
        if (committer == null) {
            committer = new LogCommitAgent(this);
        }
        return committer;
    }

    private void wakeCommitter() {
        AgentRunner r = committerRunner;
        if (r != null && r.thread() != null) {
            LockSupport.unpark(r.thread());
        }
    }

    /**
     * Hands every record appended and not yet handed over to the committer, unless a commit is
     * still in flight (then they go with the next request). Never blocks. Writer thread.
     *
     * @return true when a commit was handed over (or there was nothing to commit)
     */
    public boolean requestCommit() {
        if (committer == null) {
            commit();
            return true;
        }
        long last = nextSeq - 1;
        if (last == requestedSeq) {
            return true;
        }
        if (flightBusy) {
            return false;
        }
        FrameRanges ranges = pending;
        pending = flight;
        flight = ranges;
        flightFrom = Math.max(requestedSeq + 1, oldestSeq);
        flightTo = last;
        requestedSeq = last;
        // Volatile store: the committer sees the ranges and bounds written above.
        flightBusy = true;
        wakeCommitter();
        return true;
    }

    /**
     * One duty cycle of the commit agent ({@link LogCommitAgent}): makes a requested retention
     * marker durable, then the commit in flight (frames first, then slots). Commit-agent thread.
     *
     * @return work done (0 when idle)
     */
    int commitWork() {
        int work = 0;
        if (retireState == RETIRE_REQUESTED && RETIRE_STATE.compareAndSet(this, RETIRE_REQUESTED, RETIRE_FLUSHING)) {
            storage.force(indexSegment, retireBlockOffset, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
            retireState = RETIRE_DURABLE;
            work++;
        }
        if (!flightBusy) {
            return work;
        }
        long t0 = System.nanoTime();
        flight.flush(storage, poolSegment, spanFlush);
        long from = Math.max(flightFrom, oldestSeq);
        if (from <= flightTo) {
            forceSlots(from, flightTo);
        }
        long before = committedSeq;
        commitLatency.record(System.nanoTime() - t0);
        if (listener != null) {
            // Before the committed sequence moves: a tiered hot tier retires only committed records,
            // so the listener still finds every record of this commit in the hot tier.
            listener.committed(before + 1, flightTo);
        }
        committedSeq = flightTo;
        flightBusy = false;
        return work + 1;
    }

    /** Records appended and not yet handed to a commit. Writer thread. */
    public long unrequestedCount() {
        return nextSeq - 1 - requestedSeq;
    }

    /** The committer's failure (an I/O error flushing), or null. */
    public Throwable committerError() {
        return committerError;
    }

    /** Sets who hears of commits (before the first append; called on the committing thread). */
    public void commitListener(CommitListener l) {
        this.listener = l;
    }

    /**
     * Lets readers see every record appended so far, without making them durable: a crash may
     * still lose them (never return them corrupt). Cheap: one volatile store.
     */
    public void publish() {
        visibleSeq = nextSeq - 1;
    }

    /** Sets where retired buffers go (before the first append; dataplane thread). */
    public void bufferRelease(BufferRelease r) {
        this.release = r;
    }

    private void forceSlots(long from, long to) {
        int first = IndexFileDescriptor.slot(from, capacity);
        long count = to - from + 1;
        long firstRun = Math.min(count, capacity - first);
        storage.force(indexSegment, IndexFileDescriptor.slotOffset(first), firstRun * IndexRecordDescriptor.RECORD_SIZE);
        if (firstRun < count) {
            storage.force(indexSegment, IndexFileDescriptor.RECORDS_OFFSET,
                    (count - firstRun) * IndexRecordDescriptor.RECORD_SIZE);
        }
    }

    /**
     * Retires up to {@code n} of the oldest records: the new oldest sequence is made durable first,
     * then published to readers, then the buffers go back to the pool. In that order a crash can
     * never leave a live-looking record whose buffer was handed out, and a reader that copied a
     * record before the publication notices. On the caller's thread; waits for a retirement the
     * committer is running.
     */
    private int retire(int n) {
        awaitRetirement();
        int count = prepareRetirement(n);
        if (count > 0) {
            storage.force(indexSegment, retireBlockOffset, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
            finishRetirement();
        }
        return count;
    }

    /** Writes the next retention block (not yet flushed) for up to {@code n} oldest records. */
    private int prepareRetirement(int n) {
        long oldest = oldestSeq;
        int count = (int) Math.min(n, nextSeq - oldest);
        if (count <= 0) {
            return 0;
        }
        long generation = retentionGeneration + 1;
        retireTo = oldest + count;
        retireGeneration = generation;
        IndexFileDescriptor.writeRetentionBlock(retention, generation, retireTo, retentionCrc, retentionScratch);
        retireBlockOffset = IndexFileDescriptor.retentionBlockOffset(generation);
        storage.write(indexSegment, retireBlockOffset, retention, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        return count;
    }

    /** The prepared retention block is durable: publish the new oldest, then let the buffers go. */
    private void finishRetirement() {
        long oldest = oldestSeq;
        long newOldest = retireTo;
        retentionGeneration = retireGeneration;
        oldestSeq = newOldest;
        // The stores that follow (free list, a driver writing a new frame into the buffer, a new
        // record in the slot) must not become visible before the new oldest sequence.
        VarHandle.storeStoreFence();
        BufferRelease r = release;
        for (long seq = oldest; seq < newOldest; seq++) {
            int slot = IndexFileDescriptor.slot(seq, capacity);
            liveBytes -= storedBySlot[slot];
            r.release(bufIdxBySlot[slot]);
        }
        if (visibleSeq < newOldest - 1) {
            visibleSeq = newOldest - 1;
        }
    }

    /**
     * With a committer: starts retiring ahead of need, so that appends rarely wait for a flush of
     * the retention block. The committer flushes it; {@link #poll} (or the next append) finishes.
     */
    private void retireAhead() {
        int count = prepareRetirement(retireBatch);
        if (count > 0) {
            retireState = RETIRE_REQUESTED;
            wakeCommitter();
        }
    }

    /** Finishes a retirement the committer has made durable. Writer thread; cheap when none. */
    public void poll() {
        if (retireState == RETIRE_DURABLE) {
            finishRetirement();
            retireState = RETIRE_IDLE;
        }
    }

    private void awaitRetirement() {
        if (retireState == RETIRE_IDLE) {
            return;
        }
        if (retireState == RETIRE_REQUESTED && RETIRE_STATE.compareAndSet(this, RETIRE_REQUESTED, RETIRE_FLUSHING)) {
            // The committer has not begun: flush the marker here. On the hot tier's storage (tmpfs,
            // dax) that is one msync or a cache-line write-back, while spinning for the committer
            // burns the core it may need to run at all (measured: ~6 µs per logged frame on 2 cores).
            storage.force(indexSegment, retireBlockOffset, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
            retireState = RETIRE_DURABLE;
        }
        while (retireState != RETIRE_DURABLE) {
            Throwable e = committerError;
            if (e != null) {
                throw new IllegalStateException("log committer failed: " + e, e);
            }
            if (committerRunner == null && committer != null) {
                // A caller-driven agent (tests): this thread does its work.
                committer.doWork();
            }
            Thread.onSpinWait();
        }
        poll();
    }

    /** Retires up to {@code n} oldest records now (for an operator's "trim", and tests). */
    public int retireOldest(int n) {
        return retire(n);
    }

    /** Commits what is pending and unmaps the index. The log's buffers stay owned by it (the pool is the caller's). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (committer != null && committerRunner == null) {
            // A caller-driven agent: finish its work here, as its thread would have.
            while (committer.doWork() > 0) {
                // until nothing is in flight
            }
        }
        commit();
        closed = true;
        if (committerRunner != null) {
            committerRunner.close();
        }
        index.close();
    }

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
        return oldestSeq;
    }

    /** For readers: the last published sequence (committed, or published ahead of durability). */
    @Override
    public long newestSeq() {
        return visibleSeq;
    }

    public long committedSeq() {
        return committedSeq;
    }

    /** Sequence of the last appended record (committed or not); {@code oldestSeq() - 1} when none. */
    public long appendedSeq() {
        return nextSeq - 1;
    }

    /** Records appended but not yet committed. */
    public long pendingCount() {
        return nextSeq - 1 - committedSeq;
    }

    /** Records (and so buffers) the log holds now. */
    public long liveRecords() {
        return nextSeq - oldestSeq;
    }

    /** Stored frame bytes of the live records (writer thread). */
    public long liveBytes() {
        return liveBytes;
    }

    /** Records appended since open. */
    public long appendedCount() {
        return appended;
    }

    public long retiredCount() {
        return retiredByIndexFull + retiredByLowWater;
    }

    public long retiredByIndexFull() {
        return retiredByIndexFull;
    }

    public long retiredByLowWater() {
        return retiredByLowWater;
    }

    public LatencyHistogram commitLatency() {
        return commitLatency;
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public Path indexPath() {
        return index.path();
    }

    /** The buffer a live record points at (for ownership checks). */
    public int bufIdx(long seq) {
        if (seq < oldestSeq || seq >= nextSeq) {
            throw new IllegalArgumentException("sequence " + seq + " is not live (" + oldestSeq + ".." + (nextSeq - 1) + ")");
        }
        return bufIdxBySlot[IndexFileDescriptor.slot(seq, capacity)];
    }
}

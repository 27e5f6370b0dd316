package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;

/**
 * The durability side of the hot tier: what makes appended records survive a crash.
 *
 * <p><b>Order of persistence.</b> A commit first flushes the frame ranges remembered since the
 * previous one, then every slot written since (one flush, two when the range wraps). So everything
 * up to the committed sequence survives a crash with its bytes. A record the kernel wrote back on
 * its own before its frame reached storage fails its CRC after a crash and is dropped by recovery,
 * never returned (it was not committed, so nothing promised it).
 *
 * <p><b>Two ways to commit.</b> {@link #commitNow} flushes on the writer's thread and returns once
 * durable (the {@code sync} mode: a frame waits for its record). {@link #request} instead swaps the
 * pending ranges with the in-flight set and hands them to the {@link LogCommitAgent} (batch and
 * async modes); records appended meanwhile go with the next request, so commits grow with the load
 * and the writer never waits. The agent flushes only ranges the writer no longer changes; a range
 * that retention reuses meanwhile is flushed harmlessly.
 *
 * <p>Threads: {@link #addFrame}, {@link #request}, {@link #commitNow} on the writer's thread;
 * {@link #flushInFlight} on the agent's. {@code flightBusy} hands the in-flight set over (volatile
 * store by the writer after filling it, volatile store by the agent once durable).
 */
final class GroupCommit {
    /** Frame ranges remembered between commits; when full, they are flushed early (never lost, never grown). */
    private static final int MAX_PENDING_FRAMES = 4096;

    private final LogSequences seq;
    private final LogStorage storage;
    private final MemorySegment indexSegment;
    private final MemorySegment poolSegment;
    private final int capacity;
    /** Everywhere but DAX one flush spans all frames of a commit (see {@link FrameRanges}). */
    private final boolean spanFlush;
    private final LatencyHistogram latency = new LatencyHistogram();
    /** Frame ranges appended since the last commit (request). Writer thread. */
    private FrameRanges pending = new FrameRanges(MAX_PENDING_FRAMES);
    /** The ranges of the commit in flight; owned by the agent while {@link #flightBusy}. */
    private FrameRanges flight = new FrameRanges(MAX_PENDING_FRAMES);
    private long flightFrom;
    private long flightTo;
    private volatile boolean flightBusy;
    private PacketLog.CommitListener listener;
    /** Null until commits are handed over: then every commit is synchronous. */
    private LogCommitAgent agent;

    GroupCommit(LogSequences seq, LogStorage storage, MemorySegment indexSegment, MemorySegment poolSegment, int capacity,
                boolean spanFlush) {
        this.seq = seq;
        this.storage = storage;
        this.indexSegment = indexSegment;
        this.poolSegment = poolSegment;
        this.capacity = capacity;
        this.spanFlush = spanFlush;
    }

    void agent(LogCommitAgent a) {
        this.agent = a;
    }

    void listener(PacketLog.CommitListener l) {
        this.listener = l;
    }

    LatencyHistogram latency() {
        return latency;
    }

    /** Remembers a frame's range for the next commit: its record must never be durable before its bytes. */
    void addFrame(long offset, int length) {
        if (pending.full()) {
            // Flushed early (on this thread): never lost, never grown.
            pending.flush(storage, poolSegment, spanFlush);
        }
        pending.add(offset, length);
    }

    /**
     * Makes every record appended since the last commit durable, on this thread, and publishes them.
     * The caller has waited for the commit in flight ({@link #awaitInFlight}) and any retirement.
     */
    long commitNow() {
        long last = seq.next - 1;
        long committed = seq.committed;
        if (last == committed) {
            return committed;
        }
        long t0 = System.nanoTime();
        pending.flush(storage, poolSegment, spanFlush);
        long from = Math.max(committed + 1, seq.oldest);
        if (from <= last) {
            forceSlots(from, last);
        }
        latency.record(System.nanoTime() - t0);
        if (listener != null) {
            listener.committed(committed + 1, last);
        }
        seq.committed = last;
        seq.requested = last;
        seq.visible = last;
        return last;
    }

    /**
     * Hands every record appended and not yet handed over to the agent, unless a commit is still in
     * flight (then they go with the next request). Never blocks. Writer thread.
     *
     * @return true when a commit was handed over (or there was nothing to commit)
     */
    boolean request() {
        long last = seq.next - 1;
        if (last == seq.requested) {
            return true;
        }
        if (flightBusy) {
            return false;
        }
        FrameRanges ranges = pending;
        pending = flight;
        flight = ranges;
        flightFrom = Math.max(seq.requested + 1, seq.oldest);
        flightTo = last;
        seq.requested = last;
        // Volatile store: the agent sees the ranges and bounds written above.
        flightBusy = true;
        agent.wake();
        return true;
    }

    /** The agent's half: makes the commit in flight durable (frames first, then slots). Agent thread. */
    int flushInFlight() {
        if (!flightBusy) {
            return 0;
        }
        long t0 = System.nanoTime();
        flight.flush(storage, poolSegment, spanFlush);
        long from = Math.max(flightFrom, seq.oldest);
        if (from <= flightTo) {
            forceSlots(from, flightTo);
        }
        long before = seq.committed;
        latency.record(System.nanoTime() - t0);
        if (listener != null) {
            // Before the committed sequence moves: a tiered hot tier retires only committed records,
            // so the listener still finds every record of this commit in the hot tier.
            listener.committed(before + 1, flightTo);
        }
        seq.committed = flightTo;
        flightBusy = false;
        return 1;
    }

    /** Waits for the agent's commit in flight, if any (writer thread; cold: sync mode and close). */
    void awaitInFlight() {
        while (flightBusy) {
            agent.assist();
            Thread.onSpinWait();
        }
    }

    /** Records appended and not yet handed to a commit. Writer thread. */
    long unrequested() {
        return seq.next - 1 - seq.requested;
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
}

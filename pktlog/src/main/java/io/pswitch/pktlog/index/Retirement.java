package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.zip.CRC32C;

/**
 * How records leave the hot tier, whichever policy decides when ({@link UntieredRetention},
 * {@link TieredRetention}): a new retention block (the durable oldest sequence, see
 * {@link IndexFileDescriptor}) is written and made durable first, then the new oldest sequence is
 * published to readers, then the buffers go back (through {@link PacketLog.BufferRelease}). In that
 * order a crash never leaves a live-looking record whose buffer was handed out, and a reader that
 * copied a record before the publication notices.
 *
 * <p><b>Ahead of need.</b> With a {@link LogCommitAgent}, a retirement can be requested
 * ({@link #requestAhead}): the agent flushes the block off the writer's thread and the writer
 * finishes it at its next {@link #poll}. The block moves IDLE → REQUESTED (writer); whoever flushes
 * it claims it REQUESTED → FLUSHING by compare-and-set; the agent moves FLUSHING → DURABLE, the
 * writer DURABLE → IDLE. <b>The writer never waits for the agent</b> ({@link #await}): when it needs
 * the room now it claims an unstarted block and flushes it itself, and when the agent is inside the
 * flush it flushes the same block too and finishes without it. On the hot tier's storage (tmpfs,
 * dax) a flush is one msync or a cache-line write-back, while spinning for an agent the scheduler
 * has not run (or preempted mid-flush) burns the very core it needs: measured on 2 cores, ~6 µs per
 * logged frame. A second flush of a block is harmless (the kernel may write it back any time too);
 * a torn newer block fails its CRC and recovery takes the other one, which the writer made durable
 * itself. Only the block of the current request is ever finished by {@link #poll}: a new one is
 * requested only once the state is IDLE again.
 *
 * <p>Threads: everything on the writer's thread but {@link #flushRequested} (the agent's).
 */
final class Retirement {
    private static final int IDLE = 0;
    private static final int REQUESTED = 1;
    private static final int DURABLE = 2;
    private static final int FLUSHING = 3;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Retirement.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LogSequences seq;
    private final RecordSlots slots;
    private final LogStorage storage;
    private final MemorySegment indexSegment;
    private final MemorySegment block = MemorySegment.ofArray(new byte[IndexFileDescriptor.RETENTION_BLOCK_SIZE]);
    private final byte[] blockScratch = new byte[IndexFileDescriptor.RETENTION_CRC];
    private final CRC32C blockCrc = new CRC32C();
    /** Generation of the last durable retention block. Writer thread. */
    private long generation;
    /** The block written and not yet finished: its target, generation and offset. Writer thread. */
    private long retireTo;
    private long retireGeneration;
    private int blockOffset;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    /** A block is written and its records not yet retired (the buffers not yet released). Writer thread. */
    private boolean unfinished;
    private PacketLog.BufferRelease release;
    private LogCommitAgent agent;
    private long byIndexFull;
    private long byLowWater;
    /** Where {@link #warmSlots}'s loads go, so that the JIT keeps them; never read for its value. */
    @SuppressWarnings("unused")
    private long warmSink;

    Retirement(LogSequences seq, RecordSlots slots, LogStorage storage, MemorySegment indexSegment, long generation,
               PacketLog.BufferRelease release) {
        this.seq = seq;
        this.slots = slots;
        this.storage = storage;
        this.indexSegment = indexSegment;
        this.generation = generation;
        this.release = release;
    }

    void agent(LogCommitAgent a) {
        this.agent = a;
    }

    boolean hasAgent() {
        return agent != null;
    }

    void release(PacketLog.BufferRelease r) {
        this.release = r;
    }

    /** True while a retirement requested ahead of need is not yet finished. Writer thread. */
    boolean inFlight() {
        return unfinished;
    }

    /** Counts records retired for a reason (the index was full, or the pool low). */
    void counted(boolean indexFull, long n) {
        if (indexFull) {
            byIndexFull += n;
        } else {
            byLowWater += n;
        }
    }

    long byIndexFull() {
        return byIndexFull;
    }

    long byLowWater() {
        return byLowWater;
    }

    /** Retires up to {@code n} oldest records now, waiting for a retirement in flight first. */
    int retireNow(int n) {
        await();
        int count = prepare(n);
        if (count > 0) {
            storage.force(indexSegment, blockOffset, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
            finish();
        }
        return count;
    }

    /**
     * Starts retiring up to {@code n} oldest records ahead of need: the agent flushes the block,
     * {@link #poll} finishes. Only when none is in flight and an agent exists.
     *
     * @return records that will retire (0: none requested)
     */
    int requestAhead(int n) {
        if (agent == null || unfinished || state != IDLE) {
            return 0;
        }
        int count = prepare(n);
        if (count > 0) {
            unfinished = true;
            state = REQUESTED;
            agent.wake();
        }
        return count;
    }

    /** The agent's half: flushes a requested block unless the writer claimed it. Agent thread. */
    int flushRequested() {
        if (state == REQUESTED && STATE.compareAndSet(this, REQUESTED, FLUSHING)) {
            storage.force(indexSegment, blockOffset, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
            state = DURABLE;
            return 1;
        }
        return 0;
    }

    /** Finishes a retirement the agent has made durable. Writer thread; cheap when none. */
    void poll() {
        if (state == DURABLE) {
            if (unfinished) {
                finish();
                unfinished = false;
            }
            // Else the writer finished it early (see await): the agent's flush only closes it.
            state = IDLE;
        }
    }

    /** Finishes the retirement requested ahead of need, if any, now and without waiting for the agent. */
    void await() {
        if (!unfinished) {
            return;
        }
        if (state == REQUESTED && STATE.compareAndSet(this, REQUESTED, FLUSHING)) {
            // Claimed before the agent began: the agent will not touch this block.
            storage.force(indexSegment, blockOffset, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
            finish();
            unfinished = false;
            state = IDLE;
            return;
        }
        if (state == DURABLE) {
            poll();
            return;
        }
        // FLUSHING: the agent is inside the flush. Flush here too and finish; the state goes IDLE
        // when the agent's DURABLE is seen by poll, so no new request reuses the state meanwhile.
        storage.force(indexSegment, blockOffset, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        finish();
        unfinished = false;
    }

    /**
     * Moves the durable oldest marker of an empty log to {@code first} and renumbers it there, so a
     * crash cannot bring the old numbering back. Writer thread, before appends.
     */
    void startAt(long first) {
        long g = generation + 1;
        IndexFileDescriptor.writeRetentionBlock(block, g, first, blockCrc, blockScratch);
        int off = IndexFileDescriptor.retentionBlockOffset(g);
        storage.write(indexSegment, off, block, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        storage.force(indexSegment, off, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        generation = g;
        seq.restartAt(first);
    }

    /** Writes the next retention block (not yet flushed) for up to {@code n} oldest records. */
    private int prepare(int n) {
        long oldest = seq.oldest;
        int count = (int) Math.min(n, seq.next - oldest);
        if (count <= 0) {
            return 0;
        }
        long g = generation + 1;
        retireTo = oldest + count;
        retireGeneration = g;
        IndexFileDescriptor.writeRetentionBlock(block, g, retireTo, blockCrc, blockScratch);
        blockOffset = IndexFileDescriptor.retentionBlockOffset(g);
        storage.write(indexSegment, blockOffset, block, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        return count;
    }

    /** The prepared block is durable: publish the new oldest, then let the buffers go. */
    private void finish() {
        long oldest = seq.oldest;
        long newOldest = retireTo;
        generation = retireGeneration;
        seq.oldest = newOldest;
        // The stores that follow (free list, a driver writing a new frame into the buffer, a new
        // record in the slot) must not become visible before the new oldest sequence.
        VarHandle.storeStoreFence();
        slots.release(oldest, newOldest, release);
        if (seq.visible < newOldest - 1) {
            seq.visible = newOldest - 1;
        }
        warmSlots(oldest, newOldest);
    }

    /**
     * Loads the index lines of the slots just freed: the next appends write their records there,
     * and those lines were last touched a whole index ago (a miss each, taken one append after the
     * other). Loaded here together, the misses overlap. Only loads: readers may still copy the
     * retired records, and they check the oldest sequence afterwards anyway.
     */
    private void warmSlots(long from, long to) {
        int capacity = slots.capacity();
        long n = Math.min(to - from, capacity);
        int slot = IndexFileDescriptor.slot(from, capacity);
        long sum = 0;
        for (long i = 0; i < n; i++) {
            sum += indexSegment.get(ValueLayout.JAVA_LONG_UNALIGNED, IndexFileDescriptor.slotOffset(slot));
            slot = slot + 1 == capacity ? 0 : slot + 1;
        }
        warmSink = sum;
    }
}

package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;

/**
 * When the hot tier of a tiered log retires records: only those the drain has made durable in the
 * segment tier <em>and</em> that are committed here (so a commit listener has seen them in this
 * tier first). A hot tier full of records not yet drained refuses new ones instead of retiring them
 * (the caller skips the match and counts it); forwarding never waits for storage.
 *
 * <p>Threads: {@link #drained} and {@link #stalled(boolean)} on the drain's thread (volatile
 * stores); the rest on the writer's.
 */
final class TieredRetention {
    private final LogSequences seq;
    private final Retirement retirement;
    private final BufferPool pool;
    private final int capacity;
    private final int lowWaterBuffers;
    /** Last sequence durable in the segments; {@code Long.MAX_VALUE} while untiered. */
    private volatile long drainedSeq = Long.MAX_VALUE;
    private volatile boolean stalled;
    /** Appends refused because the hot tier was full of records not yet drained. Writer thread. */
    private long refused;

    TieredRetention(LogSequences seq, Retirement retirement, BufferPool pool, PacketLogConfig config) {
        this.seq = seq;
        this.retirement = retirement;
        this.pool = pool;
        this.capacity = config.capacity();
        this.lowWaterBuffers = config.lowWaterBuffers();
    }

    boolean tiered() {
        return drainedSeq != Long.MAX_VALUE;
    }

    /** Makes this a tiered hot tier whose segments hold everything through {@code drainedThrough}. */
    void tiered(long drainedThrough) {
        drainedSeq = drainedThrough;
    }

    void drained(long s) {
        if (s > drainedSeq || drainedSeq == Long.MAX_VALUE) {
            drainedSeq = s;
        }
    }

    long drainedSeq() {
        return drainedSeq;
    }

    void stalled(boolean s) {
        stalled = s;
    }

    boolean stalled() {
        return stalled;
    }

    long refused() {
        return refused;
    }

    /**
     * Before an append: makes room by retiring drained records only, when the index is full or the
     * pool below its low-water mark.
     *
     * @return false (and counted) when there is no room: the append is refused
     */
    boolean makeRoom() {
        boolean indexFull = seq.live() >= capacity;
        boolean poolLow = lowWaterBuffers > 0 && pool.freeCount() < lowWaterBuffers;
        if (!indexFull && !poolLow) {
            return true;
        }
        // A retirement in flight moves the oldest sequence: finish it first, so that the count below
        // is taken from where it leaves the oldest (else it would retire past what is drained).
        retirement.await();
        long n = retirable();
        if (n <= 0) {
            refused++;
            return false;
        }
        retirement.counted(indexFull, retirement.retireNow(clamp(n)));
        return true;
    }

    /**
     * Once a duty cycle: retires what is drained and committed, so the hot tier holds only what is
     * not yet drained and its buffers go back to circulation. With a commit agent the block's flush
     * runs there and this never waits.
     */
    void retireDrained() {
        retirement.poll();
        if (!tiered()) {
            return;
        }
        long n = retirable();
        if (n <= 0) {
            return;
        }
        if (retirement.hasAgent()) {
            retirement.requestAhead(clamp(n));
        } else {
            retirement.retireNow(clamp(n));
        }
    }

    /** Retires every drained record now, on this thread, waiting for the flush (close time). */
    void retireAllDrained() {
        if (!tiered()) {
            return;
        }
        retirement.await();
        long n = retirable();
        if (n > 0) {
            retirement.retireNow(clamp(n));
        }
    }

    /** Records from the oldest up to the newest that may retire: drained, and committed here. */
    private long retirable() {
        return Math.min(Math.min(drainedSeq, seq.committed), seq.next - 1) - seq.oldest + 1;
    }

    private static int clamp(long n) {
        return (int) Math.min(n, Integer.MAX_VALUE);
    }
}

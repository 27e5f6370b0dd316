package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.StorageClass;

/**
 * When the hot tier of a tiered log retires records. Two sequences come from the drain:
 * <ul>
 *   <li><b>written</b> ({@link #written}): the record's chunk is in its segment file (its
 *       {@code pwritev} returned). Readers find it there from then on, and it survives a crash of
 *       the process: the write is in the device, or in the page cache where direct I/O fell back.
 *       A power cut may still lose it (the disk's write cache).</li>
 *   <li><b>durable</b> ({@link #drained}): the segment was flushed ({@code fdatasync}) after that
 *       write. What {@code sync} durability waits for.</li>
 * </ul>
 * A record retires once it is committed here (so a commit listener has seen it in this tier
 * first) and, by the pool's storage class ({@link StorageClass#survivesPowerLoss()}):
 * <ul>
 *   <li>{@code volatile} (tmpfs, ramfs): once <em>written</em>. Its copy here dies in a power cut
 *       and outlives a process crash exactly as the completed write does, so holding it until the
 *       flush protects nothing: every durability mode's loss window stays the same, and the hot
 *       tier holds written-not-flushed records no longer (with flushes of tens of ms on a disk,
 *       that was what filled it and capped the drain at hot-tier capacity / flush time).</li>
 *   <li>{@code dax} (and a pool on a disk): only once <em>durable</em>: its copy survives a power
 *       cut, the unflushed write may not.</li>
 * </ul>
 * A hot tier full of records it may not retire refuses new ones instead (the caller skips the
 * match and counts it); forwarding never waits for storage.
 *
 * <p>Threads: {@link #written}, {@link #drained} and {@link #stalled(boolean)} on the drain's
 * thread (volatile stores); the rest on the writer's.
 */
final class TieredRetention {
    private final LogSequences seq;
    private final Retirement retirement;
    private final BufferPool pool;
    private final int capacity;
    private final int lowWaterBuffers;
    /** Whether records retire once written to their segment rather than once durable there. */
    private final boolean retireOnceWritten;
    /** Last sequence durable in the segments; {@code Long.MAX_VALUE} while untiered. */
    private volatile long drainedSeq = Long.MAX_VALUE;
    /** Last sequence written to the segments ({@code >= drainedSeq}); {@code Long.MAX_VALUE} while untiered. */
    private volatile long writtenSeq = Long.MAX_VALUE;
    private volatile boolean stalled;
    /** Appends refused because the hot tier was full of records not yet drained. Writer thread. */
    private long refused;

    TieredRetention(LogSequences seq, Retirement retirement, BufferPool pool, PacketLogConfig config) {
        this.seq = seq;
        this.retirement = retirement;
        this.pool = pool;
        this.capacity = config.capacity();
        this.lowWaterBuffers = config.lowWaterBuffers();
        this.retireOnceWritten = retiresOnceWritten(pool.storageClass());
    }

    /** Whether a hot tier of {@code c} retires a record once it is written to its segment (see above). */
    static boolean retiresOnceWritten(StorageClass c) {
        return !c.survivesPowerLoss();
    }

    boolean retireOnceWritten() {
        return retireOnceWritten;
    }

    boolean tiered() {
        return drainedSeq != Long.MAX_VALUE;
    }

    /** Makes this a tiered hot tier whose segments hold everything through {@code drainedThrough}. */
    void tiered(long drainedThrough) {
        writtenSeq = drainedThrough;
        drainedSeq = drainedThrough;
    }

    /** Records up to {@code s} are written to their segments (not flushed yet). */
    void written(long s) {
        if (s > writtenSeq || writtenSeq == Long.MAX_VALUE) {
            writtenSeq = s;
        }
    }

    /** Records up to {@code s} are durable in their segments (so written too). */
    void drained(long s) {
        written(s);
        if (s > drainedSeq || drainedSeq == Long.MAX_VALUE) {
            drainedSeq = s;
        }
    }

    long drainedSeq() {
        return drainedSeq;
    }

    long writtenSeq() {
        return writtenSeq;
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
     * Before an append: makes room by retiring records the segments hold only (see
     * {@link #retirable}), when the index is full or the pool below its low-water mark.
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
        // is taken from where it leaves the oldest (else it would retire past what the segments hold).
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
     * Once a duty cycle: retires what may retire (see above), so the hot tier holds only what is
     * not yet in the segments (or, under dax, not yet durable there) and its buffers go back to circulation. With a commit agent the block's flush
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

    /**
     * Records from the oldest up to the newest that may retire: in the segments (written or durable,
     * by the storage class), and committed here.
     */
    private long retirable() {
        long inSegments = retireOnceWritten ? writtenSeq : drainedSeq;
        return Math.min(Math.min(inSegments, seq.committed), seq.next - 1) - seq.oldest + 1;
    }

    private static int clamp(long n) {
        return (int) Math.min(n, Integer.MAX_VALUE);
    }
}

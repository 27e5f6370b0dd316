package io.pswitch.dataplane.handoff;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer single-consumer queue of fixed-size entries of {@code stride} longs,
 * preallocated: how one dataplane worker hands frames ({@code bufIdx}, length, ports, time, tunnel),
 * free buffers or learned stations to another. No boxing, no allocation, no lock, no CAS.
 *
 * <p>Why not JCTools' {@code SpscArrayQueue} or Agrona's {@code OneToOneRingBuffer}: the first holds
 * object references (a frame would be a boxed object per entry); the second frames every message
 * with a header in a byte buffer and reads through a handler callback. A frame here is four longs
 * written in place into one array, and the producer publishes a whole batch with one release
 * store, so a batch crossing workers costs one store-release and one load-acquire per side.
 *
 * <p>Ordering: the producer writes entries at {@code [tail, tail + n)} with plain stores, then
 * {@link #publish()} stores the new tail with release semantics; the consumer loads the tail with
 * acquire semantics, so it sees the entries (and the frame bytes the producer's driver wrote into the
 * buffers before), reads them, and {@link #release(int)} stores its head with release semantics, after
 * which the producer may overwrite those entries. Each side caches the other's position and reloads it
 * only when the cached value says full (producer) or empty (consumer).
 *
 * <p>Ownership: a buffer whose {@code bufIdx} is in a published entry belongs to the queue until the
 * consumer has taken it; {@link #bufferIndices} lists them for the ownership ledger (cold path, with
 * both sides stopped).
 */
public final class HandoffQueue {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(HandoffQueue.class, "head", long.class);
            TAIL = l.findVarHandle(HandoffQueue.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int stride;
    private final int capacity;
    private final int mask;
    private final long[] entries;

    // Producer side (padded off the consumer's fields: they are written by different cores).
    @SuppressWarnings("unused")
    private long p01, p02, p03, p04, p05, p06, p07;
    /** Next entry the producer writes; published to the consumer by {@link #publish()}. */
    private long tail;
    private long pendingTail;
    private long headCache;
    @SuppressWarnings("unused")
    private long p11, p12, p13, p14, p15, p16, p17;
    // Consumer side.
    /** Next entry the consumer reads; published to the producer by {@link #release(int)}. */
    private long head;
    private long tailCache;
    @SuppressWarnings("unused")
    private long p21, p22, p23, p24, p25, p26, p27;

    /**
     * @param capacity entries, a power of two
     * @param stride longs per entry
     */
    public HandoffQueue(int capacity, int stride) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("handoff queue capacity " + capacity + " must be a power of two of at least 2");
        }
        if (stride < 1) {
            throw new IllegalArgumentException("stride " + stride + " must be at least 1");
        }
        this.stride = stride;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.entries = new long[capacity * stride];
    }

    public int capacity() {
        return capacity;
    }

    // ---------------------------------------------------------------- producer

    /**
     * Reserves the next entry; its words are written with {@link #put} and become visible at the next
     * {@link #publish()}. Producer thread.
     *
     * @return the entry's base index for {@link #put}, or -1 when the queue is full
     */
    public int claim() {
        long t = pendingTail;
        if (t - headCache >= capacity) {
            headCache = (long) HEAD.getAcquire(this);
            if (t - headCache >= capacity) {
                return -1;
            }
        }
        pendingTail = t + 1;
        return (int) (t & mask) * stride;
    }

    /** Entries the producer could claim now (reloads the consumer's position). Producer thread. */
    public int freeEntries() {
        headCache = (long) HEAD.getAcquire(this);
        return capacity - (int) (pendingTail - headCache);
    }

    /** Writes word {@code k} of a claimed entry. Producer thread. */
    public void put(int base, int k, long value) {
        entries[base + k] = value;
    }

    /**
     * Makes every claimed entry visible to the consumer (one release store per batch). Producer thread.
     *
     * @return whether there was anything new to publish (the caller then wakes the consumer: {@link Doorbell})
     */
    public boolean publish() {
        long t = pendingTail;
        if (t != tail) {
            TAIL.setRelease(this, t);
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- consumer

    /** Entries published and not yet released. Consumer thread. */
    public int available() {
        long h = head;
        if (tailCache == h) {
            tailCache = (long) TAIL.getAcquire(this);
        }
        return (int) (tailCache - h);
    }

    /**
     * Entries published and not yet released, reloading the producer's position even when some are
     * left (a consumer that wants all there is, not just the rest of what it saw). Consumer thread.
     */
    public int availableNow() {
        tailCache = (long) TAIL.getAcquire(this);
        return (int) (tailCache - head);
    }

    /** Word {@code k} of the {@code i}-th available entry (0 = oldest). Consumer thread. */
    public long word(int i, int k) {
        return entries[(int) ((head + i) & mask) * stride + k];
    }

    /**
     * The ring position ({@code 0 .. capacity - 1}) of the {@code i}-th available entry: the index
     * the producer's {@link #claim()} base divided by the stride gave it, for side arrays kept in step
     * with the entries. Consumer thread.
     */
    public int position(int i) {
        return (int) ((head + i) & mask);
    }

    /** Gives the {@code n} oldest entries back to the producer. Consumer thread. */
    public void release(int n) {
        if (n > 0) {
            HEAD.setRelease(this, head + n);
        }
    }

    /** Entries published and not yet released, as of two acquire loads: a reading for any thread (idle checks). */
    public long pending() {
        long h = (long) HEAD.getAcquire(this);
        return (long) TAIL.getAcquire(this) - h;
    }

    // ---------------------------------------------------------------- ownership checks (cold)

    /**
     * Word {@code k} of every published entry not yet released, as {@code int}s (the {@code bufIdx}
     * word, for the ownership ledger). Both sides stopped.
     */
    public int[] bufferIndices(int k) {
        long h = (long) HEAD.getAcquire(this);
        long t = (long) TAIL.getAcquire(this);
        int[] out = new int[(int) (t - h)];
        for (long s = h; s < t; s++) {
            out[(int) (s - h)] = (int) entries[(int) (s & mask) * stride + k];
        }
        return out;
    }
}

package io.pswitch.dataplane.handoff;

import io.pswitch.pktlog.pool.BufferPool;

/**
 * One worker's own stack of free buffers, taken from the pool once, before the workers start: what
 * lets a frame cross to another worker without touching the pool's free list, which stays
 * single-threaded (see {@code SwitchAgent} on buffer ownership across workers).
 *
 * <p>A buffer leaves this stack when the worker hands a frame's buffer to another worker (the RX slot
 * takes a spare instead) or copies a flooded frame for another worker, and comes back through the
 * other worker's return queue: it returns one free buffer for every frame it takes. So the buffers
 * a worker has lent never exceed what the stack held at start, which bounds the return queues.
 * Worker thread only.
 */
public final class SpareBuffers {
    private final int[] stack;
    private int count;

    /** Takes {@code size} buffers from the pool (before the workers run: the pool is single-threaded). */
    public SpareBuffers(BufferPool pool, int size) {
        this.stack = new int[size];
        for (int i = 0; i < size; i++) {
            int b = pool.allocate();
            if (b == 0) {
                release(pool);
                throw new IllegalStateException("buffer pool has too few free buffers for " + size
                        + " spares per worker: make the pool larger, the rings smaller or use fewer workers");
            }
            stack[count++] = b;
        }
    }

    /** A spare buffer, or 0 when none is left. */
    public int take() {
        return count == 0 ? 0 : stack[--count];
    }

    /** Gives back a buffer this worker lent (or one it took and did not use). */
    public void put(int bufIdx) {
        if (count == stack.length) {
            // A worker gets back only what it lent: more means a buffer was returned twice.
            throw new IllegalStateException("spare buffers over capacity: bufIdx " + bufIdx + " returned twice?");
        }
        stack[count++] = bufIdx;
    }

    public int count() {
        return count;
    }

    /** The buffers on the stack, for the ownership ledger (worker stopped). */
    public int[] buffers() {
        int[] out = new int[count];
        System.arraycopy(stack, 0, out, 0, count);
        return out;
    }

    /** Hands every spare back to the pool (workers stopped). */
    public void release(BufferPool pool) {
        while (count > 0) {
            pool.free(stack[--count]);
        }
    }
}

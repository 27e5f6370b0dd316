package io.pswitch.dataplane.logging;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Per pool buffer: whether a logged buffer is <em>pinned</em> (still in a ring slot of the worker that
 * logged it: a frame waiting to be transmitted from it), and whether retention retired its record
 * meanwhile. Shared by every worker: retention runs on worker 0, the log's one writer, and may retire
 * a record whose buffer is pinned in another worker's TX ring, while that worker unpins it when the
 * driver hands the slot back. So the state moves by atomic operations only:
 * <pre>
 *   UNPINNED --pin (the logging worker)--> PINNED --unpin (the same worker)--> UNPINNED
 *   PINNED --retire (worker 0)--> PINNED_RETIRED --unpin--> UNPINNED, and the unpinning worker gives
 *   the buffer back to the pool (through worker 0 when it is another worker)
 * </pre>
 * {@link #retire} (a CAS) and {@link #unpin} (a getAndSet) race for a pinned buffer; exactly one of
 * them sees that the buffer is now free: the retire when the buffer had left its ring already, the
 * unpin when the record retired first. A buffer is never freed twice, never while in a ring.
 *
 * <p>One byte per buffer, so the array costs a pool's buffer count in bytes.
 */
public final class PinStates {
    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(byte[].class);

    static final byte UNPINNED = 0;
    static final byte PINNED = 1;
    /** Pinned, and its record retired meanwhile: free once it leaves its ring. */
    static final byte PINNED_RETIRED = 2;

    private final byte[] state;

    PinStates(int bufferCount) {
        this.state = new byte[bufferCount];
    }

    /**
     * The buffer now holds a logged frame in a ring of the calling worker. Before the record (or the
     * request for it) is visible to worker 0: the queue's release store orders it.
     */
    void pin(int buf) {
        STATE.setRelease(state, buf, PINNED);
    }

    /**
     * The buffer left its ring. Worker that pinned it.
     *
     * @return true when its record retired meanwhile: the caller must give the buffer back to the pool
     */
    boolean unpin(int buf) {
        return (byte) STATE.getAndSet(state, buf, UNPINNED) == PINNED_RETIRED;
    }

    /**
     * Retention retired the buffer's record (or refused to append it). Worker 0.
     *
     * @return true when the buffer is in no ring: the caller gives it back to the pool now
     */
    boolean retire(int buf) {
        return !STATE.compareAndSet(state, buf, PINNED, PINNED_RETIRED);
    }

    /** Buffers retired while pinned, for the ownership ledger (cold; workers stopped). */
    int[] retiredPinned() {
        int n = 0;
        for (byte b : state) {
            if (b == PINNED_RETIRED) {
                n++;
            }
        }
        int[] out = new int[n];
        for (int b = 0, k = 0; b < state.length; b++) {
            if (state[b] == PINNED_RETIRED) {
                out[k++] = b;
            }
        }
        return out;
    }
}

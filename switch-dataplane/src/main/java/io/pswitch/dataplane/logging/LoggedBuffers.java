package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.handoff.HandoffQueue;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;

/**
 * One worker's logged buffers on their way out of its rings (see {@link LoggingStage} on buffer
 * ownership): a logged buffer stays in its RX slot, flagged {@link Ring#FLAG_LOGGED} and pinned, so
 * pass 2 forwards it by the usual swap (zero copy) and the TX slot carries the flag. Each logged frame
 * has one spare, taken before the frame was marked (so nothing can fail later in the cycle):
 * <ul>
 *   <li>if the logged buffer is still in its RX slot after pass 2 (a drop, a full ring, a copy sent
 *       to another worker), the spare replaces it there;</li>
 *   <li>if pass 2 moved it to a TX slot, the RX slot already got that TX slot's buffer, and the spare
 *       waits in the reserve until the driver has transmitted the frame and handed the TX slot back
 *       ({@link #afterTxSync}); then the spare replaces the logged buffer there.</li>
 * </ul>
 * A logged buffer never crosses to another worker's rings (pass 2 sends a copy instead), so only the
 * worker that logged a buffer ever unpins it. When its record retired while it was pinned, the
 * buffer goes back to the pool: directly on worker 0, which owns the pool's free list, through the
 * return queue to worker 0 on any other worker.
 *
 * <p>Worker thread only, but for the cold ledger reads (workers stopped).
 */
final class LoggedBuffers {
    private final Ring[] rx;
    private final Ring[] tx;
    private final PinStates pins;
    /** Worker 0: where a retired buffer goes. */
    private final BufferPool pool;
    /** Other workers: the queue of retired buffers to worker 0 (null on worker 0). */
    private final HandoffQueue returns;
    /** Per batch index: the spare buffer taken for a logged frame. */
    private final int[] spare;
    /** Batch indices of this batch's logged frames. */
    private final int[] logged;
    private int loggedCount;
    /** Spares standing in for logged buffers that are in TX slots, one each. */
    private final int[] reserve;
    private int reserveCount;
    /** Per TX ring: the tail up to which handed-back slots have been checked for logged buffers. */
    private final int[] checkedTail;

    LoggedBuffers(Ring[] rx, Ring[] tx, int batchCapacity, PinStates pins, BufferPool pool, HandoffQueue returns) {
        this.rx = rx.clone();
        this.tx = tx.clone();
        this.pins = pins;
        this.pool = pool;
        this.returns = returns;
        this.spare = new int[batchCapacity];
        this.logged = new int[batchCapacity];
        int txSlots = 0;
        for (Ring r : tx) {
            txSlots += r.numSlots();
        }
        this.reserve = new int[txSlots];
        this.checkedTail = new int[tx.length];
        for (int p = 0; p < tx.length; p++) {
            checkedTail[p] = tx[p].tail;
        }
    }

    /** The most buffers a worker can have pinned at once: every ring slot. */
    static int ringSlots(Ring[] rx, Ring[] tx) {
        int n = 0;
        for (int p = 0; p < rx.length; p++) {
            n += rx[p].numSlots() + tx[p].numSlots();
        }
        return n;
    }

    /** Start of a batch. */
    void begin() {
        loggedCount = 0;
    }

    /** Batch frame {@code i}, in {@code ring}'s slot {@code s} with buffer {@code buf}, is logged; {@code spareBuf} will replace it. */
    void add(int i, Ring ring, int s, int buf, int spareBuf) {
        pins.pin(buf);
        ring.flags[s] |= Ring.FLAG_LOGGED;
        spare[i] = spareBuf;
        logged[loggedCount++] = i;
    }

    /** Frames logged in this batch so far. */
    int count() {
        return loggedCount;
    }

    /**
     * After pass 2, before the RX slots go back to the drivers: a logged buffer still in its RX slot
     * is replaced by its spare; one that moved to a TX slot leaves its spare in the reserve.
     */
    void afterForward(Batch batch) {
        for (int k = 0, n = loggedCount; k < n; k++) {
            int i = logged[k];
            Ring ring = rx[batch.ingressPort(i)];
            int s = batch.slot(i);
            if ((ring.flags[s] & Ring.FLAG_LOGGED) != 0) {
                int buf = ring.bufIdx[s];
                ring.bufIdx[s] = spare[i];
                ring.flags[s] = (short) ((ring.flags[s] & ~Ring.FLAG_LOGGED) | Ring.FLAG_BUF_CHANGED);
                unpin(buf);
            } else {
                reserve[reserveCount++] = spare[i];
            }
        }
        loggedCount = 0;
    }

    /** After port {@code p}'s txSync: TX slots handed back that hold a logged buffer get a reserve spare. */
    void afterTxSync(int p) {
        Ring ring = tx[p];
        int t = checkedTail[p];
        int end = ring.tail;
        // One reserve spare per logged buffer in a TX slot: none reserved, none to look for.
        while (t != end && reserveCount > 0) {
            if ((ring.flags[t] & Ring.FLAG_LOGGED) != 0) {
                int buf = ring.bufIdx[t];
                ring.bufIdx[t] = reserve[--reserveCount];
                ring.flags[t] = (short) ((ring.flags[t] & ~Ring.FLAG_LOGGED) | Ring.FLAG_BUF_CHANGED);
                unpin(buf);
            }
            t = ring.next(t);
        }
        checkedTail[p] = end;
    }

    private void unpin(int buf) {
        if (pins.unpin(buf)) {
            if (returns == null) {
                pool.free(buf);
            } else {
                int e = returns.claim();
                if (e < 0) {
                    // Cannot happen: the queue holds every ring slot's worth (see LogLink).
                    throw new IllegalStateException("log return queue to worker 0 is full");
                }
                returns.put(e, 0, buf);
                // Rare (a record retired while its frame waited in a ring): one release store each.
                returns.publish();
            }
        }
    }

    /** The reserve, for the ownership ledger (cold; worker stopped). */
    int[] reserved() {
        int[] out = new int[reserveCount];
        System.arraycopy(reserve, 0, out, 0, reserveCount);
        return out;
    }
}

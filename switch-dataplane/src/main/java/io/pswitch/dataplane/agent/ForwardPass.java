package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * Pass 2 of the duty cycle: moves the batch's frames to their TX rings in batch order, so each
 * output keeps wire order. A unicast frame moves by swapping buffers (zero copy); a flooded one is
 * copied into the TX slots' own buffers of all destinations but the last, which gets the RX buffer
 * by swap, so this pass never allocates. Owned by the agent's thread.
 */
final class ForwardPass {
    private static final int CAUSES = DropCause.VALUES.length;
    private static final int RING_FULL = DropCause.RING_FULL.ordinal();

    private final BufferPool pool;
    private final MemorySegment memory;
    private final Ring[] rx;
    private final Ring[] tx;
    private final long[] txFrames;
    private final long[] txBytes;
    private final long[] drops;
    private final int[] txHead;
    private final int[] txFree;
    private final boolean[] txTouched;
    private int[] writablePorts;
    private int writableCount;

    ForwardPass(BufferPool pool, Ring[] rx, Ring[] tx, long[] txFrames, long[] txBytes, long[] drops) {
        this.pool = pool;
        this.memory = pool.segment();
        this.rx = rx;
        this.tx = tx;
        this.txFrames = txFrames;
        this.txBytes = txBytes;
        this.drops = drops;
        this.txHead = new int[tx.length];
        this.txFree = new int[tx.length];
        this.txTouched = new boolean[tx.length];
    }

    /** Whether port {@code p} got frames since the last {@link #clearTouched}. */
    boolean touched(int p) {
        return txTouched[p];
    }

    void clearTouched(int p) {
        txTouched[p] = false;
    }

    /** Moves the batch to the TX rings of the {@code writableCount} ports listed in {@code writablePorts}. */
    void forward(Batch b, int[] writablePorts, int writableCount) {
        this.writablePorts = writablePorts;
        this.writableCount = writableCount;
        for (int k = 0; k < writableCount; k++) {
            int p = writablePorts[k];
            txHead[p] = tx[p].head;
            txFree[p] = tx[p].userSlots();
        }
        for (int i = 0, n = b.count(); i < n; i++) {
            int d = b.decision(i);
            if (d >= 0) {
                int p = b.ingressPort(i);
                if (txFree[d] == 0) {
                    drops[p * CAUSES + RING_FULL]++;
                } else {
                    swapTo(rx[p], b.slot(i), d);
                }
            } else if (d == Batch.FLOOD) {
                flood(b.ingressPort(i), b.slot(i));
            }
        }
        for (int k = 0; k < writableCount; k++) {
            int p = writablePorts[k];
            if (txTouched[p]) {
                Ring ring = tx[p];
                ring.head = txHead[p];
                ring.cur = txHead[p];
            }
        }
    }

    private void swapTo(Ring from, int slot, int d) {
        Ring ring = tx[d];
        int t = txHead[d];
        int len = from.len[slot];
        Ring.swap(from, slot, ring, t);
        ring.len[t] = len;
        ring.timestampNs[t] = from.timestampNs[slot];
        ring.tunnel[t] = from.tunnel[slot];
        txHead[d] = ring.next(t);
        txFree[d]--;
        txFrames[d]++;
        txBytes[d] += len;
        txTouched[d] = true;
    }

    /** To every other writable port: copies for all but the last destination, which gets the buffer. */
    private void flood(int p, int slot) {
        Ring from = rx[p];
        int last = -1;
        for (int k = 0; k < writableCount; k++) {
            int d = writablePorts[k];
            if (d == p) {
                continue;
            }
            if (txFree[d] == 0) {
                drops[p * CAUSES + RING_FULL]++;
                continue;
            }
            if (last >= 0) {
                copyTo(from, slot, last);
            }
            last = d;
        }
        if (last >= 0) {
            swapTo(from, slot, last);
        }
    }

    private void copyTo(Ring from, int slot, int d) {
        Ring ring = tx[d];
        int t = txHead[d];
        int len = from.len[slot];
        MemorySegment.copy(memory, pool.offset(from.bufIdx[slot]), memory, pool.offset(ring.bufIdx[t]), len);
        ring.len[t] = len;
        ring.timestampNs[t] = from.timestampNs[slot];
        ring.tunnel[t] = from.tunnel[slot];
        txHead[d] = ring.next(t);
        txFree[d]--;
        txFrames[d]++;
        txBytes[d] += len;
        txTouched[d] = true;
    }
}

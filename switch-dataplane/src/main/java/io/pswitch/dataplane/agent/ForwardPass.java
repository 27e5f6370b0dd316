package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.handoff.HandoffQueue;
import io.pswitch.dataplane.handoff.WorkerLinks;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * Pass 2 of the duty cycle: moves the batch's frames to their TX rings in batch order, so each
 * output keeps wire order. A unicast frame moves by swapping buffers (zero copy); a flooded one is
 * copied into the TX slots' own buffers of all destinations but the last, which gets the RX buffer
 * by swap, so this pass never allocates. Owned by the worker's thread.
 *
 * <p>Several workers: a frame for a port of another worker goes into the frame queue to that worker
 * by {@code bufIdx} (the RX slot takes one of this worker's spares instead: still no copy); a
 * flooded frame is copied into a spare once per other worker that has a port to send to, and that
 * worker floods it to its own ports. {@link #deliver} does the receiving side: it puts the queued
 * frames into this worker's TX rings and gives one free buffer back to the sender per frame. A full
 * queue drops the frame as {@link DropCause#WORKER_QUEUE_FULL}, and so does an empty spare stack
 * (every buffer the worker may lend is queued or not yet given back: the other worker is behind);
 * neither ever waits.
 */
final class ForwardPass {
    private static final int CAUSES = DropCause.VALUES.length;
    private static final int RING_FULL = DropCause.RING_FULL.ordinal();
    private static final int PORT_DOWN = DropCause.PORT_DOWN.ordinal();
    private static final int QUEUE_FULL = DropCause.WORKER_QUEUE_FULL.ordinal();

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
    /** Port index to the worker that owns it. */
    private final int[] owner;
    private final int self;
    private final WorkerLinks links;
    /** Per worker: it has a writable port this cycle (a flood goes there). */
    private final boolean[] workerWritable;
    private int[] writablePorts;
    private int writableCount;

    ForwardPass(BufferPool pool, Rings rings, long[] txFrames, long[] txBytes, long[] drops, int[] owner, WorkerLinks links) {
        this.pool = pool;
        this.memory = pool.segment();
        this.rx = rings.rx();
        this.tx = rings.tx();
        this.txFrames = txFrames;
        this.txBytes = txBytes;
        this.drops = drops;
        this.txHead = new int[tx.length];
        this.txFree = new int[tx.length];
        this.txTouched = new boolean[tx.length];
        this.owner = owner;
        this.self = links.id();
        this.links = links;
        this.workerWritable = new boolean[links.workers()];
    }

    /** The RX and TX rings by port index. */
    record Rings(Ring[] rx, Ring[] tx) {
    }

    /** Whether port {@code p} got frames since the last {@link #clearTouched}. */
    boolean touched(int p) {
        return txTouched[p];
    }

    void clearTouched(int p) {
        txTouched[p] = false;
    }

    /**
     * Starts this cycle's moves: {@code writablePorts} lists this worker's writable ports,
     * {@code writable} tells it of every port (other workers' too).
     */
    void begin(int[] writablePorts, int writableCount, boolean[] writable) {
        this.writablePorts = writablePorts;
        this.writableCount = writableCount;
        for (int k = 0; k < writableCount; k++) {
            int p = writablePorts[k];
            txHead[p] = tx[p].head;
            txFree[p] = tx[p].userSlots();
        }
        if (workerWritable.length > 1) {
            java.util.Arrays.fill(workerWritable, false);
            for (int p = 0; p < writable.length; p++) {
                if (writable[p]) {
                    workerWritable[owner[p]] = true;
                }
            }
        }
    }

    /** Hands the TX slots filled this cycle to the drivers. */
    void end() {
        for (int k = 0; k < writableCount; k++) {
            int p = writablePorts[k];
            if (txTouched[p]) {
                Ring ring = tx[p];
                ring.head = txHead[p];
                ring.cur = txHead[p];
            }
        }
    }

    /** Moves the batch to the TX rings (or the queues to other workers). */
    void forward(Batch b) {
        for (int i = 0, n = b.count(); i < n; i++) {
            int d = b.decision(i);
            if (d >= 0) {
                int p = b.ingressPort(i);
                if (owner[d] != self) {
                    handOver(p, b.slot(i), d);
                } else if (txFree[d] == 0) {
                    drops[p * CAUSES + RING_FULL]++;
                } else {
                    swapTo(rx[p], b.slot(i), d);
                }
            } else if (d == Batch.FLOOD) {
                flood(b.ingressPort(i), b.slot(i));
            }
        }
    }

    /**
     * A unicast frame for another worker's port: its buffer goes into the queue, a spare into the RX
     * slot. A logged frame goes as a copy in the spare instead, and its buffer stays in the RX slot
     * for the logging stage to take out: a logged buffer never leaves the rings of the worker that
     * logged it, so only that worker ever unpins it, and the receiving worker needs neither log
     * spares nor to know which buffers are the log's (one copy per logged frame that crosses, as a
     * flood already copies once per other worker).
     */
    private void handOver(int p, int slot, int d) {
        Ring from = rx[p];
        int spare = links.spares().take();
        if (spare == 0) {
            // Every buffer this worker may lend is in a queue or not yet given back: the other
            // worker is behind, as with a full queue.
            drops[p * CAUSES + QUEUE_FULL]++;
            return;
        }
        boolean logged = (from.flags[slot] & Ring.FLAG_LOGGED) != 0;
        int len = from.len[slot];
        if (!links.sendFrame(owner[d], logged ? spare : from.bufIdx[slot], len, p, d, from.timestampNs[slot], from.tunnel[slot])) {
            links.spares().put(spare);
            drops[p * CAUSES + QUEUE_FULL]++;
            return;
        }
        if (logged) {
            // Before publish(): the release store of the queue's tail orders these bytes for the reader.
            MemorySegment.copy(memory, pool.offset(from.bufIdx[slot]), memory, pool.offset(spare), len);
        } else {
            from.bufIdx[slot] = spare;
            from.flags[slot] |= Ring.FLAG_BUF_CHANGED;
        }
    }

    /** To every other writable port: copies for all but the last destination, which gets the buffer. */
    private void flood(int p, int slot) {
        Ring from = rx[p];
        boolean elsewhere = workerWritable.length > 1 && floodToWorkers(p, from, slot);
        int last = copyToAllButLast(from.bufIdx[slot], from.len[slot], p, from.timestampNs[slot], from.tunnel[slot]);
        if (last >= 0) {
            swapTo(from, slot, last);
        } else if (!elsewhere && !anyWritableBut(p)) {
            // Every port it would go to is down (a peer not attached yet, a link lost): counted, so
            // that every frame received is forwarded or counted as dropped. A port skipped because
            // its ring was full is counted as such in copyToAllButLast.
            drops[p * CAUSES + PORT_DOWN]++;
        }
    }

    /** Whether this worker has a writable port other than {@code p} (a flood's destination). */
    private boolean anyWritableBut(int p) {
        for (int k = 0; k < writableCount; k++) {
            if (writablePorts[k] != p) {
                return true;
            }
        }
        return false;
    }

    /**
     * Floods to this worker's writable ports but {@code p}: copies to every one but the last, whose
     * number it returns (-1: none) for the caller to give the buffer itself.
     */
    private int copyToAllButLast(int buf, int len, int p, long ts, long tunnel) {
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
                copyTo(buf, len, ts, tunnel, last);
            }
            last = d;
        }
        return last;
    }

    /**
     * One copy per other worker with a writable port; that worker floods it to its own ports.
     *
     * @return whether some other worker has a writable port (a copy that could not be queued is
     *     counted as {@link DropCause#WORKER_QUEUE_FULL})
     */
    private boolean floodToWorkers(int p, Ring from, int slot) {
        int len = from.len[slot];
        boolean any = false;
        for (int w = 0; w < workerWritable.length; w++) {
            if (w == self || !workerWritable[w]) {
                continue;
            }
            any = true;
            int copy = links.spares().take();
            if (copy == 0) {
                drops[p * CAUSES + QUEUE_FULL]++;
                continue;
            }
            if (!links.sendFrame(w, copy, len, p, Batch.FLOOD, from.timestampNs[slot], from.tunnel[slot])) {
                links.spares().put(copy);
                drops[p * CAUSES + QUEUE_FULL]++;
                continue;
            }
            // Before publish(): the release store of the queue's tail orders these bytes for the reader.
            MemorySegment.copy(memory, pool.offset(from.bufIdx[slot]), memory, pool.offset(copy), len);
        }
        return any;
    }

    /**
     * Puts the frames other workers queued for this worker's ports into the TX rings, and gives the
     * sender one free buffer back per frame: the displaced TX buffer, or the frame's own when it was
     * dropped. Drops are counted against the ingress port (in this worker's block of its counters).
     *
     * @return frames taken from the queues
     */
    int deliver() {
        int taken = 0;
        for (int w = 0; w < workerWritable.length; w++) {
            HandoffQueue q = links.framesFrom(w);
            if (q == null) {
                continue;
            }
            int n = q.available();
            for (int i = 0; i < n; i++) {
                long w0 = q.word(i, 0);
                long w1 = q.word(i, 1);
                int buf = WorkerLinks.bufIdx(w0);
                int len = WorkerLinks.length(w0);
                int p = WorkerLinks.ingress(w1);
                int d = WorkerLinks.decision(w1);
                long ts = q.word(i, 2);
                long tunnel = q.word(i, 3);
                links.returnBuffer(w, d >= 0 ? deliverUnicast(buf, len, p, d, ts, tunnel) : deliverFlood(buf, len, p, ts, tunnel));
            }
            q.release(n);
            taken += n;
        }
        return taken;
    }

    /** @return the buffer to give back */
    private int deliverUnicast(int buf, int len, int p, int d, long ts, long tunnel) {
        if (!isWritable(d)) {
            drops[p * CAUSES + PORT_DOWN]++;
            return buf;
        }
        if (txFree[d] == 0) {
            drops[p * CAUSES + RING_FULL]++;
            return buf;
        }
        return place(buf, len, ts, tunnel, d);
    }

    /** @return the buffer to give back */
    private int deliverFlood(int buf, int len, int p, long ts, long tunnel) {
        int last = copyToAllButLast(buf, len, p, ts, tunnel);
        if (last >= 0) {
            return place(buf, len, ts, tunnel, last);
        }
        if (writableCount == 0) {
            // Its ports went down after the sender saw one up: this worker's share is dropped.
            drops[p * CAUSES + PORT_DOWN]++;
        }
        return buf;
    }

    private boolean isWritable(int d) {
        for (int k = 0; k < writableCount; k++) {
            if (writablePorts[k] == d) {
                return true;
            }
        }
        return false;
    }

    /** Puts a queued frame's buffer into port {@code d}'s next TX slot; returns the slot's former (free) buffer. */
    private int place(int buf, int len, long ts, long tunnel, int d) {
        Ring ring = tx[d];
        int t = txHead[d];
        int displaced = ring.bufIdx[t];
        ring.bufIdx[t] = buf;
        ring.flags[t] = (short) (ring.flags[t] | Ring.FLAG_BUF_CHANGED);
        ring.len[t] = len;
        ring.timestampNs[t] = ts;
        ring.tunnel[t] = tunnel;
        advance(d, len);
        return displaced;
    }

    private void swapTo(Ring from, int slot, int d) {
        Ring ring = tx[d];
        int t = txHead[d];
        int len = from.len[slot];
        Ring.swap(from, slot, ring, t);
        ring.len[t] = len;
        ring.timestampNs[t] = from.timestampNs[slot];
        ring.tunnel[t] = from.tunnel[slot];
        advance(d, len);
    }

    private void copyTo(int buf, int len, long ts, long tunnel, int d) {
        Ring ring = tx[d];
        int t = txHead[d];
        MemorySegment.copy(memory, pool.offset(buf), memory, pool.offset(ring.bufIdx[t]), len);
        ring.len[t] = len;
        ring.timestampNs[t] = ts;
        ring.tunnel[t] = tunnel;
        advance(d, len);
    }

    private void advance(int d, int len) {
        txHead[d] = tx[d].next(txHead[d]);
        txFree[d]--;
        txFrames[d]++;
        txBytes[d] += len;
        txTouched[d] = true;
    }
}

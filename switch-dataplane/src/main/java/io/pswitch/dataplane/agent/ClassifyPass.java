package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.fdb.ForwardingTable;
import io.pswitch.dataplane.frame.EthernetFrame;
import io.pswitch.dataplane.handoff.WorkerLinks;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * Pass 1 of the duty cycle: a forwarding decision per frame of the batch (802.1D: drop with cause,
 * learn the source, look up the destination). Reads headers only; moves no buffer. Owned by the
 * worker's thread, like the arrays it shares with the worker (per-port scratch counters, the
 * writable flags of this cycle).
 */
final class ClassifyPass {
    private static final int CAUSES = DropCause.VALUES.length;
    private static final int DROP_RUNT = Batch.drop(DropCause.RUNT);
    private static final int DROP_OVERSIZE = Batch.drop(DropCause.OVERSIZE);
    private static final int DROP_BAD_SOURCE = Batch.drop(DropCause.BAD_SOURCE);
    private static final int DROP_LINK_LOCAL = Batch.drop(DropCause.LINK_LOCAL);
    private static final int DROP_SAME_PORT = Batch.drop(DropCause.SAME_PORT);
    private static final int DROP_PORT_DOWN = Batch.drop(DropCause.PORT_DOWN);

    private final BufferPool pool;
    private final MemorySegment memory;
    private final int bufferSize;
    private final ForwardingTable fdb;
    private final Ring[] rx;
    private final boolean[] writable;
    private final long[] rxBytes;
    private final long[] drops;
    /** Null with one worker: nobody to tell of learned stations. */
    private final WorkerLinks links;

    ClassifyPass(BufferPool pool, ForwardingTable fdb, Ring[] rx, boolean[] writable, long[] rxBytes, long[] drops,
                 WorkerLinks links) {
        this.pool = pool;
        this.memory = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.fdb = fdb;
        this.rx = rx;
        this.writable = writable;
        this.rxBytes = rxBytes;
        this.drops = drops;
        this.links = links.workers() > 1 ? links : null;
    }

    void classify(Batch b, long now) {
        MemorySegment mem = memory;
        ForwardingTable table = fdb;
        for (int i = 0, n = b.count(); i < n; i++) {
            int p = b.ingressPort(i);
            Ring ring = rx[p];
            int s = b.slot(i);
            int len = ring.len[s];
            rxBytes[p] += len;
            int d;
            if (len > bufferSize) {
                // The driver stored only the first bufferSize bytes: the frame cannot be sent whole.
                d = DROP_OVERSIZE;
            } else {
                long off = pool.offset(ring.bufIdx[s]);
                long parsed = EthernetFrame.parse(mem, off, len);
                if (parsed == EthernetFrame.RUNT) {
                    d = DROP_RUNT;
                } else {
                    long src = EthernetFrame.src(mem, off);
                    if (EthernetFrame.isGroup(src)) {
                        d = DROP_BAD_SOURCE;
                    } else {
                        int vid = EthernetFrame.outerVid(parsed);
                        // 802.1D learns from every valid frame received, link-local ones included.
                        if (table.learn(vid, src, p, now) && links != null) {
                            // The other workers' replicas hear of it before any frame this cycle
                            // hands them (both are published together, learning first).
                            links.announce(((long) vid << 48) | src, p);
                        }
                        long dst = EthernetFrame.dst(mem, off);
                        if (EthernetFrame.isGroup(dst)) {
                            d = EthernetFrame.isLinkLocal(dst) ? DROP_LINK_LOCAL : Batch.FLOOD;
                        } else {
                            int to = table.lookup(vid, dst, now);
                            if (to < 0) {
                                d = Batch.FLOOD;
                            } else if (to == p) {
                                d = DROP_SAME_PORT;
                            } else if (!writable[to]) {
                                d = DROP_PORT_DOWN;
                            } else {
                                d = to;
                            }
                        }
                    }
                }
            }
            if (d < Batch.FLOOD) {
                drops[p * CAUSES + Batch.causeOrdinal(d)]++;
            }
            b.decide(i, d);
        }
    }
}

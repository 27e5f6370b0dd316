package io.pswitch.drivers.afpacket;

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;

/**
 * A live port on a network interface through an {@code AF_PACKET} socket ({@link PacketSocket}):
 * a {@code TPACKET_V3} receive ring walked by {@link TpacketV3Rx} (or, with {@code rx=v2}, a
 * {@code TPACKET_V2} ring walked by {@link TpacketV2Rx}: no block timeout, so less latency when
 * lightly loaded), and transmit by one {@code sendmmsg} per batch straight from the pool buffers.
 *
 * <p>Receive copies each frame once, from the kernel's block into the RX slot's pool buffer; no
 * system call is made to receive. Frames the RX ring has no room for wait in the kernel ring
 * until a later rxSync. Kernel drops ({@code PACKET_STATISTICS}) and the socket's pending error
 * ({@code SO_ERROR}) are sampled every {@value #POLL_INTERVAL_NS} ns, not per batch.
 *
 * <p>Transmit hands the pending slots to the kernel in one {@code sendmmsg} (up to a batch per
 * call) with the pool buffers as the messages' iovecs: the kernel's copy into its socket buffer is
 * the only one. A {@code TPACKET} TX ring is not used: the kernel would send from the ring's pages
 * by reference and give the frame back as soon as the socket buffer is orphaned, which on a veth
 * happens while a receiving TCP socket may still hold those pages. EAGAIN/ENOBUFS leave the frames
 * pending (back-pressure, counted as {@link AfPacketCounters#txFull()}); another error drops the
 * frame it names; ENXIO/ENODEV/ENETDOWN mean the interface is gone or down: the port goes DOWN
 * with the reason readable from {@link #downReason()}.
 *
 * <p>The rings, state and close are the shared core's ({@link AbstractPort}): this driver owns the
 * socket (and its mapped receive ring), which it closes before the core gives the rings' buffers
 * back, so no {@code sendmmsg} can still be reading a pool buffer then.
 *
 * <p>All calls come from the dataplane thread that owns the port; {@link #counters()} may be read
 * from any thread.
 */
public final class AfPacketPort extends AbstractPort {
    static final long POLL_INTERVAL_NS = 100_000_000L;

    private final long poolAddress;
    private final int bufferSize;
    private final PacketSocket socket;
    private final KernelRxRing rxWalker;
    private final AfPacketCounters counters = new AfPacketCounters(portCounters());
    private final int sendBatch;

    private long nextPollNs;
    private long oversizeReported;

    /** Throws the core's PortOpenException when the pool cannot fill the rings; the caller closes the socket. */
    AfPacketPort(PortSpec spec, PortContext context, PacketSocket socket) {
        super(spec, context);
        this.poolAddress = pool.segment().address();
        this.bufferSize = pool.bufferSize();
        this.socket = socket;
        this.sendBatch = socket.sendBatch();
        this.rxWalker = socket.version() == Libc.TPACKET_V3
                ? new TpacketV3Rx(socket.ring(), socket.blockSize(), socket.blockCount(), pool)
                : new TpacketV2Rx(socket.ring(), socket.blockSize(), socket.blockCount(), socket.frameSize(), pool);
        this.nextPollNs = System.nanoTime() + POLL_INTERVAL_NS;
    }

    @Override
    public int rxSync() {
        if (state() != PortState.UP) {
            return 0;
        }
        int added = 0;
        int want = Math.min(batch, rx.rxSpace());
        if (want > 0) {
            added = rxWalker.receive(rx, want);
            if (added > 0) {
                counters.addRx(added);
                long oversize = rxWalker.oversize();
                if (oversize != oversizeReported) {
                    counters.addRxOversize(oversize - oversizeReported);
                    oversizeReported = oversize;
                }
            }
        }
        long now = System.nanoTime();
        if (now - nextPollNs >= 0) {
            nextPollNs = now + POLL_INTERVAL_NS;
            poll();
        }
        return added;
    }

    /** The periodic look at the socket: kernel drops, and whether the interface went away. */
    private void poll() {
        long drops = socket.takeDrops();
        if (drops > 0) {
            counters.addKernelDrops(drops);
        }
        int err = socket.takeSocketError();
        if (err == Libc.ENETDOWN || err == Libc.ENXIO || err == Libc.ENODEV) {
            down(socket.interfaceExists() ? "interface went down" : "interface is gone");
        }
    }

    @Override
    public int txSync() {
        Ring ring = tx;
        if (state() != PortState.UP) {
            // Nothing leaves a port that is down: what was handed over is discarded, not kept forever.
            discardPending(ring);
            return 0;
        }
        int sent = 0;
        long errors = 0;
        while (ring.hwcur != ring.head) {
            int n = 0;
            int slot = ring.hwcur;
            while (slot != ring.head && n < sendBatch) {
                int len = ring.len[slot];
                if (len <= 0 || len > bufferSize) {
                    break;
                }
                socket.frame(n++, poolAddress + pool.offset(ring.bufIdx[slot]), len);
                slot = ring.next(slot);
            }
            if (n == 0) {
                errors++; // a slot with a length no frame can have: drop it
                ring.hwcur = ring.next(ring.hwcur);
                continue;
            }
            int r = socket.send(n);
            if (r > 0) {
                // The first r left, in order; a later one that failed is retried (and named) next round.
                sent += r;
                ring.hwcur = (ring.hwcur + r) & (ring.numSlots() - 1);
                continue;
            }
            int errno = socket.lastErrno();
            if (errno == Libc.EAGAIN || errno == Libc.ENOBUFS) {
                counters.addTxFull();
                break; // leave them pending: the kernel's queue is full, try next sync
            }
            if (errno == Libc.ENXIO || errno == Libc.ENODEV || errno == Libc.ENETDOWN) {
                down("transmit failed: " + Libc.strerror(errno));
                discardPending(ring);
                break;
            }
            errors++; // the kernel refused this one frame (too long for the MTU, ...): drop it, go on
            ring.hwcur = ring.next(ring.hwcur);
        }
        ring.txReclaim();
        if (sent > 0) {
            counters.addTx(sent);
        }
        if (errors > 0) {
            counters.addTxErrors(errors);
        }
        return sent;
    }

    private void discardPending(Ring ring) {
        int pending = ring.txPending();
        if (pending > 0) {
            countTxDiscarded(pending);
        }
        ring.hwcur = ring.head;
        ring.txReclaim();
    }

    private void down(String reason) {
        markDown(socket.label() + ": " + reason);
    }

    /** The packet socket: packet_poll reports POLLIN when the receive ring holds a frame (or block) for user space. */
    @Override
    public int waitFd() {
        return socket.fd();
    }

    @Override
    public long driverRxDrops() {
        return counters.kernelDrops();
    }

    /** The driver's counters, readable from any thread. */
    public AfPacketCounters counters() {
        return counters;
    }

    PacketSocket socket() {
        return socket;
    }

    @Override
    protected void closeResources() {
        socket.close();
    }

    @Override
    public String toString() {
        return "AfPacketPort[" + spec + " " + state() + (downReason() == null ? "" : " (" + downReason() + ")") + "]";
    }
}

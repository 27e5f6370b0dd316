package io.pswitch.drivers.vxlan;

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.vxlan.VxlanCounters.RxDrop;
import io.pswitch.pktlog.tunnel.TunnelMeta;
import java.lang.foreign.Arena;
import org.agrona.concurrent.EpochNanoClock;

/**
 * A VXLAN tunnel endpoint (RFC 7348) as a switch port, over one non-blocking UDP socket.
 *
 * <p>Receive: one {@code recvmmsg} per rxSync fills up to a batch of RX slots. Each message's
 * iovec splits the datagram: its 8-byte VXLAN header goes to a small per-message area, the inner
 * frame straight into the slot's pool buffer, so the frame is written once, by the kernel. Then
 * the batch is checked: a datagram from a source other than {@code remote} (when set), shorter than
 * 8 + 14 bytes, cut short because its inner frame is larger than a buffer, with a header other than
 * "I set, reserved zero", or with another VNI, is counted by cause ({@link VxlanCounters}) and its
 * slot reused; the good frames are packed towards {@code tail} by swapping buffer indices among the
 * driver's own slots (no copy), keeping wire order. Each frame's slot gets {@code tunnel} =
 * {@link TunnelMeta} (VNI, outer source) and a wall-clock timestamp that never goes back.
 *
 * <p>Send: one {@code sendmmsg} per batch of pending TX slots, each message an iovec {shared VXLAN
 * header, pool buffer} addressed to the remote. A full socket queue (EAGAIN, ENOBUFS) leaves the
 * rest pending for the next txSync; a frame the kernel refuses (over the path MTU, unreachable) is
 * counted and skipped. Without a remote or with {@code vni=any} the port is receive-only (a mirror
 * target): what the switch hands it is reclaimed at once and counted as not sent.
 *
 * <p>The source check compares addresses only: VTEPs (Linux, OVS, cloud mirroring) pick the UDP
 * source port per flow, so no one source port identifies the remote.
 *
 * <p>The rings, state and close are the shared core's ({@link AbstractPort}); this driver owns the
 * socket and the message vectors' native memory, which it lets go before the core gives the rings'
 * buffers back.
 *
 * <p>All sync calls come from the one dataplane thread that owns the port; they allocate nothing
 * and make one system call per batch. Counters are written per batch and readable from any thread.
 */
public final class VxlanPort extends AbstractPort {
    /** Kernel socket buffers: ~2000 full-size datagrams absorb a burst while the switch is busy. */
    static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final VxlanPortOptions options;
    private final long poolAddress;
    private final int bufferSize;
    private final UdpSocket socket;
    private final Arena arena;
    private final MessageVector rxVec;
    private final MessageVector txVec;
    private final VxlanCounters counters = new VxlanCounters(portCounters());
    private final EpochNanoClock wallClock;
    private final boolean transmits;
    private final int acceptVni;
    private final int remoteIpv4;
    private final boolean checkSource;

    private long lastWallNs;
    private final long[] dropCounts = new long[RxDrop.VALUES.length];

    /** Throws the core's PortOpenException when the pool cannot fill the rings; the caller closes the socket. */
    VxlanPort(PortSpec spec, VxlanPortOptions options, PortContext context, UdpSocket socket, EpochNanoClock wallClock) {
        super(spec, context);
        this.options = options;
        this.poolAddress = pool.segment().address();
        this.bufferSize = pool.bufferSize();
        this.socket = socket;
        this.wallClock = wallClock;
        this.transmits = options.transmits();
        this.acceptVni = options.vni();
        this.remoteIpv4 = options.remoteIpv4();
        this.checkSource = options.hasRemote();
        Arena a = Arena.ofShared();
        try {
            this.rxVec = MessageVector.forReceive(a, batch);
            this.txVec = transmits
                    ? MessageVector.forSend(a, batch, options.remoteIpv4(), options.remotePort(), options.vni())
                    : null;
        } catch (RuntimeException e) {
            a.close();
            releaseRings();
            throw e;
        }
        this.arena = a;
    }

    @Override
    public int rxSync() {
        if (state() != PortState.UP) {
            return 0;
        }
        Ring ring = rx;
        int want = Math.min(batch, ring.rxSpace());
        if (want <= 0) {
            return 0;
        }
        int mask = ring.numSlots() - 1;
        int base = ring.tail;
        MessageVector v = rxVec;
        for (int i = 0; i < want; i++) {
            v.setFrame(i, poolAddress + pool.offset(ring.bufIdx[(base + i) & mask]), bufferSize);
            v.rearm(i);
        }
        int n = socket.recvmmsg(v.msgs, want);
        if (n < 0) {
            counters.addReceiveError();
            return 0;
        }
        if (n == 0) {
            counters.addReceiveCall(0, 0, 0);
            return 0;
        }
        long now = wallNow();
        long[] drops = dropCounts;
        int kept = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            int len = v.length(i);
            int source = v.sourceIpv4(i);
            RxDrop cause = null;
            int vni = 0;
            if (checkSource && source != remoteIpv4) {
                cause = RxDrop.BAD_SOURCE;
            } else if (len < VxlanHeaderDescriptor.MIN_DATAGRAM) {
                cause = RxDrop.TRUNCATED;
            } else if ((v.flags(i) & MmsgLayout.MSG_TRUNC) != 0) {
                cause = RxDrop.OVERSIZE;
            } else {
                int w0 = v.headerWord(i, VxlanHeaderDescriptor.FLAGS_WORD_OFFSET);
                int w1 = v.headerWord(i, VxlanHeaderDescriptor.VNI_WORD_OFFSET);
                if (!VxlanHeaderDescriptor.isValid(w0, w1)) {
                    cause = RxDrop.BAD_HEADER;
                } else {
                    vni = VxlanHeaderDescriptor.vni(w1);
                    if (acceptVni != VxlanPortOptions.ANY_VNI && vni != acceptVni) {
                        cause = RxDrop.WRONG_VNI;
                    }
                }
            }
            if (cause != null) {
                drops[cause.ordinal()]++;
                continue;
            }
            int from = (base + i) & mask;
            int to = (base + kept) & mask;
            if (from != to) {
                // Both slots are the driver's (between tail and head): moving the frame's buffer
                // down over a dropped datagram's slot keeps wire order without copying bytes.
                int b = ring.bufIdx[to];
                ring.bufIdx[to] = ring.bufIdx[from];
                ring.bufIdx[from] = b;
            }
            int frameLen = len - VxlanHeaderDescriptor.LENGTH;
            ring.len[to] = frameLen;
            ring.flags[to] = 0;
            ring.timestampNs[to] = now;
            ring.tunnel[to] = TunnelMeta.encode(vni, source);
            bytes += frameLen;
            kept++;
        }
        ring.tail = (base + kept) & mask;
        counters.addReceiveCall(n, kept, bytes);
        if (kept < n) {
            for (int c = 0; c < drops.length; c++) {
                if (drops[c] != 0) {
                    counters.addDrop(RxDrop.VALUES[c], drops[c]);
                    drops[c] = 0;
                }
            }
        }
        return kept;
    }

    private long wallNow() {
        long t = wallClock.nanoTime();
        if (t > lastWallNs) {
            lastWallNs = t;
        }
        return lastWallNs;
    }

    @Override
    public int txSync() {
        Ring ring = tx;
        if (closed()) {
            return 0;
        }
        if (!transmits) {
            counters.addNotSent(ring.txPending());
            ring.hwcur = ring.head;
            ring.txReclaim();
            return 0;
        }
        int sent = 0;
        int skipped = 0;
        int tooBig = 0;
        MessageVector v = txVec;
        while (ring.hwcur != ring.head) {
            int k = 0;
            int slot = ring.hwcur;
            while (slot != ring.head && k < batch) {
                int len = ring.len[slot];
                if (len <= 0 || len > bufferSize) {
                    if (k > 0) {
                        break; // send what is gathered first, so the ring stays in wire order
                    }
                    skipped++;
                    slot = ring.next(slot);
                    ring.hwcur = slot;
                    continue;
                }
                v.setFrame(k, poolAddress + pool.offset(ring.bufIdx[slot]), len);
                k++;
                slot = ring.next(slot);
            }
            if (k == 0) {
                continue;
            }
            int r = socket.sendmmsg(v.msgs, k);
            if (r > 0) {
                long bytes = 0;
                int s = ring.hwcur;
                for (int i = 0; i < r; i++) {
                    bytes += ring.len[s];
                    s = ring.next(s);
                }
                ring.hwcur = s;
                counters.addSendCall(r, bytes);
                sent += r;
                if (r < k) {
                    break; // the socket queue is full: the rest waits for the next txSync
                }
            } else if (r == 0 || r == -UdpSocket.EAGAIN || r == -UdpSocket.ENOBUFS) {
                counters.addSendCall(0, 0);
                break;
            } else {
                // The kernel refused the first frame of the batch: count it, skip it, go on.
                counters.addSendCall(0, 0);
                if (r == -UdpSocket.EMSGSIZE) {
                    tooBig++;
                } else {
                    skipped++;
                }
                ring.hwcur = ring.next(ring.hwcur);
            }
        }
        ring.txReclaim();
        counters.addTooBig(tooBig);
        counters.addTxErrors(skipped);
        return sent;
    }

    /** Counters by cause, readable from any thread. */
    public VxlanCounters counters() {
        return counters;
    }

    public VxlanPortOptions options() {
        return options;
    }

    /** The UDP port the socket is bound to (the kernel's choice when the spec said 0). */
    public int localPort() {
        return socket.boundPort();
    }

    /** Whether frames the switch sends on this port leave it (false: a receive-only mirror target). */
    public boolean transmits() {
        return transmits;
    }

    /** Every received datagram this driver dropped (bad input of any cause). */
    @Override
    public long driverRxDrops() {
        return counters.totalDrops();
    }

    @Override
    protected void closeResources() {
        socket.close();
        // The kernel has no reference into these areas once the socket is closed.
        arena.close();
    }

    @Override
    public String toString() {
        return "VxlanPort[" + spec + " " + state() + "]";
    }
}

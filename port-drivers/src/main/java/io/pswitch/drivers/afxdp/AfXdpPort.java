package io.pswitch.drivers.afxdp;

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import java.lang.foreign.Arena;
import java.time.Instant;

/**
 * A port on one queue of a network interface through an AF_XDP socket whose UMEM <b>is the buffer
 * pool</b>: the kernel writes a received frame into a pool buffer (by DMA in zero-copy mode, by its
 * one copy in copy mode) and the RX slot then names that very buffer; a transmitted frame leaves
 * from the pool buffer of its TX slot. User space copies nothing.
 *
 * <p><b>Where a frame lands.</b> The kernel puts received data {@code XDP_PACKET_HEADROOM} (256)
 * bytes after the chunk address it takes from the fill ring ({@code xp_alloc}: data_hard_start =
 * chunk + UMEM headroom, data = data_hard_start + XDP_PACKET_HEADROOM), and the switch expects a
 * frame at offset 0 of its buffer. So the UMEM is registered in <em>unaligned chunk</em> mode
 * (XDP_UMEM_UNALIGNED_CHUNK_FLAG, headroom 0), where a fill address may be any byte offset, and the
 * fill address of buffer {@code b} is {@code offset(b) - 256}: the data lands at {@code offset(b)}.
 * The 256 bytes before it are the tail of buffer {@code b - 1}; nothing writes them (the redirect
 * program does not move the data start, copy mode copies only the frame, and frame metadata is not
 * used). In unaligned mode an RX descriptor's address carries the chunk address in bits 0-47 and
 * the data offset (256) in bits 48-63; their sum is {@code offset(b)}. The largest frame received is
 * the chunk size less 256. (Aligned mode cannot do this: its chunks are power-of-two aligned and
 * data always starts 256 bytes into one.) In zero-copy mode on 4 KiB pages a chunk that straddles
 * a page boundary is only valid when the two pages are DMA-contiguous, which a hugetlbfs pool or an
 * IOMMU gives; so {@code zerocopy=auto} asks for zero copy only for a pool on hugetlbfs and binds in
 * copy mode otherwise (veth and other copy-mode devices have no such limit).
 *
 * <p><b>Buffer ownership.</b> The port owns exactly the buffers of its two rings, like every driver:
 * <ul>
 *   <li>RX: the driver-owned slots {@code [tail, head)} lend their buffers to the kernel; the first
 *       {@link #lent} of them (from {@code tail}) are on the fill ring or in the kernel's RX ring.
 *       The kernel takes fill entries in order, so an RX descriptor normally names the buffer of slot
 *       {@code tail}, which then passes to the user with no copy; if it names another lent slot's
 *       buffer the two driver-owned slots swap buffers first. Slots the user hands back (head moves)
 *       are lent at the next rxSync.</li>
 *   <li>TX: slots {@code [hwcur, txPosted)} are in the kernel (TX or completion ring); {@code hwcur}
 *       passes a slot, and the slot goes back to the user ({@code tail} moves), only when the
 *       completion ring returns its buffer. So a logged buffer is never reused while the kernel may
 *       still read it, and a frame in flight still counts as pending: the switch keeps calling
 *       txSync (which kicks the kernel) until it is sent.</li>
 * </ul>
 * close() is the shared core's ({@link AbstractPort}): {@link #closeResources()} detaches the
 * program and closes the socket (the kernel then touches no UMEM page), and only then does the core
 * give every buffer of both rings back to the pool. That order is all the ownership above needs: a
 * buffer lent to the kernel (an RX slot in {@code [tail, tail + lent)}, a TX slot in
 * {@code [hwcur, txPosted)}) never left its slot, lending and completion only move slot indices and
 * swap buffers between this port's own slots, so each ring still holds each of its buffers exactly
 * once and the core's release returns each exactly once (a TX buffer the log owns, FLAG_LOGGED,
 * stays the log's, as on every port). No hook beyond closeResources is needed.
 *
 * <p><b>Wake-ups.</b> The socket is bound with XDP_USE_NEED_WAKEUP: a txSync kicks the kernel with
 * {@code sendto} only when the TX ring's XDP_RING_NEED_WAKEUP flag is set and the kernel has
 * unconsumed descriptors (copy mode always sets it: the kernel transmits from the sendto call, up to
 * its budget of 32 frames per call, so a sync kicks again while the kernel makes progress, at most
 * {@value #MAX_KICKS} times); an rxSync that found nothing kicks with one {@code recvfrom} only when the
 * fill ring's flag asks (zero-copy drivers that sleep). Never once per frame.
 *
 * <p>All calls come from the dataplane thread that owns the port; {@link #counters()} may be read
 * from any thread.
 */
public final class AfXdpPort extends AbstractPort {
    static final long STATS_INTERVAL_NS = 100_000_000L;
    /** TX kicks per txSync at most: 16 of copy mode's 32-frame budget cover a 512-frame sync. */
    static final int MAX_KICKS = 16;

    private final String label;
    private final int bufferShift;
    private final int frameCapacity;
    private final int chunkSize;
    private final int mask;
    private final XskSocket xsk;
    private final XdpRedirectProgram program;
    private final Arena arena;
    private final AfXdpCounters counters = new AfXdpCounters(portCounters());
    private final String description;
    private final long wallBaseNs;
    private final long monoBaseNs;

    /** RX: buffers of slots [tail, tail + lent) are in the kernel (fill ring or its RX ring). */
    private int lent;
    /** TX: first slot not yet posted to the kernel; [hwcur, txPosted) are in flight (TX or completion ring). */
    private int txPosted;
    private long nextStatsNs;

    /**
     * The core fills both rings from the pool; then the RX slots' buffers go on the fill ring. Throws
     * the core's PortOpenException when the pool cannot fill the rings; the caller then closes the
     * program, the socket and the arena (nothing was lent yet).
     */
    AfXdpPort(PortSpec spec, PortContext context, String label, int chunkSize, XskSocket xsk, XdpRedirectProgram program,
            Arena arena) {
        super(spec, context);
        this.label = label;
        this.bufferShift = Integer.numberOfTrailingZeros(pool.bufferSize());
        this.chunkSize = chunkSize;
        this.frameCapacity = chunkSize - XskDescriptor.XDP_PACKET_HEADROOM;
        this.mask = rx.numSlots() - 1;
        this.xsk = xsk;
        this.program = program;
        this.arena = arena;
        Instant now = Instant.now();
        this.monoBaseNs = System.nanoTime();
        this.wallBaseNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        this.txPosted = tx.hwcur;
        this.description = label + ": " + program.mode().label() + " XDP, "
                + (xsk.zeroCopy() ? "zero-copy (the NIC DMAs into pool buffers)"
                        : "copy mode (the kernel's one copy goes into the pool buffer; zero copy needs zerocopy=on or a pool on hugetlbfs)")
                + ", UMEM = the buffer pool " + pool.path() + " (" + pool.storageClass().label() + "), no copy in user space"
                + ", frames up to " + frameCapacity + " bytes"
                + (program.note() == null ? "" : "; " + program.note());
        lend();
    }

    /** Fill address of a buffer: 256 bytes before it, so that the kernel's data lands at its offset 0. */
    private long fillAddress(int bufIdx) {
        return pool.offset(bufIdx) - XskDescriptor.XDP_PACKET_HEADROOM;
    }

    /** The buffer whose offset 0 is at UMEM offset {@code data}, or 0 when no buffer starts there. */
    private int bufferAt(long data) {
        long rel = data - BufferPoolDescriptor.DATA_OFFSET;
        if (rel <= 0 || (rel & ((1L << bufferShift) - 1)) != 0 || (rel >>> bufferShift) >= pool.bufferCount()) {
            return 0;
        }
        return (int) (rel >>> bufferShift);
    }

    /** Puts the buffers of driver-owned RX slots not yet lent on the fill ring, in slot order. */
    private void lend() {
        Ring ring = rx;
        int driverSlots = ring.numSlots() - ring.userSlots();
        int toLend = driverSlots - lent;
        if (toLend <= 0) {
            return;
        }
        XskRing fill = xsk.fill();
        // The fill ring has as many entries as the RX ring has slots, and at most `lent` of them are
        // taken, so there is always room for the rest.
        int n = fill.freeEntries(toLend);
        int idx = fill.reserve(n);
        int s = (ring.tail + lent) & mask;
        for (int i = 0; i < n; i++) {
            fill.putAddr(idx + i, fillAddress(ring.bufIdx[s]));
            ring.flags[s] = 0;
            s = (s + 1) & mask;
        }
        fill.submit();
        lent += n;
    }

    @Override
    public int rxSync() {
        if (state() != PortState.UP) {
            return 0;
        }
        lend();
        Ring ring = rx;
        int want = Math.min(batch, ring.rxSpace());
        XskRing krx = xsk.rx();
        int got = want > 0 ? krx.peek(want) : 0;
        int added = 0;
        if (got > 0) {
            // peek's acquire load of the producer index also makes the frame bytes visible: the
            // kernel wrote them into the buffer before it published the descriptor.
            int idx = krx.consumerIndex();
            long ts = wallBaseNs + (System.nanoTime() - monoBaseNs);
            for (int i = 0; i < got; i++) {
                int b = bufferAt(XskDescriptor.rxDataOffset(krx.descAddrAt(idx + i)));
                int slot = ring.tail;
                if (lent == 0 || ring.bufIdx[slot] != b && !swapLentInto(slot, b)) {
                    counters.add(AfXdpCounters.STRAY_DESCRIPTORS, 1);
                    continue;
                }
                ring.len[slot] = krx.descLenAt(idx + i);
                ring.timestampNs[slot] = ts;
                ring.flags[slot] = 0;
                ring.tail = (slot + 1) & mask;
                lent--;
                added++;
            }
            krx.release(got);
            counters.add(AfXdpCounters.RX_FRAMES, added);
        } else if (want > 0 && xsk.fill().needsWakeup()) {
            xsk.kickRx();
            counters.add(AfXdpCounters.RX_WAKEUPS, 1);
        }
        refreshStatistics();
        return added;
    }

    /** RX: the kernel returned lent buffer {@code b} out of order; swap it into {@code slot} (both driver-owned). */
    private boolean swapLentInto(int slot, int b) {
        if (b == 0) {
            return false;
        }
        Ring ring = rx;
        for (int k = 1, s = (slot + 1) & mask; k < lent; k++, s = (s + 1) & mask) {
            if (ring.bufIdx[s] == b) {
                ring.bufIdx[s] = ring.bufIdx[slot];
                ring.bufIdx[slot] = b;
                return true;
            }
        }
        return false;
    }

    @Override
    public int txSync() {
        if (closed()) {
            return 0; // the socket's rings are unmapped: nothing to reap, nothing to send
        }
        Ring ring = tx;
        reapCompletions();
        if (state() != PortState.UP) {
            // Nothing leaves a port that is down. Pending frames are discarded once the kernel gave
            // back every buffer in flight (the in-flight window must stay contiguous).
            if (txPosted == ring.hwcur) {
                countTxDiscarded(ring.txPending());
                ring.hwcur = ring.head;
                txPosted = ring.head;
            }
            ring.txReclaim();
            return 0;
        }
        int sent = 0;
        int unposted = (ring.head - txPosted) & mask;
        XskRing ktx = xsk.tx();
        if (unposted > 0) {
            int room = ktx.freeEntries(unposted);
            if (room < unposted) {
                counters.add(AfXdpCounters.TX_RING_FULL, 1);
            }
            int slot = txPosted;
            while (sent < room && slot != ring.head) {
                int len = ring.len[slot];
                if (len <= 0 || len > chunkSize) {
                    if (sent > 0 || ring.hwcur != txPosted) {
                        break; // give it up only when nothing is in flight before it; try again next sync
                    }
                    counters.add(AfXdpCounters.TX_ERRORS, 1);
                    slot = (slot + 1) & mask;
                    txPosted = slot;
                    ring.hwcur = slot;
                    continue;
                }
                ktx.putDesc(ktx.reserve(1), pool.offset(ring.bufIdx[slot]), len);
                sent++;
                slot = (slot + 1) & mask;
                txPosted = slot;
            }
            if (sent > 0) {
                ktx.submit();
            }
        }
        // Kick only when the kernel said it will not look by itself. Copy mode transmits at most
        // its budget (TX_BATCH_SIZE, 32 frames) per kick: one kick per txSync let a 256-frame RX
        // batch fill the TX ring at 32 frames a cycle and the switch dropped the rest (ring_full,
        // each a TCP retransmit). So kick again while the last kick made progress and descriptors
        // remain, up to MAX_KICKS; frames still in flight keep txPending() > 0 and the next sync goes on.
        if (sent > 0 || ktx.outstanding() > 0) {
            int left = ktx.outstanding();
            for (int k = 0; k < MAX_KICKS && left > 0 && ktx.needsWakeup(); k++) {
                counters.add(AfXdpCounters.TX_WAKEUPS, 1);
                int e = xsk.kickTx();
                if (e != 0) {
                    counters.add(AfXdpCounters.TX_ERRORS, 1);
                    if (e == LinuxCalls.ENXIO || e == LinuxCalls.ENODEV || e == LinuxCalls.ENETDOWN) {
                        down("transmit failed: " + xsk.errorText(e));
                    }
                    break;
                }
                int now = ktx.outstanding();
                if (now >= left) {
                    break; // no progress: the device queue is full, the next sync tries again
                }
                left = now;
            }
        }
        ring.txReclaim();
        counters.add(AfXdpCounters.TX_FRAMES, sent);
        return sent;
    }

    /**
     * TX: buffers back from the completion ring end their slots' flight; {@code hwcur} moves past
     * them and txReclaim gives the slots back to the user.
     */
    private void reapCompletions() {
        Ring ring = tx;
        int inFlight = (txPosted - ring.hwcur) & mask;
        if (inFlight == 0) {
            return;
        }
        XskRing cq = xsk.completion();
        int c = cq.peek(inFlight);
        if (c == 0) {
            return;
        }
        int idx = cq.consumerIndex();
        for (int i = 0; i < c; i++) {
            int b = bufferAt(cq.addrAt(idx + i));
            if (ring.bufIdx[ring.hwcur] != b && !swapInFlightInto(b)) {
                counters.add(AfXdpCounters.STRAY_DESCRIPTORS, 1);
                continue;
            }
            ring.hwcur = (ring.hwcur + 1) & mask;
        }
        cq.release(c);
    }

    /** TX: the kernel completed buffer {@code b} out of order; swap it (with its flags) into slot hwcur. */
    private boolean swapInFlightInto(int b) {
        if (b == 0) {
            return false;
        }
        Ring ring = tx;
        int done = ring.hwcur;
        for (int s = (done + 1) & mask; s != txPosted; s = (s + 1) & mask) {
            if (ring.bufIdx[s] == b) {
                ring.bufIdx[s] = ring.bufIdx[done];
                ring.bufIdx[done] = b;
                short f = ring.flags[s];
                ring.flags[s] = ring.flags[done];
                ring.flags[done] = f;
                return true;
            }
        }
        return false;
    }

    /** Copies the kernel's XDP_STATISTICS into the counters, and notices an interface that went away; at most every STATS_INTERVAL_NS. */
    private void refreshStatistics() {
        long now = System.nanoTime();
        if (now - nextStatsNs < 0) {
            return;
        }
        nextStatsNs = now + STATS_INTERVAL_NS;
        if (xsk.readStatistics()) {
            counters.set(AfXdpCounters.KERNEL_RX_DROPPED, xsk.statistic(XskDescriptor.STATS_RX_DROPPED));
            counters.set(AfXdpCounters.KERNEL_RX_INVALID, xsk.statistic(XskDescriptor.STATS_RX_INVALID));
            counters.set(AfXdpCounters.KERNEL_TX_INVALID, xsk.statistic(XskDescriptor.STATS_TX_INVALID));
            counters.set(AfXdpCounters.KERNEL_RX_RING_FULL, xsk.statistic(XskDescriptor.STATS_RX_RING_FULL));
            counters.set(AfXdpCounters.KERNEL_FILL_RING_EMPTY, xsk.statistic(XskDescriptor.STATS_FILL_RING_EMPTY));
        }
        // An unbound socket (its interface unregistered) answers ENXIO.
        int e = xsk.probe();
        if (e == LinuxCalls.ENXIO || e == LinuxCalls.ENODEV) {
            down("interface gone: " + xsk.errorText(e));
        }
    }

    private void down(String reason) {
        markDown(label + ": " + reason);
    }

    /**
     * One line for the start-up report and {@code GET /api/v1/ports}: the XDP mode, copy or
     * zero-copy, and that the UMEM is the pool (this driver never falls back to a UMEM of its own:
     * when the pool cannot be the UMEM the port refuses to open, saying why).
     */
    public String description() {
        return description;
    }

    /** The socket, for tests that read the kernel's rings directly. */
    XskSocket socket() {
        return xsk;
    }

    public AfXdpCounters counters() {
        return counters;
    }

    /** Whether the socket is in zero-copy mode. */
    public boolean zeroCopy() {
        return xsk.zeroCopy();
    }

    /** native or generic. */
    public String xdpMode() {
        return program.mode().label();
    }

    /** Frames handed over for transmission while the port was down. */
    public long txDiscarded() {
        return portCounters().txDiscarded();
    }

    /** The XSK socket: the kernel's xsk_poll reports POLLIN when the RX ring holds descriptors. */
    @Override
    public int waitFd() {
        return xsk.fd();
    }

    @Override
    public long driverRxDrops() {
        return counters.kernelRxDropped() + counters.kernelRxRingFull();
    }

    @Override
    protected void closeResources() {
        // Program first (no more redirects into the socket), then the socket: after it is closed the
        // queue is unbound and the kernel writes and reads no UMEM page, so every buffer lent to it
        // (RX slots [tail, tail + lent), TX slots [hwcur, txPosted)) is back in its slot before the
        // core releases the rings.
        program.close();
        xsk.close();
        arena.close();
    }

    @Override
    public String toString() {
        return "AfXdpPort[" + spec + " " + state() + (downReason() == null ? "" : " (" + downReason() + ")") + "]";
    }
}

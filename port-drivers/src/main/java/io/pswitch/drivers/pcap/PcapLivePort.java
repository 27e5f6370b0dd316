package io.pswitch.drivers.pcap;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.DriverCounters;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * A live port on a network interface through libpcap: promiscuous, immediate, non-blocking,
 * capturing only frames the interface received (so what this port transmits never comes back in).
 *
 * <p>Receive: {@code pcap_dispatch} hands frames to one upcall stub made at open; the upcall copies
 * each frame from libpcap's buffer into the pool buffer of the next RX slot — the frame's only copy.
 * A frame larger than a pool buffer is cut to the buffer and keeps {@code len = caplen}, so the
 * switch drops it as OVERSIZE. A slot's timestamp is the kernel's capture time (Unix epoch, ns;
 * microsecond resolution when the kernel cannot give ns), raised to the previous slot's timestamp if
 * the wall clock stepped back, so timestamps never decrease on this port.
 *
 * <p>Transmit: {@code pcap_inject} straight from the pool buffer's address. EAGAIN/ENOBUFS leave the
 * frame pending (back-pressure: the next txSync tries again); any other error drops that frame and
 * counts it; ENXIO/ENODEV/ENETDOWN mean the interface is gone or down: the port goes DOWN with the
 * reason readable from {@link #downReason()}, and the switch carries on with its other ports.
 *
 * <p>Receive back-pressure comes from the kernel: frames beyond the RX ring's space wait in the
 * kernel capture buffer ({@code bufsize}) until a later rxSync; when that buffer is full the kernel
 * drops them and {@link #driverRxDrops()} counts them (from {@code pcap_stats}, sampled at most
 * every {@value #STATS_INTERVAL_NS} ns).
 *
 * <p>All calls come from the dataplane thread that owns the port; the upcall runs inside
 * {@code pcap_dispatch} on that thread. The upcall never throws (an exception there would kill the
 * JVM): it records the failure and rxSync reports it after dispatch returns.
 */
public final class PcapLivePort extends AbstractPort {
    static final long STATS_INTERVAL_NS = 100_000_000L;

    private static final MethodHandle ON_FRAME;

    static {
        try {
            ON_FRAME = MethodHandles.lookup().findVirtual(PcapLivePort.class, "onFrame",
                    MethodType.methodType(void.class, long.class, long.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MemorySegment poolSegment;
    private final long poolAddress;
    private final int bufferSize;
    private final LivePcapHandle handle;
    private final Arena upcallArena;
    private final MemorySegment upcall;
    private final long fracToNs;
    private final int waitFd;

    private long lastTimestampNs = Long.MIN_VALUE;
    private Throwable upcallFailure;
    private long nextStatsNs;
    private static final int UPCALL_OVERFLOWS = 0;
    private static final int KERNEL_DROPS = 1;
    private static final int TX_ERRORS = 2;
    /** The driver's own counters, in the switch's counters file; written on the dataplane thread (the upcall runs there too). */
    private final DriverCounters counters = portCounters().driverCounters("upcall_overflows", "kernel_drops", "tx_errors");

    PcapLivePort(PortSpec spec, PortContext context, LivePcapHandle handle) {
        super(spec, context);
        this.poolSegment = pool.segment();
        this.poolAddress = poolSegment.address();
        this.bufferSize = pool.bufferSize();
        this.handle = handle;
        this.fracToNs = handle.nanoTimestamps() ? 1 : 1000;
        this.waitFd = handle.fd();
        Arena arena = Arena.ofShared();
        try {
            this.upcall = Linker.nativeLinker().upcallStub(ON_FRAME.bindTo(this), LivePcapHandle.HANDLER, arena);
        } catch (RuntimeException e) {
            arena.close();
            releaseRings();
            throw e;
        }
        this.upcallArena = arena;
    }

    /**
     * The upcall: one captured frame into the next RX slot. Runs inside pcap_dispatch. Allocates
     * nothing and never lets an exception escape.
     */
    @SuppressWarnings("unused")
    private void onFrame(long user, long header, long bytes) {
        try {
            Ring ring = rx;
            if (ring.rxSpace() == 0) {
                // dispatch is asked for at most rxSpace() frames, so this is a libpcap surprise.
                counters.add(UPCALL_OVERFLOWS, 1);
                return;
            }
            MemorySegment all = LivePcapHandle.ALL;
            int caplen = all.get(JAVA_INT_UNALIGNED, header + LivePcapHandle.HDR_CAPLEN);
            long ts = all.get(JAVA_LONG_UNALIGNED, header + LivePcapHandle.HDR_TV_SEC) * 1_000_000_000L
                    + all.get(JAVA_LONG_UNALIGNED, header + LivePcapHandle.HDR_TV_FRAC) * fracToNs;
            if (ts < lastTimestampNs) {
                ts = lastTimestampNs;
            }
            lastTimestampNs = ts;
            int slot = ring.tail;
            MemorySegment.copy(all, bytes, poolSegment, pool.offset(ring.bufIdx[slot]), Math.min(caplen, bufferSize));
            ring.len[slot] = caplen;
            ring.timestampNs[slot] = ts;
            ring.flags[slot] = 0;
            ring.tail = ring.next(slot);
        } catch (Throwable t) {
            if (upcallFailure == null) {
                upcallFailure = t;
            }
        }
    }

    @Override
    public int rxSync() {
        if (state() != PortState.UP) {
            return 0;
        }
        int want = Math.min(batch, rx.rxSpace());
        if (want <= 0) {
            return 0;
        }
        int before = rx.tail;
        // cnt > 0 always: pcap_dispatch treats 0 or less as "no limit".
        int status = handle.dispatch(want, upcall);
        int added = (rx.tail - before) & (rx.numSlots() - 1);
        if (status < 0 && status != LivePcapHandle.PCAP_ERROR_BREAK) {
            down("receive failed: " + handle.lastError());
        } else if (upcallFailure != null) {
            down("receive callback failed: " + upcallFailure);
        }
        long now = System.nanoTime();
        if (now - nextStatsNs >= 0) {
            nextStatsNs = now + STATS_INTERVAL_NS;
            long d = handle.kernelDrops();
            if (d >= 0) {
                counters.set(KERNEL_DROPS, d);
            }
        }
        return added;
    }

    @Override
    public int txSync() {
        Ring ring = tx;
        int sent = 0;
        if (state() != PortState.UP) {
            // Nothing leaves a port that is down: what was handed over is discarded, not kept forever.
            countTxDiscarded(ring.txPending());
            ring.hwcur = ring.head;
            ring.txReclaim();
            return 0;
        }
        while (ring.hwcur != ring.head) {
            int slot = ring.hwcur;
            int len = ring.len[slot];
            if (len <= 0 || len > bufferSize) {
                counters.add(TX_ERRORS, 1);
            } else {
                int r = handle.inject(poolAddress + pool.offset(ring.bufIdx[slot]), len);
                if (r < 0) {
                    int errno = handle.lastErrno();
                    if (errno == LivePcapHandle.EAGAIN || errno == LivePcapHandle.ENOBUFS) {
                        break; // leave it pending: the peer or the queue is full, try next sync
                    }
                    counters.add(TX_ERRORS, 1);
                    if (errno == LivePcapHandle.ENXIO || errno == LivePcapHandle.ENODEV
                            || errno == LivePcapHandle.ENETDOWN) {
                        down("transmit failed: " + handle.lastError());
                        ring.hwcur = ring.next(slot);
                        countTxDiscarded(ring.txPending());
                        ring.hwcur = ring.head;
                        break;
                    }
                } else {
                    sent++;
                }
            }
            ring.hwcur = ring.next(slot);
        }
        ring.txReclaim();
        return sent;
    }

    private void down(String reason) {
        markDown(handle.label() + ": " + reason);
    }

    /** libpcap's selectable descriptor, the capture socket: readable when its ring holds a frame. */
    @Override
    public int waitFd() {
        return waitFd;
    }

    @Override
    public long driverRxDrops() {
        return counters.get(UPCALL_OVERFLOWS) + counters.get(KERNEL_DROPS);
    }

    /** Frames that failed to transmit for a reason other than back-pressure. */
    public long txErrors() {
        return counters.get(TX_ERRORS);
    }

    /** Frames handed over for transmission while (or because) the port was down. */
    public long txDiscarded() {
        return portCounters().txDiscarded();
    }

    /** What libpcap warned about at activation (e.g. promiscuous mode unsupported), or null. */
    public String warning() {
        return handle.warning();
    }

    /** Whether timestamps have nanosecond resolution (else microseconds). */
    public boolean nanoTimestamps() {
        return handle.nanoTimestamps();
    }

    LivePcapHandle handle() {
        return handle;
    }

    @Override
    protected void closeResources() {
        handle.close();
        // After pcap_close nothing can call the stub any more, so its memory can go.
        upcallArena.close();
    }

    @Override
    public String toString() {
        return "PcapLivePort[" + spec + " " + state() + (downReason() == null ? "" : " (" + downReason() + ")") + "]";
    }
}

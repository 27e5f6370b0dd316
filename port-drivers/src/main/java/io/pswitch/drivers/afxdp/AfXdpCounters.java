package io.pswitch.drivers.afxdp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An afxdp port's own counters: single writer (the dataplane thread that owns the port), read by the
 * control thread (REST, {@code /metrics}) at any time.
 *
 * <p>Like {@code PortCounters}, the writer stores with opaque mode: no fence on the hot path, no torn
 * value, each counter seen moving forward. The kernel's counters (XDP_STATISTICS) are copied in by
 * the writer every {@link AfXdpPort#STATS_INTERVAL_NS} ns, so a reader never makes a system call on
 * the socket and never races the dataplane for it.
 */
public final class AfXdpCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int PAD = 8;

    static final int RX_FRAMES = 0;
    static final int TX_FRAMES = 1;
    static final int KERNEL_RX_DROPPED = 2;
    static final int KERNEL_RX_RING_FULL = 3;
    static final int KERNEL_FILL_RING_EMPTY = 4;
    static final int KERNEL_RX_INVALID = 5;
    static final int KERNEL_TX_INVALID = 6;
    static final int TX_RING_FULL = 7;
    static final int TX_WAKEUPS = 8;
    static final int RX_WAKEUPS = 9;
    static final int STRAY_DESCRIPTORS = 10;
    static final int TX_ERRORS = 11;
    private static final int COUNT = 12;

    private final long[] values = new long[PAD + COUNT + PAD];

    void add(int counter, long delta) {
        int i = PAD + counter;
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + delta);
    }

    void set(int counter, long value) {
        LONGS.setOpaque(values, PAD + counter, value);
    }

    private long get(int counter) {
        return (long) LONGS.getOpaque(values, PAD + counter);
    }

    public long rxFrames() {
        return get(RX_FRAMES);
    }

    public long txFrames() {
        return get(TX_FRAMES);
    }

    /** Frames the kernel dropped for this socket for other reasons (XDP_STATISTICS rx_dropped, e.g. too long for a chunk). */
    public long kernelRxDropped() {
        return get(KERNEL_RX_DROPPED);
    }

    /** Frames the kernel dropped because the socket's RX ring was full. */
    public long kernelRxRingFull() {
        return get(KERNEL_RX_RING_FULL);
    }

    /** Times the kernel found the fill ring empty (no pool buffer to receive into: the switch fell behind). */
    public long kernelFillRingEmpty() {
        return get(KERNEL_FILL_RING_EMPTY);
    }

    public long kernelRxInvalidDescriptors() {
        return get(KERNEL_RX_INVALID);
    }

    public long kernelTxInvalidDescriptors() {
        return get(KERNEL_TX_INVALID);
    }

    /** txSync calls that left frames pending because the kernel's TX ring had no room. */
    public long txRingFull() {
        return get(TX_RING_FULL);
    }

    /** sendto kicks (at most one per txSync, only when the kernel asked for one). */
    public long txWakeups() {
        return get(TX_WAKEUPS);
    }

    /** recvfrom kicks for a driver waiting on the fill ring (at most one per rxSync). */
    public long rxWakeups() {
        return get(RX_WAKEUPS);
    }

    /** RX or completion descriptors naming a buffer this port had not lent (should stay 0). */
    public long strayDescriptors() {
        return get(STRAY_DESCRIPTORS);
    }

    /** Frames not transmitted because their length was invalid, or the kernel refused the kick. */
    public long txErrors() {
        return get(TX_ERRORS);
    }
}

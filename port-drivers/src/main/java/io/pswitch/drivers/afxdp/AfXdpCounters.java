package io.pswitch.drivers.afxdp;

import io.pswitch.dataplane.port.DriverCounters;
import io.pswitch.dataplane.port.PortCounters;

/**
 * An afxdp port's own counters: single writer (the dataplane thread that owns the port), read by the
 * control thread (REST, {@code /metrics}) at any time.
 *
 * <p>They live in the switch's counters file ({@link DriverCounters}: "port NAME driver COUNTER"),
 * where {@code pswitch stat} and {@code /metrics} read them. The writer stores with release
 * semantics, readers load with acquire: no fence on the hot path (x86), no torn value, each counter
 * seen moving forward. The kernel's counters (XDP_STATISTICS) are copied in by
 * the writer every {@link AfXdpPort#STATS_INTERVAL_NS} ns, so a reader never makes a system call on
 * the socket and never races the dataplane for it.
 */
public final class AfXdpCounters {
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

    private final DriverCounters values;

    AfXdpCounters(PortCounters port) {
        this.values = port.driverCounters("rx_frames", "tx_frames", "kernel_rx_dropped", "kernel_rx_ring_full",
                "kernel_fill_ring_empty", "kernel_rx_invalid", "kernel_tx_invalid", "tx_ring_full", "tx_wakeups",
                "rx_wakeups", "stray_descriptors", "tx_errors");
    }

    void add(int counter, long delta) {
        values.add(counter, delta);
    }

    void set(int counter, long value) {
        values.set(counter, value);
    }

    private long get(int counter) {
        return values.get(counter);
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

    /** sendto kicks (only when the kernel asked for one; copy mode may take several per txSync, one per 32-frame budget). */
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

package io.pswitch.drivers.afpacket;

import io.pswitch.dataplane.port.DriverCounters;
import io.pswitch.dataplane.port.PortCounters;

/**
 * The afpacket driver's own counters: one writer (the dataplane thread that owns the port), any
 * number of readers (REST, metrics, tests on the control thread).
 *
 * <p>They live in the switch's counters file ({@link DriverCounters}: "port NAME driver COUNTER"),
 * where {@code pswitch stat} and {@code /metrics} read them. The writer adds once per sync call,
 * not per frame, with a release store; a reader never sees a torn value and sees each counter only
 * move forward.
 */
public final class AfPacketCounters {
    private static final int RX_FRAMES = 0;
    private static final int TX_FRAMES = 1;
    private static final int KERNEL_DROPS = 2;
    private static final int TX_FULL = 3;
    private static final int TX_ERRORS = 4;
    private static final int RX_OVERSIZE = 5;

    private final DriverCounters values;

    AfPacketCounters(PortCounters port) {
        this.values = port.driverCounters("rx_frames", "tx_frames", "kernel_drops", "tx_full", "tx_errors", "rx_oversize");
    }

    private void add(int index, long delta) {
        values.add(index, delta);
    }

    private long get(int index) {
        return values.get(index);
    }

    void addRx(long frames) {
        add(RX_FRAMES, frames);
    }

    void addTx(long frames) {
        add(TX_FRAMES, frames);
    }

    void addKernelDrops(long frames) {
        add(KERNEL_DROPS, frames);
    }

    void addTxFull() {
        add(TX_FULL, 1);
    }

    void addTxErrors(long frames) {
        add(TX_ERRORS, frames);
    }

    void addRxOversize(long frames) {
        add(RX_OVERSIZE, frames);
    }

    /** Frames moved from the kernel ring into the port's RX ring. */
    public long rxFrames() {
        return get(RX_FRAMES);
    }

    /** Frames the kernel accepted for transmission. */
    public long txFrames() {
        return get(TX_FRAMES);
    }

    /**
     * Frames the kernel dropped because the receive ring had no free block (from
     * {@code PACKET_STATISTICS tp_drops}, sampled every ~100 ms, so it lags by that much).
     */
    public long kernelDrops() {
        return get(KERNEL_DROPS);
    }

    /** Times a txSync stopped early because the kernel's send queue was full (EAGAIN/ENOBUFS): back-pressure. */
    public long txFull() {
        return get(TX_FULL);
    }

    /** Frames the kernel refused for a reason other than back-pressure (too long, bad length). */
    public long txErrors() {
        return get(TX_ERRORS);
    }

    /** Frames longer than a pool buffer: cut to the buffer, their length kept, so the switch drops them as OVERSIZE. */
    public long rxOversize() {
        return get(RX_OVERSIZE);
    }
}

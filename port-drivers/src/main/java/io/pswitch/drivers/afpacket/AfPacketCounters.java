package io.pswitch.drivers.afpacket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The afpacket driver's own counters: one writer (the dataplane thread that owns the port), any
 * number of readers (REST, metrics, tests on the control thread).
 *
 * <p>The writer stores with opaque mode once per sync call, not per frame: no fence on the hot
 * path, yet a reader never sees a torn value and sees each counter only move forward. Kept in one
 * class so the counters can move to the switch's counters file as one piece.
 */
public final class AfPacketCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final int RX_FRAMES = 0;
    private static final int TX_FRAMES = 1;
    private static final int KERNEL_DROPS = 2;
    private static final int TX_FULL = 3;
    private static final int TX_ERRORS = 4;
    private static final int RX_OVERSIZE = 5;
    private static final int COUNT = 6;
    // A cache line each side: another port's counters, written by another worker, never share a line.
    private static final int PAD = 8;

    private final long[] values = new long[PAD + COUNT + PAD];

    private void add(int index, long delta) {
        int i = PAD + index;
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + delta);
    }

    private long get(int index) {
        return (long) LONGS.getOpaque(values, PAD + index);
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

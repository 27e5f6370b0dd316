package io.pswitch.dataplane.port;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Per-port counters: single writer (the dataplane thread that owns the port), many readers
 * (status line, REST, Prometheus at scrape time).
 *
 * <p>The writer stores with opaque mode: no fence on the hot path, but a reader never sees a torn
 * value and sees each counter move forward. Writers add per batch, not per frame.
 */
public final class PortCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final int RX_FRAMES = 0;
    private static final int RX_BYTES = 1;
    private static final int TX_FRAMES = 2;
    private static final int TX_BYTES = 3;
    private static final int DROPS = 4;
    // One cache line of padding each side: counters of two ports owned by two workers never share a line.
    private static final int PAD = 8;

    private final long[] values = new long[PAD + DROPS + DropCause.VALUES.length + PAD];

    private void add(int index, long delta) {
        int i = PAD + index;
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + delta);
    }

    private long get(int index) {
        return (long) LONGS.getOpaque(values, PAD + index);
    }

    public void addRx(long frames, long bytes) {
        add(RX_FRAMES, frames);
        add(RX_BYTES, bytes);
    }

    public void addTx(long frames, long bytes) {
        add(TX_FRAMES, frames);
        add(TX_BYTES, bytes);
    }

    public void addDrop(DropCause cause, long frames) {
        add(DROPS + cause.ordinal(), frames);
    }

    public long rxFrames() {
        return get(RX_FRAMES);
    }

    public long rxBytes() {
        return get(RX_BYTES);
    }

    public long txFrames() {
        return get(TX_FRAMES);
    }

    public long txBytes() {
        return get(TX_BYTES);
    }

    public long drops(DropCause cause) {
        return get(DROPS + cause.ordinal());
    }

    public long totalDrops() {
        long sum = 0;
        for (DropCause c : DropCause.VALUES) {
            sum += drops(c);
        }
        return sum;
    }
}

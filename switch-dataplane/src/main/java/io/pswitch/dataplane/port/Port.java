package io.pswitch.dataplane.port;

import io.pswitch.dataplane.ring.Ring;

/**
 * A switch port: one RX and one TX {@link Ring} over pool buffers, driven by a driver.
 *
 * <p>Contract (checked by the driver contract test): the sync calls never block and never
 * allocate on the steady path; {@code rxSync} fills at most {@link Ring#rxSpace()} slots and keeps
 * the wire order; {@code txSync} transmits the pending slots in order and reclaims them, leaving
 * frames it cannot send now (peer full) pending, so a full peer shows as a full TX ring
 * (back-pressure). All calls come from the one dataplane thread that owns the port.
 */
public interface Port extends AutoCloseable {
    String name();

    /** The spec this port was opened from, as the operator wrote it. */
    PortSpec spec();

    Ring rxRing();

    Ring txRing();

    /** Moves received frames into the RX ring; returns how many were added. */
    int rxSync();

    /** Transmits what the user handed over on the TX ring; returns how many frames left the port. */
    int txSync();

    PortState state();

    /** The port's counters in the switch's counters file; any thread may read them. */
    PortCounters portCounters();

    /**
     * Frames the driver itself had to discard on receive because the RX ring was full or the frame
     * did not fit a buffer (counted by the driver). Read on the dataplane thread only: the worker
     * publishes it in {@link PortCounters#driverRxDrops()} for every other reader.
     */
    default long driverRxDrops() {
        return 0;
    }

    /**
     * The driver's own counters by name (kernel drops, fill ring empty, TX ring full, bad
     * datagrams by cause...), for {@code /metrics} and {@code GET /api/v1/ports}, read from the
     * counters file ({@link DriverCounters}). Cold path; a new map per call is fine.
     */
    default java.util.Map<String, Long> driverCounters() {
        return java.util.Map.of();
    }

    /**
     * A file descriptor that polls readable ({@code POLLIN}) when {@link #rxSync} would find frames,
     * or -1 when the driver has none (then an idle switch cannot sleep in {@code poll} on this port).
     * Lets an idle dataplane thread sleep in the kernel and be woken by the next frame instead of
     * spinning a core away from the hosts it serves. Valid while the port is open.
     */
    default int waitFd() {
        return -1;
    }

    /** What the driver could set up, in one line (e.g. an afxdp port's UMEM and XDP mode), or null. */
    default String description() {
        return null;
    }

    /** Flushes and closes outputs and gives the rings' buffers back to the pool. Idempotent. */
    @Override
    void close();
}

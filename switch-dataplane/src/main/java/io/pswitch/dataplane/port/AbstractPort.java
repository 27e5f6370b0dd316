package io.pswitch.dataplane.port;

import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;

/**
 * The core every port shares, as netmap's adapter is: its name and spec, its RX and TX rings over
 * the pool, its state and its close. A driver supplies {@link #rxSync()} and {@link #txSync()}, the
 * resources they use, and {@link #closeResources()} to let them go.
 *
 * <p>Rings: created here, before the driver's own resources, and given back to the pool last, in
 * {@link #close()}, after the driver's resources are closed (nothing can then write into a ring's
 * buffer). A driver whose constructor fails after this one ran calls {@link #releaseRings()}.
 *
 * <p>State: written by the dataplane thread (and by {@code close}, after that thread stopped), read
 * by the agent each cycle; volatile, so a transition is seen once it happened. It changes a few
 * times in a port's life, never per frame. Each transition is also published in the port's
 * {@link PortCounters} (the counters file, as the agent does each cycle for drivers that derive
 * their state), where REST, {@code /metrics} and {@code pswitch stat} read it.
 *
 * <p>Counters: the core allocates the port's {@link PortCounters} in the context's counters file.
 * A driver counts what it discards on transmit with {@link #countTxDiscarded}, on the dataplane
 * thread; the worker publishes {@link #driverRxDrops()} there.
 */
public abstract class AbstractPort implements Port {
    protected final PortSpec spec;
    protected final BufferPool pool;
    /** The most frames one sync moves. */
    protected final int batch;
    protected final Ring rx;
    protected final Ring tx;
    private final PortCounters counters;
    private volatile PortState state = PortState.UP;
    private volatile String downReason;

    /** @throws PortOpenException when the pool cannot fill the rings */
    protected AbstractPort(PortSpec spec, PortContext context) {
        this.spec = spec;
        this.pool = context.pool();
        this.batch = context.batch();
        this.counters = new PortCounters(context.counters(), spec.name(), context.worker());
        Ring rxRing = null;
        try {
            rxRing = Ring.rx(spec.name() + ".rx", context.ringSize(), pool);
            this.tx = Ring.tx(spec.name() + ".tx", context.ringSize(), pool);
        } catch (IllegalStateException e) {
            if (rxRing != null) {
                rxRing.release(pool);
            }
            throw new PortOpenException("port " + spec.name() + ": " + e.getMessage(), e);
        }
        this.rx = rxRing;
    }

    @Override
    public final String name() {
        return spec.name();
    }

    @Override
    public final PortSpec spec() {
        return spec;
    }

    @Override
    public final Ring rxRing() {
        return rx;
    }

    @Override
    public final Ring txRing() {
        return tx;
    }

    @Override
    public final PortCounters portCounters() {
        return counters;
    }

    /** The driver's own counters, as {@link PortCounters#driverCounters} allocated them. */
    @Override
    public java.util.Map<String, Long> driverCounters() {
        return counters.driverCounterValues();
    }

    /** Frames handed over for transmission that the driver discarded (port down, no output). Dataplane thread. */
    protected final void countTxDiscarded(long frames) {
        counters.addTxDiscarded(frames);
    }

    /** The state this core holds; a driver whose state lives elsewhere (a peer's flag) overrides it, keeping CLOSED. */
    @Override
    public PortState state() {
        return state;
    }

    protected final boolean closed() {
        return state == PortState.CLOSED;
    }

    /** A transition the driver observed (input ended, link back up); never out of CLOSED. */
    protected final void state(PortState next) {
        if (state != PortState.CLOSED) {
            state = next;
            counters.state(next);
        }
    }

    /** UP → DOWN, keeping the first reason (interface gone, receive error). */
    protected final void markDown(String reason) {
        if (state == PortState.UP) {
            downReason = reason;
            state = PortState.DOWN;
            counters.state(PortState.DOWN);
        }
    }

    /** Why the port went DOWN, or null while it is up. */
    public final String downReason() {
        return downReason;
    }

    /** Closes what the driver opened (handles, files, outputs, flushing them); the rings are still there. */
    protected void closeResources() {
    }

    /** Gives both rings' buffers back to the pool: for a driver constructor that fails after the core's. */
    protected final void releaseRings() {
        rx.release(pool);
        tx.release(pool);
    }

    @Override
    public final void close() {
        if (state == PortState.CLOSED) {
            return;
        }
        state = PortState.CLOSED;
        counters.state(PortState.CLOSED);
        try {
            closeResources();
        } finally {
            releaseRings();
        }
    }
}

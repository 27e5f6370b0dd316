package io.pswitch.control.warmup;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * One throw-away switch of the warm-up: a {@link SwitchAgent} with a log (so its workers run the
 * same logging cycle as the real ones) over its own pool file in a scratch directory, its own
 * in-memory counters, and {@link WarmupPort}s of one class, or the ports a {@link PortOpener} opens
 * (the driver warm-up's real driver ports). Cold path.
 */
final class WarmupSwitch implements AutoCloseable {
    private static final int BUFFER_SIZE = 2048;

    private final CountersFile counters = CountersFile.inMemory();
    private final BufferPool pool;
    private final PacketLog log;
    private final List<Port> ports = new ArrayList<>();
    private final SwitchAgent agent;

    /** Opens port {@code index} of a warm-up switch on that switch's context (pool, counters). */
    @FunctionalInterface
    interface PortOpener {
        Port open(int index, PortContext context);
    }

    WarmupSwitch(Path dir, int portKind, int portCount, SwitchConfig config, int realRingSize, Durability durability,
                 FilterSet filters) {
        this(dir, portCount, config, realRingSize, durability, filters,
                (i, context) -> WarmupPort.of(portKind, "warm" + i, context));
    }

    WarmupSwitch(Path dir, int portCount, SwitchConfig config, int realRingSize, Durability durability, FilterSet filters,
                 PortOpener opener) {
        int batch = config.batchSize();
        int workers = config.workers();
        // Smaller rings than the real ones (less scratch memory): the code is the same, only the masks differ.
        int ring = Math.max(Math.min(realRingSize, 256), Integer.highestOneBit(Math.max(1, batch - 1)) << 1);
        int records = Math.max(1024, 4 * batch);
        int buffers = 64 + 2 * ring * portCount + 2 * ring + workers * (workers - 1) * ring + 2 * records;
        BufferPool p = null;
        PacketLog l = null;
        try {
            p = BufferPool.open(dir.resolve("pool"), BUFFER_SIZE, buffers);
            l = PacketLog.open(p, new PacketLogConfig(records, Math.max(64, 2 * batch), Math.max(1, records / 16)));
            for (int i = 0; i < portCount; i++) {
                ports.add(opener.open(i, new PortContext(p, ring, batch, counters, SwitchAgent.ownerOf(i, workers))));
            }
            this.agent = new SwitchAgent(config.withHandoffCapacity(ring), p, List.copyOf(ports), new SystemEpochNanoClock(), l,
                    durability, filters, counters, 0);
        } catch (RuntimeException e) {
            closeAll(p, l);
            throw e;
        }
        this.pool = p;
        this.log = l;
    }

    SwitchAgent agent() {
        return agent;
    }

    /** Port {@code i}, which must be a memory port. */
    WarmupPort port(int i) {
        return (WarmupPort) ports.get(i);
    }

    int portCount() {
        return ports.size();
    }

    /** Frames fed and not received yet. */
    int waiting() {
        int n = 0;
        for (Port p : ports) {
            if (p instanceof WarmupPort w) {
                n += w.waiting();
            }
        }
        return n;
    }

    long transmitted() {
        long n = 0;
        for (Port p : ports) {
            if (p instanceof WarmupPort w) {
                n += w.transmitted();
            }
        }
        return n;
    }

    long logged() {
        return log.appendedCount();
    }

    /** Stops the agent as a real stop does (commits the log), then gives everything back. */
    @Override
    public void close() {
        agent.onClose();
        agent.releaseWorkerBuffers();
        closeAll(pool, log);
    }

    private void closeAll(BufferPool p, PacketLog l) {
        for (Port port : ports) {
            port.close();
        }
        if (l != null) {
            l.close();
        }
        if (p != null) {
            p.close();
        }
        counters.close();
    }
}

package io.pswitch.control.run;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.pktlog.pool.BufferPool;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * Puts a switch together from {@link RunSettings}: locks the data directory, maps the pool, opens
 * every port, and runs one {@link SwitchAgent} on its own thread. Closing stops the agent first,
 * then closes the ports (flushing their outputs), then unmaps the pool — the reverse of opening,
 * so no buffer is touched after its pool is gone.
 */
public final class SwitchAssembly implements AutoCloseable {
    private final RunSettings settings;
    private final DataDirLock lock;
    private final BufferPool pool;
    private final List<Port> ports;
    private final SwitchAgent agent;
    private final AgentRunner runner;
    private volatile Throwable agentError;
    private boolean closed;

    private SwitchAssembly(RunSettings settings) {
        this.settings = settings;
        this.lock = DataDirLock.acquire(settings.dataDir());
        List<Port> opened = new ArrayList<>();
        BufferPool p = null;
        try {
            p = BufferPool.open(settings.poolFile(), settings.bufferSize(), settings.buffers());
            PortDrivers drivers = PortDrivers.installed();
            for (PortSpec spec : settings.ports()) {
                drivers.factory(spec);
            }
            PortContext context = new PortContext(p, settings.ringSize(), settings.batch());
            for (PortSpec spec : settings.ports()) {
                opened.add(drivers.open(spec, context));
            }
            SwitchConfig config = SwitchConfig.defaults()
                    .withBatchSize(settings.batch())
                    .withFdbCapacity(settings.fdbCapacity())
                    .withFdbAgeingNs(settings.ageing().toNanos());
            this.agent = new SwitchAgent(config, p, opened, new SystemEpochNanoClock());
        } catch (RuntimeException e) {
            for (Port port : opened) {
                port.close();
            }
            if (p != null) {
                p.close();
            }
            lock.close();
            throw e;
        }
        this.pool = p;
        this.ports = opened;
        this.runner = new AgentRunner(idleStrategy(settings.idle()), this::onAgentError, null, agent);
    }

    private static IdleStrategy idleStrategy(RunSettings.IdleMode mode) {
        return switch (mode) {
            case BUSY -> new BusySpinIdleStrategy();
            case YIELD -> new YieldingIdleStrategy();
            case BACKOFF -> new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        };
    }

    private void onAgentError(Throwable t) {
        agentError = t;
    }

    /** Opens everything and starts the dataplane thread. */
    public static SwitchAssembly start(RunSettings settings) {
        SwitchAssembly a = new SwitchAssembly(settings);
        AgentRunner.startOnThread(a.runner);
        return a;
    }

    public SwitchAgent agent() {
        return agent;
    }

    public BufferPool pool() {
        return pool;
    }

    public RunSettings settings() {
        return settings;
    }

    /** The first error the dataplane thread hit, or null. */
    public Throwable agentError() {
        return agentError;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        runner.close();
        for (Port port : ports) {
            port.close();
        }
        pool.close();
        lock.close();
    }
}

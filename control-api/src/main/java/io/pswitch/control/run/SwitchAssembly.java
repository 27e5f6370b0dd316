package io.pswitch.control.run;

import io.pswitch.control.rest.ApiServer;
import io.pswitch.control.rest.SwitchView;
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
 * every port, runs one {@link SwitchAgent} on its own thread and serves the API. Closing stops the
 * API, then the agent,
 * then closes the ports (flushing their outputs), then unmaps the pool — the reverse of opening,
 * so no buffer is touched after its pool is gone.
 */
public final class SwitchAssembly implements SwitchView, AutoCloseable {
    private final RunSettings settings;
    private final DataDirLock lock;
    private final BufferPool pool;
    private final List<Port> ports;
    private final SwitchAgent agent;
    private final AgentRunner runner;
    private volatile Throwable agentError;
    private volatile boolean started;
    private ApiServer api;
    private volatile boolean closed;

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

    /** Opens everything, starts the dataplane thread, then the API (when enabled). */
    public static SwitchAssembly start(RunSettings settings) {
        SwitchAssembly a = new SwitchAssembly(settings);
        AgentRunner.startOnThread(a.runner);
        a.started = true;
        if (settings.api().enabled()) {
            try {
                a.api = ApiServer.start(settings.api(), a);
            } catch (RuntimeException e) {
                a.close();
                throw e;
            }
        }
        return a;
    }

    /** The running API server, or null when it is off. */
    public ApiServer api() {
        return api;
    }

    @Override
    public boolean started() {
        return started && !closed;
    }

    @Override
    public SwitchAgent agent() {
        return agent;
    }

    @Override
    public BufferPool pool() {
        return pool;
    }

    public RunSettings settings() {
        return settings;
    }

    /** The first error the dataplane thread hit, or null. */
    @Override
    public Throwable agentError() {
        return agentError;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The API first: no request may wait on a dataplane that is being stopped.
        if (api != null) {
            api.close();
        }
        runner.close();
        for (Port port : ports) {
            port.close();
        }
        pool.close();
        lock.close();
    }
}

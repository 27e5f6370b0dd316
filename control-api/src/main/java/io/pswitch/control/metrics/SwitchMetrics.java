package io.pswitch.control.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.client.hotspot.DefaultExports;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.pktlog.pool.BufferPool;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The switch's Prometheus registry: a private one (not the global default), so two switches in one
 * JVM (tests) never share or double-register collectors. JVM metrics come from DefaultExports.
 */
public final class SwitchMetrics {
    public static final String CONTENT_TYPE = TextFormat.CONTENT_TYPE_004;

    private final CollectorRegistry registry = new CollectorRegistry(true);

    public SwitchMetrics(SwitchAgent agent, BufferPool pool) {
        new PortCollector(agent).register(registry);
        new FdbCollector(agent.fdbReplicas()).register(registry);
        new WorkerCollector(agent).register(registry);
        new PoolCollector(pool).register(registry);
        DefaultExports.register(registry);
    }

    /** Registry for later collectors (log, filters). */
    public CollectorRegistry registry() {
        return registry;
    }

    /** One scrape in text format 0.0.4. */
    public String scrape() {
        StringWriter out = new StringWriter(16 * 1024);
        try {
            TextFormat.write004(out, registry.metricFamilySamples());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}

package io.pswitch.control.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.pswitch.dataplane.fdb.ForwardingTable;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The forwarding table's size and event counters (written by the workers, read here at scrape time).
 * With several workers each keeps a replica: events are summed (each replica counts only its own
 * ports' stations), the size is the largest replica's.
 */
public final class FdbCollector extends Collector {
    private final List<ForwardingTable> replicas;

    public FdbCollector(List<ForwardingTable> replicas) {
        this.replicas = List.copyOf(replicas);
    }

    private long sum(ToLongFunction<ForwardingTable> counter) {
        long s = 0;
        for (ForwardingTable t : replicas) {
            s += counter.applyAsLong(t);
        }
        return s;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        long entries = 0;
        for (ForwardingTable t : replicas) {
            entries = Math.max(entries, t.size());
        }
        return List.of(
                new GaugeMetricFamily("pswitch_fdb_entries", "Stations in the forwarding table.", entries),
                new GaugeMetricFamily("pswitch_fdb_capacity", "Forwarding table capacity.", replicas.get(0).capacity()),
                new CounterMetricFamily("pswitch_fdb_learned_total", "Stations learned (new entries).", sum(ForwardingTable::learned)),
                new CounterMetricFamily("pswitch_fdb_aged_total", "Entries removed because they aged out.", sum(ForwardingTable::aged)),
                new CounterMetricFamily("pswitch_fdb_evicted_total", "Entries evicted to make room.", sum(ForwardingTable::evicted)),
                new CounterMetricFamily("pswitch_fdb_moved_total", "Stations seen moving to another port.", sum(ForwardingTable::moved)),
                new CounterMetricFamily("pswitch_fdb_flushed_total", "Entries removed by flush commands.", sum(ForwardingTable::flushed)));
    }
}

package io.pswitch.control.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.pswitch.dataplane.fdb.ForwardingTable;
import java.util.List;

/** The forwarding table's size and event counters (written by the agent, read here at scrape time). */
public final class FdbCollector extends Collector {
    private final ForwardingTable fdb;

    public FdbCollector(ForwardingTable fdb) {
        this.fdb = fdb;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        return List.of(
                new GaugeMetricFamily("pswitch_fdb_entries", "Stations in the forwarding table.", fdb.size()),
                new GaugeMetricFamily("pswitch_fdb_capacity", "Forwarding table capacity.", fdb.capacity()),
                new CounterMetricFamily("pswitch_fdb_learned_total", "Stations learned (new entries).", fdb.learned()),
                new CounterMetricFamily("pswitch_fdb_aged_total", "Entries removed because they aged out.", fdb.aged()),
                new CounterMetricFamily("pswitch_fdb_evicted_total", "Entries evicted to make room.", fdb.evicted()),
                new CounterMetricFamily("pswitch_fdb_moved_total", "Stations seen moving to another port.", fdb.moved()),
                new CounterMetricFamily("pswitch_fdb_flushed_total", "Entries removed by flush commands.", fdb.flushed()));
    }
}

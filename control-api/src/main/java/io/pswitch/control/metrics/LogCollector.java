package io.pswitch.control.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.client.SummaryMetricFamily;
import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.pktlog.index.LatencyHistogram;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.tier.TieredLog;
import io.pswitch.pktlog.index.RecoveryReport;
import java.util.List;

/**
 * The packet log: live records, retention, frames not logged for want of a buffer, commit latency
 * and what recovery did at start.
 *
 * <p>Commit latency is a <b>summary</b> (quantiles 0.5 and 0.99, {@code _count}, {@code _sum}) rather
 * than a histogram: pktlog's {@link LatencyHistogram} is an HdrHistogram (3 significant digits)
 * whose buckets do not map onto fixed Prometheus {@code le} bounds, and its quantiles cover the
 * whole run (not a sliding window). Quantiles report a bucket's upper bound, so they are never
 * optimistic; {@code _count} and {@code _sum} are exact.
 * Seconds, as Prometheus wants base units.
 */
public final class LogCollector extends Collector {
    private static final double NS = 1e-9;
    private final LoggingStage logging;
    private final PacketLog log;
    private final TieredLog tiers;

    public LogCollector(LoggingStage logging, PacketLog log, TieredLog tiers) {
        this.logging = logging;
        this.log = log;
        this.tiers = tiers;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        LogCounters c = logging.counters();
        // The whole log: the segment tier holds its older part (as the drain last published it).
        long oldest = tiers.drain() != null ? tiers.drain().summary().oldestSeq() : 0;
        long records = Math.max(0, c.publishedSeq() - (oldest > 0 ? oldest : log.oldestSeq()) + 1);
        LatencyHistogram h = log.commitLatency();
        SummaryMetricFamily latency = new SummaryMetricFamily("pswitch_log_commit_latency_seconds",
                "Time a commit took to make the appended records durable, since start.",
                List.of(), List.of(0.5, 0.99));
        latency.addMetric(List.of(), h.count(), h.sum() * NS, List.of(h.p50() * NS, h.p99() * NS));
        RecoveryReport r = log.recoveryReport();
        return List.of(
                new GaugeMetricFamily("pswitch_log_records", "Records the log holds now over both tiers (published, not retired).", records),
                new GaugeMetricFamily("pswitch_log_capacity_records", "Records the log can hold.", log.capacity()),
                new GaugeMetricFamily("pswitch_log_stored_bytes", "Frame bytes the hot tier's records hold (those the drain has not moved to the segments yet).", c.liveBytes()),
                new CounterMetricFamily("pswitch_log_appended_records_total", "Records appended since start (all filters).", c.frames()),
                new CounterMetricFamily("pswitch_log_retired_records_total", "Records retired by retention since start.", c.retired()),
                new CounterMetricFamily("pswitch_log_skipped_no_buffer_total",
                        "Matching frames not logged because the pool had no buffer to spare.", c.skippedNoBuffer()),
                new CounterMetricFamily("pswitch_log_commits_total", "Commits since start.", c.commits()),
                latency,
                new GaugeMetricFamily("pswitch_log_recovered_records", "Records recovery kept when the switch started.", r.recovered()),
                new GaugeMetricFamily("pswitch_log_recovery_dropped_records",
                        "Records recovery dropped when the switch started (torn, corrupt or unreachable).", r.dropped().size()),
                new GaugeMetricFamily("pswitch_log_recovery_duration_seconds", "How long recovery took at start.", r.durationNs() * NS));
    }
}

package io.pswitch.control.metrics;

import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.pktlog.index.LatencyHistogram;
import io.pswitch.pktlog.tier.SegmentDrain;
import io.pswitch.pktlog.tier.TieredLog;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.client.SummaryMetricFamily;
import java.util.ArrayList;
import java.util.List;

/**
 * The log's tiers: matches skipped by cause (the pool had no buffer, or the hot tier was full of
 * records storage had not taken yet), and the segment tier the drain fills: how far it is durable,
 * how far behind the dataplane it runs, what it wrote and holds, and how long a commit to it takes.
 * {@code pswitch_log_frames_total} (per filter, {@link FilterCollector}) counts frames persisted;
 * skipped ones are only here.
 */
public final class TierCollector extends Collector {
    private static final double NS = 1e-9;
    private final LoggingStage logging;
    private final TieredLog tiers;

    public TierCollector(LoggingStage logging, TieredLog tiers) {
        this.logging = logging;
        this.tiers = tiers;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        LogCounters c = logging.counters();
        List<MetricFamilySamples> out = new ArrayList<>();
        CounterMetricFamily skipped = new CounterMetricFamily("pswitch_log_skipped_total",
                "Matching frames not logged, by cause: no_buffer (the pool had none to spare), storage_behind (the hot tier"
                        + " was full of records the segment tier had not taken yet). Forwarding went on either way.",
                List.of("cause"));
        skipped.addMetric(List.of("no_buffer"), c.skippedNoBuffer());
        skipped.addMetric(List.of("storage_behind"), c.skippedStorageBehind());
        out.add(skipped);
        SegmentDrain drain = tiers.drain();
        out.add(new GaugeMetricFamily("pswitch_log_segment_tier", "1 when the log has a segment tier (--log-size), else 0.",
                drain == null ? 0 : 1));
        if (drain == null) {
            return out;
        }
        long published = c.publishedSeq();
        long durable = drain.durableSeq();
        out.add(new GaugeMetricFamily("pswitch_log_segment_durable_seq", "Last record durable in the segment tier.", durable));
        out.add(new GaugeMetricFamily("pswitch_log_drain_lag_records",
                "Records published in the hot tier and not yet durable in a segment (the drain's backlog).",
                Math.max(0, published - durable)));
        out.add(new GaugeMetricFamily("pswitch_log_segments", "Segment files the log holds now.", drain.segments()));
        out.add(new GaugeMetricFamily("pswitch_log_segment_bytes", "Bytes the segment files take now.", drain.segmentBytes()));
        out.add(new CounterMetricFamily("pswitch_log_segment_written_bytes_total", "Bytes the drain wrote to segments since start.",
                drain.bytesWritten()));
        out.add(new CounterMetricFamily("pswitch_log_segments_deleted_total", "Oldest segments deleted by retention (--log-size).",
                drain.segmentsDeleted()));
        out.add(new CounterMetricFamily("pswitch_log_drain_lost_records_total",
                "Records that left the hot tier before the drain took them (the drain skipped past them; should stay 0).",
                drain.lostBeforeDrain()));
        out.add(new CounterMetricFamily("pswitch_log_drain_stalls_total",
                "Times the drain could not write (full disk, I/O error) and paused before retrying.", drain.stalls()));
        LatencyHistogram h = drain.syncLatency();
        SummaryMetricFamily latency = new SummaryMetricFamily("pswitch_log_segment_commit_latency_seconds",
                "From the drain seeing a record to that record being durable in its segment.", List.of(), List.of(0.5, 0.99));
        latency.addMetric(List.of(), h.count(), h.sum() * NS, List.of(h.p50() * NS, h.p99() * NS));
        out.add(latency);
        return out;
    }
}

package io.pswitch.control.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.pswitch.dataplane.logging.FilterCounters;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.pktlog.filter.Filter;
import java.util.List;

/**
 * What each installed filter logged since the switch started, labelled by name and id (the id is
 * what log records keep; the name is what people read). A deleted filter's series end with it.
 */
public final class FilterCollector extends Collector {
    private final LoggingStage logging;

    public FilterCollector(LoggingStage logging) {
        this.logging = logging;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<String> labels = List.of("filter", "filter_id");
        CounterMetricFamily frames = new CounterMetricFamily("pswitch_log_frames_total",
                "Frames logged by the filter (a frame matching several filters counts for each).", labels);
        CounterMetricFamily bytes = new CounterMetricFamily("pswitch_log_bytes_total",
                "Stored bytes of the frames logged by the filter (after its snaplen).", labels);
        for (Filter f : logging.filters().filters()) {
            FilterCounters c = logging.filterCounters(f.id());
            List<String> l = List.of(f.name(), Integer.toString(f.id()));
            frames.addMetric(l, c == null ? 0 : c.frames());
            bytes.addMetric(l, c == null ? 0 : c.bytes());
        }
        return List.of(frames, bytes);
    }
}

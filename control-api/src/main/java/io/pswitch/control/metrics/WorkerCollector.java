package io.pswitch.control.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.WorkerLoad;
import java.util.List;

/**
 * Each dataplane worker's load, labelled {@code worker}: busy fraction and frames per second over
 * the worker's last window (about a second), and the totals they come from, read from the counters
 * the workers publish.
 */
public final class WorkerCollector extends Collector {
    private final SwitchAgent agent;

    public WorkerCollector(SwitchAgent agent) {
        this.agent = agent;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<String> labels = List.of("worker");
        GaugeMetricFamily busy = new GaugeMetricFamily("pswitch_worker_busy_ratio",
                "Fraction of the last second the worker spent in duty cycles that did work.", labels);
        GaugeMetricFamily fps = new GaugeMetricFamily("pswitch_worker_frames_per_second",
                "Frames the worker moved per second over the last second.", labels);
        CounterMetricFamily frames = new CounterMetricFamily("pswitch_worker_frames_total",
                "Frames the worker moved (received from its ports and delivered from other workers).", labels);
        CounterMetricFamily busySeconds = new CounterMetricFamily("pswitch_worker_busy_seconds_total",
                "Time the worker spent in duty cycles that did work.", labels);
        for (int w = 0; w < agent.workerCount(); w++) {
            WorkerLoad load = agent.workerLoad(w);
            List<String> v = List.of(Integer.toString(w));
            busy.addMetric(v, load.busyFraction());
            fps.addMetric(v, load.framesPerSecond());
            frames.addMetric(v, load.frames());
            busySeconds.addMetric(v, load.busySeconds());
        }
        return List.of(busy, fps, frames, busySeconds);
    }
}

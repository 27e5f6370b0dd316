package io.pswitch.control.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortState;
import java.util.List;

/**
 * Per-port counters, read at scrape time from the ports' {@link PortCounters} in the switch's
 * counters file (single writer, acquire loads), the same values {@code pswitch stat} prints: nothing
 * is copied or pushed while no one scrapes.
 */
public final class PortCollector extends Collector {
    private final SwitchAgent agent;

    public PortCollector(SwitchAgent agent) {
        this.agent = agent;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<String> port = List.of("port");
        CounterMetricFamily rxFrames = new CounterMetricFamily("pswitch_port_rx_frames_total", "Frames received on the port.", port);
        CounterMetricFamily rxBytes = new CounterMetricFamily("pswitch_port_rx_bytes_total", "Bytes received on the port (frame lengths).", port);
        CounterMetricFamily txFrames = new CounterMetricFamily("pswitch_port_tx_frames_total", "Frames handed to the port for transmission.", port);
        CounterMetricFamily txBytes = new CounterMetricFamily("pswitch_port_tx_bytes_total", "Bytes handed to the port for transmission.", port);
        CounterMetricFamily drops = new CounterMetricFamily("pswitch_port_drops_total",
                "Received frames not forwarded (or not to some port), by ingress port and cause.", List.of("port", "cause"));
        CounterMetricFamily driverDrops = new CounterMetricFamily("pswitch_port_driver_rx_drops_total",
                "Frames the port driver discarded on receive (RX ring full or frame too large).", port);
        CounterMetricFamily driver = new CounterMetricFamily("pswitch_port_driver_total",
                "The port driver's own counters (kernel drops, fill ring empty, TX ring full, bad datagrams by cause, ...).",
                List.of("port", "counter"));
        CounterMetricFamily txDiscarded = new CounterMetricFamily("pswitch_port_tx_discarded_total",
                "Frames handed to the port driver for transmission that it discarded (port down, no peer, no output).", port);
        GaugeMetricFamily up = new GaugeMetricFamily("pswitch_port_up",
                "1 when the switch reads and writes the port (admin up and driver up or input ended), else 0.", port);
        for (int p = 0; p < agent.portCount(); p++) {
            String name = agent.port(p).name();
            List<String> l = List.of(name);
            PortCounters c = agent.counters(p);
            rxFrames.addMetric(l, c.rxFrames());
            rxBytes.addMetric(l, c.rxBytes());
            txFrames.addMetric(l, c.txFrames());
            txBytes.addMetric(l, c.txBytes());
            for (DropCause cause : DropCause.VALUES) {
                drops.addMetric(List.of(name, cause.label()), c.drops(cause));
            }
            driverDrops.addMetric(l, c.driverRxDrops());
            txDiscarded.addMetric(l, c.txDiscarded());
            for (java.util.Map.Entry<String, Long> e : agent.port(p).driverCounters().entrySet()) {
                driver.addMetric(List.of(name, e.getKey()), e.getValue());
            }
            PortState s = c.state();
            boolean working = agent.portAdminUp(p) && (s == PortState.UP || s == PortState.INPUT_ENDED);
            up.addMetric(l, working ? 1 : 0);
        }
        return List.of(rxFrames, rxBytes, txFrames, txBytes, drops, driverDrops, txDiscarded, driver, up);
    }
}

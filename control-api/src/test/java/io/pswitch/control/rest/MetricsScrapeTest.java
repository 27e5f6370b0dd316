package io.pswitch.control.rest;

import static io.pswitch.control.rest.ShmWire.broadcast;
import static io.pswitch.control.rest.ShmWire.frame;
import static io.pswitch.control.rest.RunningSwitch.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} scraped over HTTP and parsed: the counters match the traffic sent. */
class MetricsScrapeTest {
    @TempDir
    Path tmp;

    @Test
    void countersInTheScrapeMatchTheTrafficSent() {
        try (RunningSwitch sw = RunningSwitch.start(tmp)) {
            sw.a.send(broadcast(1, 100), broadcast(1, 100)); // flooded to b and c
            await(() -> sw.assembly.agent().counters(2).txFrames() == 2, "the broadcasts at c"); // a's station is learned
            sw.b.send(frame(1, 2, 300));                      // unicast to a (learned)
            sw.c.send(new byte[8]);                           // runt
            await(() -> sw.assembly.agent().counters(2).rxFrames() == 1 && sw.assembly.agent().counters(0).txFrames() == 1
                    && sw.assembly.agent().counters(1).rxFrames() == 1, "traffic through the switch");
            sw.send("POST", "/api/v1/ports/c/down", null, null);

            RunningSwitch.Reply r = sw.get("/metrics");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            PrometheusText m = PrometheusText.parse(r.body());

            assertThat(m.value("pswitch_port_rx_frames_total", "port", "a")).isEqualTo(2);
            assertThat(m.value("pswitch_port_rx_bytes_total", "port", "a")).isEqualTo(200);
            assertThat(m.value("pswitch_port_tx_frames_total", "port", "b")).isEqualTo(2);
            assertThat(m.value("pswitch_port_tx_bytes_total", "port", "c")).isEqualTo(200);
            assertThat(m.value("pswitch_port_tx_frames_total", "port", "a")).isEqualTo(1);
            assertThat(m.value("pswitch_port_tx_bytes_total", "port", "a")).isEqualTo(300);
            assertThat(m.value("pswitch_port_drops_total", "port", "c", "cause", "runt")).isEqualTo(1);
            assertThat(m.value("pswitch_port_drops_total", "port", "a", "cause", "runt")).isZero();
            assertThat(m.value("pswitch_port_up", "port", "a")).isEqualTo(1);
            assertThat(m.value("pswitch_port_up", "port", "c")).isZero();
            assertThat(m.value("pswitch_fdb_entries")).isEqualTo(2);
            assertThat(m.value("pswitch_fdb_learned_total")).isEqualTo(2);
            assertThat(m.value("pswitch_fdb_aged_total")).isZero();
            assertThat(m.value("pswitch_fdb_evicted_total")).isZero();
            assertThat(m.value("pswitch_fdb_moved_total")).isZero();
            assertThat(m.value("pswitch_pool_buffers")).isEqualTo(2048);
            assertThat(m.value("pswitch_pool_buffers_free")).isBetween(1.0, 2048.0);
            assertThat(m.types).containsEntry("pswitch_port_rx_frames_total", "counter").containsEntry("pswitch_port_up", "gauge");
            // JVM metrics from the hotspot exports, on the switch's own registry.
            assertThat(m.samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_bytes_used"));
            assertThat(m.samples.keySet()).anyMatch(k -> k.startsWith("process_cpu_seconds_total"));
        }
    }

    @Test
    void twoSwitchesInOneJvmHaveSeparateRegistries() {
        try (RunningSwitch one = RunningSwitch.start(tmp.resolve("one")); RunningSwitch two = RunningSwitch.start(tmp.resolve("two"))) {
            one.a.send(broadcast(1, 64));
            await(() -> one.assembly.agent().counters(0).rxFrames() == 1, "a frame on the first switch");
            assertThat(PrometheusText.parse(one.get("/metrics").body()).value("pswitch_port_rx_frames_total", "port", "a")).isEqualTo(1);
            assertThat(PrometheusText.parse(two.get("/metrics").body()).value("pswitch_port_rx_frames_total", "port", "a")).isZero();
        }
    }
}

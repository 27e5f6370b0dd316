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

    @Test
    void logCountersInTheScrapeMatchTheTrafficTheFiltersLogged() {
        try (RunningSwitch sw = RunningSwitch.start(tmp, "--filter", "bcast=ether broadcast", "--filter", "big=greater 150")) {
            PrometheusText before = PrometheusText.parse(sw.get("/metrics").body());
            assertThat(before.value("pswitch_log_frames_total", "filter", "bcast", "filter_id", "1")).isZero();
            assertThat(before.value("pswitch_log_records")).isZero();
            assertThat(before.value("pswitch_log_commit_latency_seconds_count")).isZero();

            sw.a.send(broadcast(1, 100), broadcast(1, 100), broadcast(1, 100)); // bcast
            await(() -> sw.assembly.agent().counters(0).rxFrames() == 3, "a's broadcasts");
            sw.b.send(broadcast(2, 200), broadcast(2, 200));                   // bcast and big
            await(() -> sw.assembly.agent().counters(1).rxFrames() == 2, "b's broadcasts");
            sw.c.send(frame(1, 3, 300), frame(1, 3, 60));                      // big, nothing
            await(() -> sw.assembly.agent().counters(2).rxFrames() == 2, "c's frames");
            LogApi.awaitLogged(sw, 6);

            RunningSwitch.Reply r = sw.get("/metrics");
            PrometheusText m = PrometheusText.parse(r.body());
            assertThat(m.value("pswitch_log_frames_total", "filter", "bcast", "filter_id", "1")).isEqualTo(5);
            assertThat(m.value("pswitch_log_bytes_total", "filter", "bcast", "filter_id", "1")).isEqualTo(3 * 100 + 2 * 200);
            assertThat(m.value("pswitch_log_frames_total", "filter", "big", "filter_id", "2")).isEqualTo(3);
            assertThat(m.value("pswitch_log_bytes_total", "filter", "big", "filter_id", "2")).isEqualTo(2 * 200 + 300);
            assertThat(m.value("pswitch_log_records")).isEqualTo(6);
            assertThat(m.value("pswitch_log_appended_records_total")).isEqualTo(6);
            // The hot tier's bytes: what the drain has not yet moved to the segments (all of it, or less).
            assertThat(m.value("pswitch_log_stored_bytes")).isBetween(0.0, 3 * 100 + 2 * 200 + 300.0);
            assertThat(m.value("pswitch_log_retired_records_total")).isZero();
            assertThat(m.value("pswitch_log_skipped_no_buffer_total")).isZero();
            assertThat(m.value("pswitch_log_recovered_records")).isZero();
            assertThat(m.value("pswitch_log_recovery_dropped_records")).isZero();
            assertThat(m.value("pswitch_log_recovery_duration_seconds")).isGreaterThanOrEqualTo(0);
            double commits = m.value("pswitch_log_commit_latency_seconds_count");
            assertThat(commits).isPositive().isEqualTo(m.value("pswitch_log_commits_total"));
            double p50 = m.value("pswitch_log_commit_latency_seconds", "quantile", "0.5");
            double p99 = m.value("pswitch_log_commit_latency_seconds", "quantile", "0.99");
            assertThat(p50).isPositive();
            assertThat(p99).isGreaterThanOrEqualTo(p50);
            assertThat(m.value("pswitch_log_commit_latency_seconds_sum")).isPositive().isLessThanOrEqualTo(commits * p99 * 1.000001 + 1e-9);
            assertThat(m.types).containsEntry("pswitch_log_records", "gauge").containsEntry("pswitch_log_commit_latency_seconds", "summary");

            // A deleted filter's series go with it; a new one starts from zero.
            assertThat(sw.send("DELETE", "/api/v1/filters/2", null, null).status()).isEqualTo(200);
            PrometheusText after = PrometheusText.parse(sw.get("/metrics").body());
            assertThat(after.samples.keySet()).noneMatch(k -> k.contains("filter=\"big\""));
            assertThat(after.value("pswitch_log_frames_total", "filter", "bcast", "filter_id", "1")).isEqualTo(5);
        }
    }
}

package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.cli.OneLineErrors;
import io.pswitch.control.stat.StatCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code pswitch stat} against a real switch in its own JVM: it reads the counters file the switch
 * writes (no HTTP), and once traffic has stopped it prints the same numbers {@code /metrics} serves
 * for the same counters. A clean stop removes the file; a killed switch's file is recognised as
 * stale and replaced by the next switch on the data directory.
 */
class StatCommandSystemTest {
    private static final int FRAMES = 2000;
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(pswitch_\\w+)(?:\\{(.*?),?})? (\\S+)$");

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private static Run stat(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new StatCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler(new OneLineErrors());
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code stat --once} output as "group/name" -> value text. */
    private static Map<String, String> parseStat(String out) {
        Map<String, String> values = new LinkedHashMap<>();
        String group = null;
        for (String line : out.split("\n")) {
            if (line.isBlank() || line.contains(" - pswitch pid ")) {
                continue;
            }
            if (!line.startsWith(" ")) {
                group = line.trim();
                continue;
            }
            String t = line.trim();
            int cut = t.lastIndexOf(' ');
            values.put(group + "/" + t.substring(0, cut).trim(), t.substring(cut + 1));
        }
        return values;
    }

    /** {@code /metrics} samples as "name{labels}" -> value. */
    private static Map<String, Long> parseMetrics(String body) {
        Map<String, Long> values = new LinkedHashMap<>();
        Matcher m = SAMPLE.matcher(body);
        while (m.find()) {
            String labels = m.group(2) == null ? "" : m.group(2);
            values.put(m.group(1) + "{" + labels + "}", (long) Double.parseDouble(m.group(3)));
        }
        return values;
    }

    private static String metrics(String api) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }
    }

    /** The counters both show: stat's "group/name" -> the /metrics sample of the same counter. */
    private static Map<String, String> sameCounters() {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String port : new String[] {"a", "b"}) {
            String p = "port=\"" + port + "\"";
            pairs.put("port " + port + "/rx_frames", "pswitch_port_rx_frames_total{" + p + "}");
            pairs.put("port " + port + "/rx_bytes", "pswitch_port_rx_bytes_total{" + p + "}");
            pairs.put("port " + port + "/tx_frames", "pswitch_port_tx_frames_total{" + p + "}");
            pairs.put("port " + port + "/tx_bytes", "pswitch_port_tx_bytes_total{" + p + "}");
            for (String cause : new String[] {"ring_full", "no_buffer", "runt", "link_local", "oversize", "bad_source",
                    "same_port", "port_down"}) {
                pairs.put("port " + port + "/drops cause=" + cause, "pswitch_port_drops_total{" + p + ",cause=\"" + cause + "\"}");
            }
            pairs.put("port " + port + "/driver_rx_drops", "pswitch_port_driver_rx_drops_total{" + p + "}");
            pairs.put("port " + port + "/tx_discarded", "pswitch_port_tx_discarded_total{" + p + "}");
        }
        pairs.put("fdb/entries", "pswitch_fdb_entries{}");
        for (String c : new String[] {"learned", "aged", "evicted", "moved", "flushed"}) {
            pairs.put("fdb/" + c, "pswitch_fdb_" + c + "_total{}");
        }
        pairs.put("log/frames", "pswitch_log_appended_records_total{}");
        pairs.put("log/retired", "pswitch_log_retired_records_total{}");
        pairs.put("log/commits", "pswitch_log_commits_total{}");
        pairs.put("filter udp/frames id=1", "pswitch_log_frames_total{filter=\"udp\",filter_id=\"1\"}");
        pairs.put("filter udp/bytes id=1", "pswitch_log_bytes_total{filter=\"udp\",filter_id=\"1\"}");
        return pairs;
    }

    /** Every pair's stat value next to its /metrics value, or null when they all agree. */
    private static String mismatch(Map<String, String> stat, Map<String, Long> prom) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : sameCounters().entrySet()) {
            String s = stat.get(e.getKey());
            Long m = prom.get(e.getValue());
            if (s == null || m == null || Long.parseLong(s) != m) {
                sb.append(e.getKey()).append(": stat ").append(s).append(", metrics ").append(m).append('\n');
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Test
    void statPrintsTheRunningSwitchsCountersAndMetricsShowsTheSameNumbers() throws Exception {
        String tag = "cntstat-" + ProcessHandle.current().pid() + "-";
        Path data = tmp.resolve("data");
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), "--data-dir", data.toString(),
                "--buffers", "4096", "--ring-size", "256", "--batch", "64", "-q", "--filter", "udp=udp",
                "--port", "a=shm:" + tag + "a", "--port", "b=shm:" + tag + "b")) {
            sw.awaitOutput("pswitch: API at ", 60_000);
            assertThat(sw.output()).contains("pswitch: counters " + data.resolve("counters"));
            String api = sw.find("API at (http://\\S+)").group(1);

            try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", 0, FRAMES, 0)) {
                traffic.awaitSent(30_000);
                traffic.awaitForwardedOrDropped(FRAMES, sw, "a", 0, 30_000);
                Map<String, String> attached = parseStat(stat("--data-dir", data.toString(), "--once").out());
                assertThat(attached.get("port a/state")).as("a peer is attached to the shm port").isEqualTo("up");
            }

            // Traffic has stopped; the dataplane publishes at the end of the cycle that forwarded the
            // last frame, so the two readings agree from then on.
            Map<String, String> stat = null;
            String diff = "never read";
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (diff != null && System.nanoTime() < deadline) {
                Run run = stat("--data-dir", data.toString(), "--once");
                assertThat(run.exit()).as(run.err()).isZero();
                stat = parseStat(run.out());
                diff = mismatch(stat, parseMetrics(metrics(api)));
                if (diff != null) {
                    Thread.sleep(50);
                }
            }
            assertThat(diff).as("stat --once and /metrics disagree").isNull();
            assertThat(Long.parseLong(stat.get("port a/rx_frames"))).isEqualTo(FRAMES);
            assertThat(Long.parseLong(stat.get("filter udp/frames id=1"))).as("every frame is UDP").isEqualTo(FRAMES);
            assertThat(Long.parseLong(stat.get("log/frames"))).isEqualTo(FRAMES);
            assertThat(Long.parseLong(stat.get("fdb/learned"))).as("one source station").isEqualTo(1);
            long forwardedOrDropped = Long.parseLong(stat.get("port b/tx_frames"));
            for (String cause : new String[] {"ring_full", "no_buffer"}) {
                forwardedOrDropped += Long.parseLong(stat.get("port a/drops cause=" + cause));
            }
            assertThat(forwardedOrDropped).isEqualTo(FRAMES);
            assertThat(stat.get("port a/state")).as("the traffic's endpoint detached: no peer, like a link down")
                    .isEqualTo("down");

            assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
        }
        assertThat(data.resolve("counters")).as("a clean stop removes the counters file").doesNotExist();
        Run after = stat("--data-dir", data.toString(), "--once");
        assertThat(after.exit()).isEqualTo(2);
        assertThat(after.err().strip()).startsWith("pswitch: no counters file ").doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void aKilledSwitchsCountersFileIsReportedStaleAndReplacedByTheNextSwitch() throws Exception {
        String tag = "cntkill-" + ProcessHandle.current().pid() + "-";
        Path data = tmp.resolve("data");
        String[] args = {"--data-dir", data.toString(), "--buffers", "2048", "--ring-size", "64", "--batch", "32", "-q",
                "--port", "a=shm:" + tag + "a,slots=64", "--port", "b=shm:" + tag + "b,slots=64"};
        long killedPid;
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("first.log"), args)) {
            sw.awaitOutput("pswitch: API at ", 60_000);
            killedPid = sw.process().pid();
            sw.kill();
        } finally {
            ShmTraffic.deletePortFiles(tag + "a", tag + "b");
        }
        assertThat(data.resolve("counters")).exists();
        Run stale = stat("--data-dir", data.toString(), "--once");
        assertThat(stale.exit()).isEqualTo(2);
        assertThat(stale.err().strip()).isEqualTo("pswitch: counters file " + data.resolve("counters") + " was left by pswitch pid "
                + killedPid + ", which is no longer running");

        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("second.log"), args)) {
            sw.awaitOutput("pswitch: API at ", 60_000);
            assertThat(sw.output()).contains("replaced the stale file of a stopped switch (pid " + killedPid + ")");
            Run live = stat("--data-dir", data.toString(), "--once");
            assertThat(live.exit()).as(live.err()).isZero();
            assertThat(live.out()).contains("pswitch pid " + sw.process().pid()).contains("port a\n").contains("port b\n");
            assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
        }
    }
}

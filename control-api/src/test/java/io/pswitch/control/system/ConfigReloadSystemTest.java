package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pswitch.control.ctl.CtlCommand;
import io.pswitch.control.filters.FilterStore;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.pcap.CaptureReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Live reload of the config file in a real {@code pswitch run --config FILE} child, driven as an
 * operator would: edit the file, {@code kill -HUP}, read {@code GET /api/v1/log}. A changed filter
 * applies from a later batch (the log holds the old filter's frames before the reload and the new
 * one's after, exactly); a file that does not parse and a filter libpcap rejects leave the running
 * set in place and are reported; a changed port list is named as needing a restart.
 */
@Timeout(600)
class ConfigReloadSystemTest {
    private static final Pattern API_LINE = Pattern.compile("pswitch: API at (http://127\\.0\\.0\\.1:\\d+) ");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A hang guard, not a measurement: everything here normally takes well under a second. */
    private static final long GUARD_MS = 120_000;

    @TempDir
    Path tmp;
    private final String tag = "rl" + Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 1000, 36);
    private final HttpClient http = HttpClient.newHttpClient();
    private String url;

    /**
     * The data directory, on tmpfs: there the hot tier in place is the whole log, which
     * {@code /api/v1/log/packets} reads (on a disk, drained records leave the hot tier).
     */
    private Path data;

    @BeforeEach
    void dataDir() throws IOException {
        data = Files.createTempDirectory(Path.of("/dev/shm"), "pswitch-" + tag + "-");
    }

    @AfterEach
    void removePortFilesAndDataDir() throws IOException {
        ShmTraffic.deletePortFiles(tag + "a", tag + "b", tag + "c");
        try (Stream<Path> files = Files.walk(data)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private String config(String ports, String filterName, String expression) {
        return "ports: [" + ports + "]\n"
                + "log:\n"
                + "  durability: batch\n"
                + "  filters:\n"
                + "    - { name: " + filterName + ", expression: \"" + expression + "\" }\n";
    }

    @Test
    void sighupAppliesANewFilterFromALaterBatchKeepsTheOldSetOnBadInputAndNamesWhatNeedsARestart() throws Exception {
        Path file = tmp.resolve("pswitch.yaml");
        String twoPorts = "\"a=shm:" + tag + "a\", \"b=shm:" + tag + "b\"";
        Files.writeString(file, config(twoPorts, "p1000", "udp dst port 1000"));
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), "--config", file.toString(), "--data-dir", data.toString(),
                "--buffers", "8192", "--ring-size", "256", "--batch", "64", "--log-records", "8192", "-q")) {
            sw.awaitOutput("pswitch: API at ", GUARD_MS);
            Matcher m = API_LINE.matcher(sw.output());
            assertThat(m.find()).as(sw.output()).isTrue();
            url = m.group(1);
            Assumptions.assumeFalse(sw.output().contains("SIGHUP is ignored"),
                    "SIGHUP is ignored in this environment (the test runs under nohup?) and the child inherits that");
            assertThat(get("/api/v1/log").get("reload").isNull()).as("no reload yet").isTrue();

            // Phase 1: the start-up filter.
            send(0, 2000);

            // A new filter in the file; SIGHUP. The reload answers once the dataplane runs the new set.
            Files.writeString(file, config(twoPorts, "p1001", "udp dst port 1001"));
            JsonNode r = hupAndAwait(sw, 1);
            assertThat(r.get("ok").asBoolean()).as(r.toString()).isTrue();
            assertThat(r.get("file").asText()).isEqualTo(file.toString());
            assertThat(r.get("changed").toString()).contains("log.filters: added p1001, removed p1000");
            assertThat(r.get("needsRestart")).isEmpty();
            assertThat(r.get("time").asText()).isNotBlank();
            JsonNode filters = get("/api/v1/filters").get("filters");
            assertThat(filters).hasSize(1);
            assertThat(filters.get(0).get("name").asText()).isEqualTo("p1001");
            assertThat(filters.get(0).get("expression").asText()).isEqualTo("udp dst port 1001");
            int newId = filters.get(0).get("id").asInt();
            assertThat(new FilterStore(data).load()).as("stored as a REST change is")
                    .containsExactly(Filter.of(newId, "p1001", "udp dst port 1001"));
            sw.awaitOutput("pswitch: reload of " + file + ": log.filters: added p1001, removed p1000", GUARD_MS);

            // Phase 2: the new filter, from a batch after the reload.
            send(2000, 4000);
            awaitLogged(1000);
            List<Long> expected = new ArrayList<>();
            addMatching(expected, 0, 2000, 1000);
            addMatching(expected, 2000, 4000, 1001);
            assertThat(loggedIds()).as("the old filter's frames before the reload, the new one's after, exactly").isEqualTo(expected);
            assertThat(get("/api/v1/filters").at("/filters/0/loggedFrames").asLong()).isEqualTo(500);

            // A file that does not parse: nothing changes, the error is reported.
            Files.writeString(file, "ports: [\"a=shm:" + tag + "a\"\nlog: {\n");
            r = hupAndAwait(sw, 2);
            assertThat(r.get("ok").asBoolean()).as(r.toString()).isFalse();
            assertThat(r.get("message").asText()).contains("failed, the running configuration is unchanged", "is not valid YAML");
            assertThat(r.get("changed")).isEmpty();

            // A filter libpcap rejects: nothing changes, libpcap's message is reported.
            Files.writeString(file, config(twoPorts, "bad", "udp dst port 1001 and ("));
            r = hupAndAwait(sw, 3);
            assertThat(r.get("ok").asBoolean()).as(r.toString()).isFalse();
            assertThat(r.get("message").asText()).contains("failed, the running configuration is unchanged",
                    "bad filter expression 'udp dst port 1001 and ('", "syntax error");
            sw.awaitOutput("bad filter expression 'udp dst port 1001 and ('", GUARD_MS);
            StringWriter ctlOut = new StringWriter();
            CommandLine ctl = new CommandLine(new CtlCommand());
            ctl.setOut(new PrintWriter(ctlOut, true));
            assertThat(ctl.execute("--api", url, "log")).isZero();
            assertThat(ctlOut.toString()).containsPattern("last config reload\\s+\\S+ FAILED: reload of .* failed, .*syntax error");
            assertThat(get("/api/v1/filters").at("/filters/0/name").asText()).isEqualTo("p1001");
            assertThat(new FilterStore(data).load()).containsExactly(Filter.of(newId, "p1001", "udp dst port 1001"));

            // The switch runs on with the set it had.
            send(4000, 6000);
            awaitLogged(1500);
            addMatching(expected, 4000, 6000, 1001);
            assertThat(loggedIds()).isEqualTo(expected);

            // A new port list (and the same filter): named as needing a restart, left as it runs.
            Files.writeString(file, config(twoPorts + ", \"c=shm:" + tag + "c\"", "p1001", "udp dst port 1001"));
            r = hupAndAwait(sw, 4);
            assertThat(r.get("ok").asBoolean()).as(r.toString()).isTrue();
            assertThat(r.get("changed")).isEmpty();
            assertThat(r.get("needsRestart").toString()).isEqualTo("[\"ports\"]");
            sw.awaitOutput("pswitch: reload: these settings need a restart: ports\n", GUARD_MS);
            assertThat(get("/api/v1/ports").get("ports")).hasSize(2);
            assertThat(get("/api/v1/filters").at("/filters/0/id").asInt()).as("the same filter keeps its id").isEqualTo(newId);

            assertThat(sw.stop()).as("exit after SIGTERM: " + sw.output()).isIn(0, 143);
            assertThat(sw.output()).contains("pswitch: stopped");
        }
    }

    private static void addMatching(List<Long> out, long from, long to, int udpPort) {
        for (long id = from; id < to; id++) {
            if (NumberedFrames.udpDstPort(id) == udpPort) {
                out.add(id);
            }
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** {@code kill -HUP}, as {@code systemctl reload} does, then waits for the reload's report in the log status. */
    private JsonNode hupAndAwait(ChildSwitch sw, long attempt) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(sw.process().pid())).redirectErrorStream(true).start();
        assertThat(kill.waitFor()).as("kill -HUP").isZero();
        long deadline = System.currentTimeMillis() + GUARD_MS;
        while (true) {
            assertThat(sw.process().isAlive()).as("the switch survives SIGHUP: " + sw.output()).isTrue();
            JsonNode reload = get("/api/v1/log").get("reload");
            if (reload != null && !reload.isNull() && reload.get("attempts").asLong() >= attempt) {
                assertThat(reload.get("attempts").asLong()).isEqualTo(attempt);
                return reload;
            }
            assertThat(System.currentTimeMillis()).as("reload " + attempt + " reported: " + sw.output()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Sends ids {@code [from, to)} into port a and waits until the switch received them all. */
    private void send(long from, long to) throws Exception {
        try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", from, to - from, 0)) {
            traffic.awaitSent(GUARD_MS);
            long deadline = System.currentTimeMillis() + GUARD_MS;
            while (get("/api/v1/ports/a").at("/counters/rxFrames").asLong() < to) {
                assertThat(System.currentTimeMillis()).as("switch received frames up to " + to).isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThat(traffic.error()).isNull();
        }
    }

    private void awaitLogged(long frames) throws Exception {
        long deadline = System.currentTimeMillis() + GUARD_MS;
        while (get("/api/v1/log").get("loggedFrames").asLong() < frames) {
            assertThat(System.currentTimeMillis()).as("logged " + frames).isLessThan(deadline);
            Thread.sleep(10);
        }
        assertThat(get("/api/v1/log").get("loggedFrames").asLong()).isEqualTo(frames);
    }

    /** The ids of every logged frame, in log order, from the switch's own export. */
    private List<Long> loggedIds() throws Exception {
        Path pcap = Files.createTempFile(tmp, "log", ".pcap");
        HttpResponse<Path> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/log/packets?format=pcap"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofFile(pcap));
        assertThat(r.statusCode()).isEqualTo(200);
        List<Long> ids = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(pcap)) {
            while (reader.next()) {
                MemorySegment frame = MemorySegment.ofArray(reader.data());
                long id = NumberedFrames.id(frame, 0, reader.capturedLength());
                assertThat(NumberedFrames.matches(id, frame, 0, reader.capturedLength(), reader.wireLength())).isTrue();
                ids.add(id);
            }
        }
        return ids;
    }
}

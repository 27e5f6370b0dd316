package io.pswitch.control.rest;

import static io.pswitch.control.rest.LogApi.awaitLogged;
import static io.pswitch.control.rest.LogApi.awaitReceived;
import static io.pswitch.control.rest.LogApi.json;
import static io.pswitch.control.rest.LogApi.post;
import static io.pswitch.control.rest.LogApi.put;
import static io.pswitch.control.rest.ShmWire.broadcast;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.pcap.CaptureReader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filter routes and {@code GET /log} over real HTTP against a running switch with shm ports. */
class FiltersApiTest {
    @TempDir
    Path tmp;

    private static void traffic(RunningSwitch sw, int round) {
        for (int i = 0; i < 3; i++) {
            sw.a.send(broadcast(1, 100));
        }
        for (int i = 0; i < 2; i++) {
            sw.b.send(broadcast(2, 200));
        }
        awaitReceived(sw, 0, 3L * round);
        awaitReceived(sw, 1, 2L * round);
    }

    /** Wire and captured lengths of every packet of a pcap export. */
    private static List<int[]> lengths(Path file) {
        List<int[]> out = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(file)) {
            while (r.next()) {
                out.add(new int[] {r.capturedLength(), r.wireLength()});
            }
        }
        return out;
    }

    @Test
    void addChangeAndDeleteAFilterChangeWhatTheSwitchLogs() {
        try (RunningSwitch sw = RunningSwitch.start(tmp)) {
            assertThat(json(sw.get("/api/v1/filters")).path("filters")).isEmpty();

            RunningSwitch.Reply added = post(sw, "/api/v1/filters", "{\"name\": \"from-a\", \"expression\": \"ether src 02:00:00:00:00:01\"}");
            assertThat(added.status()).as(added.body()).isEqualTo(201);
            assertThat(added.headers().firstValue("Location")).hasValue("/api/v1/filters/1");
            JsonNode f = json(added);
            assertThat(f.path("id").asInt()).isEqualTo(1);
            assertThat(f.path("snaplen").asInt()).isZero();
            assertThat(f.path("enabled").asBoolean()).isTrue();
            assertThat(f.path("ports")).isEmpty();
            // The answer comes once the dataplane runs the new set.
            assertThat(sw.assembly.logging().appliedGeneration()).isGreaterThanOrEqualTo(sw.assembly.filterService().generation());

            traffic(sw, 1);
            awaitLogged(sw, 3);
            JsonNode one = json(sw.get("/api/v1/filters/1"));
            assertThat(one.path("name").asText()).isEqualTo("from-a");
            assertThat(one.path("loggedFrames").asLong()).isEqualTo(3);
            assertThat(one.path("loggedBytes").asLong()).isEqualTo(300);

            RunningSwitch.Reply changed = put(sw, "/api/v1/filters/1",
                    "{\"name\": \"from-b\", \"expression\": \"ether src 02:00:00:00:00:02\", \"snaplen\": 64, \"ports\": [\"b\"]}");
            assertThat(changed.status()).as(changed.body()).isEqualTo(200);
            assertThat(json(changed).path("ports").get(0).asText()).isEqualTo("b");
            traffic(sw, 2);
            awaitLogged(sw, 5);
            one = json(sw.get("/api/v1/filters/1"));
            assertThat(one.path("name").asText()).isEqualTo("from-b");
            assertThat(one.path("snaplen").asInt()).isEqualTo(64);
            // Counters follow the id across the change: 3 whole frames of 100, then 2 cut to 64.
            assertThat(one.path("loggedFrames").asLong()).isEqualTo(5);
            assertThat(one.path("loggedBytes").asLong()).isEqualTo(300 + 2 * 64);

            LogApi.Download all = LogApi.download(sw, "/api/v1/log/packets", tmp.resolve("all.pcap"));
            assertThat(all.status()).isEqualTo(200);
            assertThat(lengths(all.file())).extracting(l -> l[0] + "/" + l[1])
                    .containsExactly("100/100", "100/100", "100/100", "64/200", "64/200");

            RunningSwitch.Reply deleted = sw.send("DELETE", "/api/v1/filters/1", null, null);
            assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
            assertThat(json(deleted).path("name").asText()).isEqualTo("from-b");
            traffic(sw, 3);
            assertThat(sw.assembly.logging().counters().frames()).as("nothing logged without filters").isEqualTo(5);
            assertThat(json(sw.get("/api/v1/filters")).path("filters")).isEmpty();
            assertThat(sw.get("/api/v1/filters/1").status()).isEqualTo(404);

            // Ids are never given twice: records keep the id of the filter that logged them.
            RunningSwitch.Reply again = post(sw, "/api/v1/filters", "{\"name\": \"from-a\", \"expression\": \"\", \"enabled\": false}");
            assertThat(again.status()).as(again.body()).isEqualTo(201);
            assertThat(json(again).path("id").asInt()).isEqualTo(2);
            assertThat(json(again).path("enabled").asBoolean()).isFalse();
            traffic(sw, 4);
            assertThat(sw.assembly.logging().counters().frames()).as("a disabled filter logs nothing").isEqualTo(5);
        }
    }

    @Test
    void filtersAndTheLogSurviveARestartOnTheSameDataDirectory() {
        Path dir = tmp.resolve("data");
        try (RunningSwitch sw = RunningSwitch.start(dir)) {
            assertThat(post(sw, "/api/v1/filters", "{\"name\": \"bcast\", \"expression\": \"ether broadcast\", \"snaplen\": 32}").status()).isEqualTo(201);
            assertThat(post(sw, "/api/v1/filters", "{\"name\": \"only-b\", \"expression\": \"\", \"ports\": [\"b\"]}").status()).isEqualTo(201);
            assertThat(sw.send("DELETE", "/api/v1/filters/2", null, null).status()).isEqualTo(200);
            assertThat(post(sw, "/api/v1/filters", "{\"name\": \"big\", \"expression\": \"greater 150\"}").status()).isEqualTo(201);
            traffic(sw, 1);
            awaitLogged(sw, 5); // one record per frame: the 2 frames matching both filters count for each, once in the log
        }
        try (RunningSwitch sw = RunningSwitch.start(dir)) {
            JsonNode filters = json(sw.get("/api/v1/filters")).path("filters");
            assertThat(filters).hasSize(2);
            assertThat(filters.get(0).path("id").asInt()).isEqualTo(1);
            assertThat(filters.get(0).path("name").asText()).isEqualTo("bcast");
            assertThat(filters.get(0).path("expression").asText()).isEqualTo("ether broadcast");
            assertThat(filters.get(0).path("snaplen").asInt()).isEqualTo(32);
            assertThat(filters.get(1).path("id").asInt()).isEqualTo(3);
            assertThat(filters.get(1).path("name").asText()).isEqualTo("big");
            // The records logged before the restart are still there, recovered at start.
            JsonNode log = json(sw.get("/api/v1/log"));
            assertThat(log.path("records").asLong()).isEqualTo(5);
            assertThat(log.path("recovery").path("recovered").asLong()).isEqualTo(5);
            // The restored set is in force.
            traffic(sw, 1);
            awaitLogged(sw, 5); // counters count since this start
            assertThat(json(sw.get("/api/v1/filters/3")).path("loggedFrames").asLong()).isEqualTo(2);
            assertThat(json(post(sw, "/api/v1/filters", "{\"name\": \"next\", \"expression\": \"\"}")).path("id").asInt())
                    .as("an id deleted before the restart is not given again").isEqualTo(4);
        }
    }

    @Test
    void logStatusReportsRecordsBytesTimesAndRecovery() throws Exception {
        try (RunningSwitch sw = RunningSwitch.start(tmp, "--filter", "from-a=ether src 02:00:00:00:00:01")) {
            JsonNode empty = json(sw.get("/api/v1/log"));
            assertThat(empty.path("records").asLong()).isZero();
            assertThat(empty.path("oldestTimestamp").isNull()).isTrue();

            long before = System.currentTimeMillis() * 1_000_000L;
            traffic(sw, 1);
            awaitLogged(sw, 3);
            long after = System.currentTimeMillis() * 1_000_000L;
            RunningSwitch.Reply r = sw.get("/api/v1/log");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            JsonNode log = json(r);
            assertThat(log.path("storageClass").asText()).isNotBlank();
            assertThat(log.path("durability").asText()).isEqualTo("batch");
            assertThat(log.path("records").asLong()).isEqualTo(3);
            assertThat(log.path("bytes").asLong()).isEqualTo(300);
            assertThat(log.path("loggedFrames").asLong()).isEqualTo(3);
            assertThat(log.path("retired").asLong()).isZero();
            assertThat(log.path("skippedNoBuffer").asLong()).isZero();
            assertThat(log.path("committedSeq").asLong()).isEqualTo(log.path("newestSeq").asLong());
            long oldest = log.path("oldestTimestampNs").asLong();
            long newest = log.path("newestTimestampNs").asLong();
            assertThat(oldest).isBetween(before - 1_000_000_000L, after);
            assertThat(newest).isBetween(oldest, after);
            Instant parsed = Instant.parse(log.path("oldestTimestamp").asText());
            assertThat(parsed.getEpochSecond() * 1_000_000_000L + parsed.getNano()).isEqualTo(oldest);
            assertThat(log.path("newestTimestamp").asText()).isEqualTo(TimeSpec.format(newest));
            assertThat(log.path("commits").path("count").asLong()).isPositive();
            assertThat(log.path("commits").path("p99Ns").asLong()).isGreaterThanOrEqualTo(log.path("commits").path("p50Ns").asLong());
            assertThat(log.path("recovery").path("recovered").asLong()).isZero();
            assertThat(log.path("recovery").has("durationNs")).isTrue();
        }
    }
}

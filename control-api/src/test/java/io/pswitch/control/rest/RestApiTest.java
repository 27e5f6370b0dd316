package io.pswitch.control.rest;

import static io.pswitch.control.rest.ShmWire.broadcast;
import static io.pswitch.control.rest.ShmWire.frame;
import static io.pswitch.control.rest.RunningSwitch.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every route of the API over real HTTP against a running switch with traffic going through it, with
 * one worker and with three (one per port: every frame between ports crosses workers).
 */
@ParameterizedClass(name = "{0} worker(s)")
@ValueSource(ints = {1, 3})
class RestApiTest {
    @Parameter
    int workers;
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    RunningSwitch sw;

    @BeforeEach
    void start() {
        sw = RunningSwitch.start(tmp, "--workers", Integer.toString(workers));
    }

    @AfterEach
    void stop() {
        sw.close();
    }

    private JsonNode json(RunningSwitch.Reply r, int status) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    /** a sends a broadcast (flooded to b and c), b answers a by unicast. */
    private void trafficBetweenAAndB() {
        sw.a.send(broadcast(1, 100));
        await(() -> sw.b.received().size() == 1, "the broadcast at b");
        await(() -> sw.c.received().size() == 1, "the broadcast at c");
        sw.b.send(frame(1, 2, 200));
        await(() -> sw.a.received().size() == 1, "the answer at a");
        // Each port's owner publishes its counters after its own cycle: with several workers, c's
        // may come after a's and b's.
        await(() -> sw.assembly.agent().counters(1).rxFrames() == 1 && sw.assembly.agent().counters(0).txFrames() == 1
                && sw.assembly.agent().counters(2).txFrames() == 1, "counters");
    }

    @Test
    void listsEveryPortWithDriverSpecStateAndCountersOfTheTrafficSent() throws Exception {
        trafficBetweenAAndB();
        JsonNode ports = json(sw.get("/api/v1/ports"), 200).get("ports");
        assertThat(ports).hasSize(3);
        JsonNode a = ports.get(0);
        assertThat(a.get("name").asText()).isEqualTo("a");
        assertThat(a.get("driver").asText()).isEqualTo("shm");
        assertThat(a.get("spec").asText()).startsWith("a=shm:" + sw.a.shmName());
        assertThat(a.get("state").asText()).isEqualTo("up");
        assertThat(a.get("adminUp").asBoolean()).isTrue();
        assertThat(a.at("/counters/rxFrames").asLong()).isEqualTo(1);
        assertThat(a.at("/counters/rxBytes").asLong()).isEqualTo(100);
        assertThat(a.at("/counters/txFrames").asLong()).isEqualTo(1);
        assertThat(a.at("/counters/txBytes").asLong()).isEqualTo(200);
        JsonNode c = ports.get(2);
        assertThat(c.at("/counters/txFrames").asLong()).isEqualTo(1);
        assertThat(c.at("/counters/rxFrames").asLong()).isZero();
    }

    @Test
    void showsEachWorkersLoadAndThePortsItOwns() throws Exception {
        trafficBetweenAAndB();
        JsonNode list = json(sw.get("/api/v1/ports"), 200);
        JsonNode ws = list.get("workers");
        assertThat(ws).hasSize(workers);
        for (int w = 0; w < workers; w++) {
            assertThat(ws.get(w).get("worker").asInt()).isEqualTo(w);
            assertThat(ws.get(w).get("busy").asDouble()).isBetween(0.0, 1.0);
            assertThat(ws.get(w).get("framesPerSecond").asLong()).isNotNegative();
        }
        java.util.List<String> owned = new java.util.ArrayList<>();
        ws.forEach(w -> w.get("ports").forEach(p -> owned.add(p.asText() + "@" + w.get("worker").asInt())));
        assertThat(owned).as("port i belongs to worker i mod workers")
                .containsExactlyInAnyOrder("a@0", "b@" + (1 % workers), "c@" + (2 % workers));
        assertThat(list.get("ports").get(2).get("worker").asInt()).isEqualTo(2 % workers);
        String metrics = sw.get("/metrics").body();
        assertThat(metrics).contains("pswitch_worker_busy_ratio{worker=\"" + (workers - 1) + "\",}")
                .contains("pswitch_worker_frames_per_second{worker=\"0\",}");
    }

    @Test
    void logsWhatEveryWorkerReceivesIntoOneLogWithCountersSummedOverTheWorkers() throws Exception {
        RunningSwitch.Reply r = sw.send("POST", "/api/v1/filters", "application/json",
                "{\"name\": \"all\", \"expression\": \"\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        // a, b and c belong to workers 0, 1 and 2 (with three): each logs what its port received.
        trafficBetweenAAndB();
        sw.c.send(frame(1, 3, 300));
        await(() -> sw.a.received().size() == 1, "c's frame at a"); // received() gives what came since the last call
        LogApi.awaitLogged(sw, 3);
        JsonNode f = json(sw.get("/api/v1/filters/1"), 200);
        assertThat(f.path("loggedFrames").asLong()).isEqualTo(3);
        assertThat(f.path("loggedBytes").asLong()).isEqualTo(100 + 200 + 300);
        LogApi.Download all = LogApi.download(sw, "/api/v1/log/packets", tmp.resolve("all.pcap"));
        assertThat(all.status()).isEqualTo(200);
        java.util.List<Integer> lengths = new java.util.ArrayList<>();
        try (io.pswitch.pktlog.pcap.CaptureReader c = io.pswitch.pktlog.pcap.CaptureReader.open(all.file())) {
            while (c.next()) {
                lengths.add(c.wireLength());
            }
        }
        assertThat(lengths).as("one log, in the order the frames came").containsExactly(100, 200, 300);
        assertThat(sw.get("/metrics").body()).contains("pswitch_log_frames_total{filter=\"all\",filter_id=\"1\",} 3.0");
    }

    @Test
    void logsInSyncModeOnEveryWorkerAndTakesFiltersThroughTheApi() throws Exception {
        try (RunningSwitch s = RunningSwitch.start(tmp.resolve("sync"), "--workers", Integer.toString(workers), "--durability",
                "sync", "--filter", "web=tcp port 80")) {
            RunningSwitch.Reply r = s.send("POST", "/api/v1/filters", "application/json", "{\"name\": \"all\", \"expression\": \"\"}");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            int id = JSON.readTree(r.body()).path("id").asInt();
            io.pswitch.pktlog.index.PacketLog log = s.assembly.logging().log();
            // a, b and c belong to workers 0, 1 and 2 (3 workers): each frame is logged by another one.
            s.a.send(broadcast(1, 100));
            await(() -> s.b.received().size() == 1, "the broadcast at b");
            await(() -> s.c.received().size() == 1, "the broadcast at c");
            s.b.send(frame(1, 2, 200));
            await(() -> s.a.received().size() == 1, "b's frame at a");
            assertThat(durableLimit(log)).as("sync: b's frame left once its record was durable").isGreaterThanOrEqualTo(2);
            s.c.send(frame(1, 3, 300));
            await(() -> s.a.received().size() == 1, "c's frame at a");
            assertThat(durableLimit(log)).as("sync: c's frame left once its record was durable").isGreaterThanOrEqualTo(3);
            LogApi.awaitLogged(s, 3);
            assertThat(json(s.get("/api/v1/filters/" + id), 200).path("loggedFrames").asLong()).isEqualTo(3);
        }
    }

    /** What the log has made durable: in its segment when tiered, else committed. */
    private static long durableLimit(io.pswitch.pktlog.index.PacketLog log) {
        return log.isTiered() ? log.drainedSeq() : log.committedSeq();
    }

    @Test
    void showsOnePortWithDropsByCause() throws Exception {
        sw.c.send(new byte[10], broadcast(3, 60));
        byte[] badSource = frame(1, 9, 60);
        badSource[6] = 0x01; // group bit in the source address
        sw.c.send(badSource);
        await(() -> sw.assembly.agent().counters(2).rxFrames() == 3, "three frames on c");
        JsonNode c = json(sw.get("/api/v1/ports/c"), 200);
        assertThat(c.get("name").asText()).isEqualTo("c");
        assertThat(c.at("/counters/drops/runt").asLong()).isEqualTo(1);
        assertThat(c.at("/counters/drops/bad_source").asLong()).isEqualTo(1);
        assertThat(c.at("/counters/drops/ring_full").asLong()).isZero();
        assertThat(c.at("/counters/drops").size()).isEqualTo(io.pswitch.dataplane.port.DropCause.VALUES.length);
    }

    @Test
    void takesAPortDownAndUpThroughTheAgent() throws Exception {
        JsonNode down = json(sw.send("POST", "/api/v1/ports/c/down", null, null), 200);
        assertThat(down.get("state").asText()).isEqualTo("down");
        assertThat(down.get("adminUp").asBoolean()).isFalse();
        assertThat(down.get("driverState").asText()).isEqualTo("up");
        sw.a.send(broadcast(1, 64));
        await(() -> sw.b.received().size() == 1, "the broadcast at b");
        assertThat(sw.c.received()).as("a down port is not written").isEmpty();
        assertThat(json(sw.get("/api/v1/ports/c"), 200).get("state").asText()).isEqualTo("down");

        JsonNode up = json(sw.send("POST", "/api/v1/ports/c/up", null, null), 200);
        assertThat(up.get("state").asText()).isEqualTo("up");
        sw.a.send(broadcast(1, 64));
        await(() -> sw.c.received().size() == 1, "the broadcast at c once it is up");

        JsonNode patched = json(sw.send("PATCH", "/api/v1/ports/b", "application/json", "{\"up\": false}"), 200);
        assertThat(patched.get("adminUp").asBoolean()).isFalse();
        assertThat(sw.assembly.agent().portAdminUp(1)).isFalse();
        assertThat(json(sw.send("PATCH", "/api/v1/ports/b", "application/json; charset=utf-8", "{\"up\": true}"), 200)
                .get("adminUp").asBoolean()).isTrue();
    }

    @Test
    void showsLearnedStationsAndFlushesThemByPortOrAll() throws Exception {
        trafficBetweenAAndB();
        JsonNode fdb = json(sw.get("/api/v1/fdb"), 200);
        assertThat(fdb.get("size").asInt()).isEqualTo(2);
        assertThat(fdb.get("entries")).extracting(e -> e.get("mac").asText() + "@" + e.get("port").asText() + "/" + e.get("vlan").asInt())
                .containsExactlyInAnyOrder("02:00:00:00:00:01@a/0", "02:00:00:00:00:02@b/0");
        assertThat(fdb.get("entries").get(0).get("ageSeconds").asDouble()).isBetween(0.0, 10.0);

        assertThat(json(sw.send("DELETE", "/api/v1/fdb?port=a", null, null), 200).get("removed").asInt()).isEqualTo(1);
        assertThat(json(sw.get("/api/v1/fdb"), 200).get("entries")).extracting(e -> e.get("port").asText()).containsExactly("b");
        assertThat(json(sw.send("DELETE", "/api/v1/fdb", null, null), 200).get("removed").asInt()).isEqualTo(1);
        assertThat(json(sw.get("/api/v1/fdb"), 200).get("size").asInt()).isZero();
    }

    @Test
    void isLiveAndReadyOnceStartedWithItsPortsUp() throws Exception {
        assertThat(json(sw.get("/healthz"), 200).get("status").asText()).isEqualTo("ok");
        JsonNode ready = json(sw.get("/readyz"), 200);
        assertThat(ready.get("status").asText()).isEqualTo("ready");
        assertThat(ready.get("problems")).isEmpty();
        // An operator's admin-down is a choice, not a fault: still ready.
        sw.send("POST", "/api/v1/ports/a/down", null, null);
        assertThat(sw.get("/readyz").status()).isEqualTo(200);
    }

    @Test
    void isNotReadyWhileAPortHasNoLink() throws Exception {
        sw.c.detach(); // the shm peer goes away: the driver reports the port down
        // Readiness follows the state the port's worker publishes: it sees the change at its next duty cycle.
        await(() -> sw.get("/readyz").status() == 503, "/readyz 503 once c's peer is gone");
        JsonNode ready = json(sw.get("/readyz"), 503);
        assertThat(ready.get("status").asText()).isEqualTo("not ready");
        assertThat(ready.get("problems").toString()).contains("port c is down");
        JsonNode c = json(sw.get("/api/v1/ports/c"), 200);
        assertThat(c.get("driverState").asText()).isEqualTo("down");
        assertThat(c.get("state").asText()).isEqualTo("down");
        assertThat(c.get("adminUp").asBoolean()).isTrue();
        sw.c.reattach();
        await(() -> sw.get("/readyz").status() == 200, "/readyz 200 once c's peer is back");
    }

    @Test
    void servesItsOpenApiDocument() throws Exception {
        JsonNode doc = json(sw.get("/api/v1/openapi.json"), 200);
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.get("paths").has("/api/v1/ports/{name}")).isTrue();
    }
}

package io.pswitch.tools.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.system.ChildSwitch;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.drivers.pcap.LivePcapHandle;
import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.pktlog.index.LogVerifier;
import io.pswitch.tools.gen.GenConfig;
import io.pswitch.tools.wire.Ipv4Address;
import io.pswitch.tools.wire.MacAddress;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lifecycle under load: SIGTERM while every frame is being logged, a restart while a generator keeps
 * sending, and a live interface that disappears under a running switch.
 */
class LifecycleTest {
    @TempDir
    Path dir;

    /** Memory (tmpfs): the SIGTERM test runs the hot tier in place as the whole log (no segment tier to fall behind). */
    @TempDir(factory = io.pswitch.pktlog.index.ShmTempDirFactory.class)
    Path memory;

    private static List<String> runArgs(Path data, String tag, String... extra) {
        List<String> args = new ArrayList<>(List.of("--data-dir", data.toString(), "--buffers", "32768",
                "--port", "a=shm:" + tag + "a,slots=1024", "--port", "b=shm:" + tag + "b,slots=1024"));
        args.addAll(List.of(extra));
        return args;
    }

    private static GenConfig gen(long ratePps) {
        return new GenConfig(List.of("a"), List.of("b"), 64, 0, 3_600_000_000_000L, ratePps, 256,
                MacAddress.parse("02:00:00:01:00:00"), MacAddress.parse("02:00:00:02:00:00"), -1,
                Ipv4Address.parse("10.1.0.1"), Ipv4Address.parse("10.2.0.1"), 32, true);
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void sigtermDuringHeavyLoggingCommitsTheLogAndTheNextStartRecoversAllOfIt() throws Exception {
        Duration load = Reliability.duration("pswitch.lifecycle.seconds", Duration.ofSeconds(3), Duration.ofMinutes(5));
        Reliability.Figures fig = new Reliability.Figures("sigterm-logging");
        Path data = memory.resolve("data");
        String tag = SwitchUnderTest.uniqueTag("term");
        // Every frame is logged (the empty expression matches everything), batch durability: the heaviest logging there is.
        List<String> first = runArgs(data, tag, "--filter", "all=", "--durability", "batch", "--log-records", "16384",
                "--status-interval", "1s");
        Matcher closed;
        long delivered;
        long sent;
        int exit;
        try (ChildSwitch sw = ChildSwitch.start(dir.resolve("run1.out"), first.toArray(new String[0]))) {
            sw.awaitOutput("pswitch: API at", 30_000);
            ShmEndpoint a = ShmEndpoint.attach(tag + "a");
            ShmEndpoint b = ShmEndpoint.attach(tag + "b");
            try {
                GeneratorThread g = new GeneratorThread("gen-term", gen(0), List.of(a), List.of(b));
                Thread.sleep(load.toMillis());
                long t0 = System.nanoTime();
                exit = sw.stop(); // SIGTERM with the generator still sending
                double stopMs = (System.nanoTime() - t0) / 1e6;
                g.finish();
                g.join();
                delivered = g.received();
                sent = g.sent();
                fig.put("seconds", load.toSeconds()).put("sent", sent).put("delivered", delivered).put("exitCode", exit)
                        .put("stopMs", OverloadTest.round(stopMs));
            } finally {
                a.close();
                b.close();
            }
            assertThat(sw.output()).contains("pswitch: stopped");
            closed = sw.find("log closed: (\\d+) records \\(seq (\\d+)\\.\\.(\\d+)\\), committed through seq (\\d+)");
        }
        long records = Long.parseLong(closed.group(1));
        long oldest = Long.parseLong(closed.group(2));
        long newest = Long.parseLong(closed.group(3));
        long committed = Long.parseLong(closed.group(4));
        assertThat(exit).as("exit code after SIGTERM").isIn(0, 143);
        assertThat(committed).as("every appended record committed at stop").isEqualTo(newest);
        assertThat(records).isPositive().isEqualTo(newest - oldest + 1);
        // Every frame the generator got back went through the logging stage first.
        assertThat(newest).as("records appended since the log was created").isGreaterThanOrEqualTo(delivered);

        // Restart on the same data directory: recovery must find exactly what was committed.
        Matcher recovered;
        try (ChildSwitch sw = ChildSwitch.start(dir.resolve("run2.out"), runArgs(data, tag, "-q", "--log-records", "16384")
                .toArray(new String[0]))) {
            sw.awaitOutput("pswitch: API at", 30_000);
            recovered = sw.find("recovered (\\d+) records \\(seq (\\d+)\\.\\.(\\d+)\\), dropped (\\d+)");
            assertThat(sw.stop()).isIn(0, 143);
        }
        long recoveredRecords = Long.parseLong(recovered.group(1));
        long dropped = Long.parseLong(recovered.group(4));
        LogVerifier.Report verify = LogVerifier.verify(SwitchUnderTest.settings(runArgs(data, tag).toArray(new String[0])).poolFile());
        fig.put("recordsAtStop", records).put("seqAtStop", oldest + ".." + newest).put("recovered", recoveredRecords)
                .put("recoveredSeq", recovered.group(2) + ".." + recovered.group(3)).put("recoveryDropped", dropped)
                .put("verifyValid", verify.validRecords()).put("verifyBad", verify.bad().size());
        fig.report();
        assertThat(dropped).as("records recovery dropped").isZero();
        assertThat(recoveredRecords).as("records recovered = records committed at stop").isEqualTo(records);
        assertThat(Long.parseLong(recovered.group(2))).isEqualTo(oldest);
        assertThat(Long.parseLong(recovered.group(3))).isEqualTo(newest);
        assertThat(verify.clean()).as("log verifies: %s", verify.lines()).isTrue();
        assertThat(verify.validRecords()).isEqualTo(records);
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void restartWhileAGeneratorKeepsSendingResumesForwarding() throws Exception {
        Duration phase = Reliability.duration("pswitch.lifecycle.seconds", Duration.ofSeconds(2), Duration.ofMinutes(2));
        Reliability.Figures fig = new Reliability.Figures("restart-under-load");
        Path data = dir.resolve("data");
        String tag = SwitchUnderTest.uniqueTag("restart");
        String[] args = runArgs(data, tag, "-q").toArray(new String[0]);
        GeneratorThread before;
        ShmEndpoint a;
        ShmEndpoint b;
        try (ChildSwitch sw = ChildSwitch.start(dir.resolve("run1.out"), args)) {
            sw.awaitOutput("pswitch: API at", 30_000);
            a = ShmEndpoint.attach(tag + "a");
            b = ShmEndpoint.attach(tag + "b");
            before = new GeneratorThread("gen-before", gen(200_000), List.of(a), List.of(b));
            Thread.sleep(phase.toMillis());
            assertThat(sw.stop()).isIn(0, 143);
            assertThat(sw.output()).contains("pswitch: stopped");
        }
        // The generator is still sending into the rings of a switch that is gone; a new switch starts meanwhile.
        long restartAt = System.nanoTime();
        try (ChildSwitch sw = ChildSwitch.start(dir.resolve("run2.out"), args)) {
            sw.awaitOutput("pswitch: API at", 30_000);
            // The generator notices its switch is gone (the port files it mapped were replaced) and reattaches.
            assertThat(a.switchAttached()).as("old endpoint sees its switch gone").isFalse();
            before.finish();
            before.join();
            a.close();
            b.close();
            ShmEndpoint a2 = ShmEndpoint.attach(tag + "a");
            ShmEndpoint b2 = ShmEndpoint.attach(tag + "b");
            try {
                GeneratorThread after = new GeneratorThread("gen-after", gen(200_000), List.of(a2), List.of(b2));
                Thread.sleep(phase.toMillis());
                after.finish();
                after.join();
                double resumeS = (System.nanoTime() - restartAt) / 1e9;
                // What the new switch counts as dropped (by cause), read through its API.
                String url = sw.find("pswitch: API at (\\S+)").group(1);
                HttpResponse<String> ports = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/api/v1/ports"))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                java.util.Map<String, Long> drops = new java.util.TreeMap<>();
                for (com.fasterxml.jackson.databind.JsonNode port : new com.fasterxml.jackson.databind.ObjectMapper().readTree(ports.body())
                        .path("ports")) {
                    port.path("counters").path("drops").properties().forEach(e -> {
                        if (e.getValue().asLong() != 0) {
                            drops.merge(e.getKey(), e.getValue().asLong(), Long::sum);
                        }
                    });
                }
                long dropped = drops.values().stream().mapToLong(Long::longValue).sum();
                fig.put("sentBefore", before.sent()).put("deliveredBefore", before.received())
                        .put("lostAtStop", before.sent() - before.received()).put("sentAfter", after.sent())
                        .put("deliveredAfter", after.received()).put("lostAfter", after.sent() - after.received())
                        .put("droppedAfterByCause", drops)
                        .put("restartToEndS", OverloadTest.round(resumeS));
                fig.report();
                assertThat(before.received()).as("frames before the restart").isPositive();
                assertThat(after.received()).as("frames flow again after the restart").isPositive();
                // At 200 kpps on a loaded machine the receiver may fall behind: such frames are dropped and counted, never lost silently.
                assertThat(after.sent() - after.received()).as("frames not delivered after the restart = drops the switch counted")
                        .isEqualTo(dropped);
            } finally {
                a2.close();
                b2.close();
            }
            assertThat(sw.stop()).isIn(0, 143);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pcap", "afpacket"})
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aLivePortWhoseInterfaceDisappearsGoesDownAndTheOthersGoOn(String driver) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to create and delete a veth pair (run the tests as root to include this one)");
        Assumptions.assumeTrue(sh("ip", "link", "show").exitCode == 0, "the ip command (iproute2) is not available");
        // Names unique per driver as well: the afpacket driver's root network tests use the apk prefix.
        String ifA = (driver.equals("pcap") ? "rlv" : "apkrl") + (ProcessHandle.current().pid() % 100000) + "a";
        String ifB = ifA.substring(0, ifA.length() - 1) + "b";
        Sh add = sh("ip", "link", "add", ifA, "type", "veth", "peer", "name", ifB);
        Assumptions.assumeTrue(add.exitCode == 0, "cannot create a veth pair here: " + add.output);
        Reliability.Figures fig = new Reliability.Figures(driver.equals("pcap") ? "interface-disappears"
                : "interface-disappears-" + driver);
        long stationV = MacAddress.parse("02:00:00:00:0e:01");
        long stationB = MacAddress.parse("02:00:00:00:0b:01");
        long stationA = MacAddress.parse("02:00:00:00:0a:01");
        try {
            mustSh("ip", "link", "set", ifA, "up");
            mustSh("ip", "link", "set", ifB, "up");
            try (SwitchUnderTest sw = SwitchUnderTest.start(dir.resolve("data"), "gone", List.of("a", "b"), 1024,
                    "--buffers", "16384", "--port", "v=" + driver + ":" + ifA);
                    ShmEndpoint a = ShmEndpoint.attach(sw.shm("a"));
                    ShmEndpoint b = ShmEndpoint.attach(sw.shm("b"));
                    Arena arena = Arena.ofConfined()) {
                int v = sw.agent().portIndex("v");
                // A station behind the interface, announced from the far end of the veth pair.
                try (LivePcapHandle peer = LivePcapHandle.open(ifB, 9000, 1 << 20, LivePcapHandle.PCAP_D_INOUT)) {
                    byte[] announce = Stations.announce(stationV);
                    MemorySegment native_ = arena.allocate(announce.length);
                    MemorySegment.copy(MemorySegment.ofArray(announce), 0, native_, 0, announce.length);
                    // Until the switch has learned it there (the kernel's own IPv6 chatter arrives on v too).
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    String mac = MacAddress.format(stationV);
                    while (!stationOn(sw, mac, "v") && System.nanoTime() < deadline) {
                        peer.inject(native_.address(), announce.length);
                        Thread.sleep(50);
                    }
                }
                assertThat(stationOn(sw, MacAddress.format(stationV), "v")).as("the switch learned the station behind " + ifA).isTrue();
                Stations.send(b, Stations.announce(stationB));
                OverloadTest.await(() -> sw.rx("b") == 1, "b's announcement");
                Stations.drain(a, -1, 100);
                Stations.drain(b, -1, 100);
                byte[] toB = Stations.unicast(stationB, stationA);
                byte[] toV = Stations.unicast(stationV, stationA);
                long txVBefore = sw.agent().counters(v).txFrames();
                for (int i = 0; i < 100; i++) {
                    Stations.send(a, toV);
                }
                OverloadTest.await(() -> sw.agent().counters(v).txFrames() >= txVBefore + 100, "frames out of " + ifA);

                long deletedAt = System.nanoTime();
                mustSh("ip", "link", "del", ifA);
                // Keep traffic flowing to both the vanished port and b until the switch notices.
                long deliveredToB = 0;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (sw.agent().port(v).state() == PortState.UP && System.nanoTime() < deadline) {
                    Stations.send(a, toV);
                    Stations.send(a, toB);
                    deliveredToB += Stations.drain(b, -1, 0);
                    Thread.sleep(1);
                }
                double detectMs = (System.nanoTime() - deletedAt) / 1e6;
                assertThat(sw.agent().port(v).state()).as("port v after its interface was deleted").isEqualTo(PortState.DOWN);
                long portDownBefore = sw.counters("a").drops(DropCause.PORT_DOWN);
                long rxB = sw.tx("b");
                int after = 1000;
                for (int i = 0; i < after; i++) {
                    Stations.send(a, toV);
                    Stations.send(a, toB);
                    deliveredToB += Stations.drain(b, -1, 0);
                }
                try {
                    OverloadTest.await(() -> sw.counters("a").drops(DropCause.PORT_DOWN) >= portDownBefore + after
                            && sw.tx("b") >= rxB + after, "the switch to go on without port v");
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + ": port_down drops " + (sw.counters("a").drops(DropCause.PORT_DOWN) - portDownBefore)
                            + ", tx b " + (sw.tx("b") - rxB) + ", rx a " + sw.rx("a") + ", drops " + sw.dropsByCause()
                            + ", v " + sw.agent().port(v) + " tx " + sw.agent().counters(v).txFrames());
                }
                deliveredToB += Stations.drain(b, -1, 200);
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(sw.url + "/readyz")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> ports = http.send(HttpRequest.newBuilder(URI.create(sw.url + "/api/v1/ports/v")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                fig.put("detectMs", OverloadTest.round(detectMs)).put("portDownDrops", sw.counters("a").drops(DropCause.PORT_DOWN))
                        .put("deliveredToBMeanwhile", deliveredToB).put("readyz", ready.statusCode())
                        .put("portV", ports.body());
                fig.report();
                assertThat(sw.assembly.agentError()).isNull();
                assertThat(sw.counters("a").drops(DropCause.PORT_DOWN) - portDownBefore).as("frames for the vanished port, counted")
                        .isGreaterThanOrEqualTo(after);
                assertThat(deliveredToB).as("frames to b went on").isGreaterThanOrEqualTo(after);
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("port v is down");
                assertThat(ports.body()).contains("\"state\":\"down\"");
            }
        } finally {
            sh("ip", "link", "del", ifA);
        }
    }

    /** Whether the switch's forwarding table (read through the API) has {@code mac} on {@code port}. */
    private static boolean stationOn(SwitchUnderTest sw, String mac, String port) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sw.url + "/api/v1/fdb")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        for (com.fasterxml.jackson.databind.JsonNode e : new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("entries")) {
            if (e.path("mac").asText().equalsIgnoreCase(mac) && e.path("port").asText().equals(port)) {
                return true;
            }
        }
        return false;
    }

    private record Sh(int exitCode, String output) {
    }

    private static Sh sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new Sh(-1, "timed out: " + String.join(" ", cmd));
        }
        return new Sh(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static void mustSh(String... cmd) throws IOException, InterruptedException {
        Sh r = sh(cmd);
        if (r.exitCode != 0) {
            throw new AssertionError("command failed (" + r.exitCode + "): " + String.join(" ", cmd) + "\n" + r.output);
        }
    }
}

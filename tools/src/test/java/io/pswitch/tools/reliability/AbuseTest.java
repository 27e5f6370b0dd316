package io.pswitch.tools.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.rest.ApiServer;
import io.pswitch.dataplane.fdb.ForwardingTable;
import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.index.LogVerifier;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.tools.gen.GenConfig;
import io.pswitch.tools.wire.Ipv4Address;
import io.pswitch.tools.wire.MacAddress;
import io.pswitch.tools.wire.Wire;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abuse: inputs a hostile or careless neighbour can produce — a MAC flood, thousands of filters and
 * a filter that matches everything, a crowd of API clients, slowloris HTTP clients. The switch keeps
 * forwarding, logging and answering; each test records its figures (see {@link Reliability}).
 */
class AbuseTest {
    private static final long STATION_B = MacAddress.parse("02:00:00:00:0b:01");
    private static final long STATION_C = MacAddress.parse("02:00:00:00:0c:01");

    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void macFloodKeepsTheForwardingTableAtItsBoundAndCountsEvictions() throws Exception {
        int capacity = 16384;
        int flood = Reliability.scale(200_000, 5_000_000);
        Reliability.Figures fig = new Reliability.Figures("mac-flood");
        try (SwitchUnderTest sw = SwitchUnderTest.start(dir.resolve("data"), "flood", List.of("a", "b", "c"), 1024,
                "--buffers", "16384", "--fdb-size", Integer.toString(capacity));
                ShmEndpoint a = ShmEndpoint.attach(sw.shm("a"));
                ShmEndpoint b = ShmEndpoint.attach(sw.shm("b"));
                ShmEndpoint c = ShmEndpoint.attach(sw.shm("c"))) {
            ForwardingTable fdb = sw.agent().fdb();
            Stations.send(c, Stations.announce(STATION_C));
            OverloadTest.await(() -> sw.rx("c") == 1, "the announcement");
            long start = System.nanoTime();
            byte[] frame = Stations.unicast(STATION_C, 0);
            java.lang.foreign.MemorySegment f = java.lang.foreign.MemorySegment.ofArray(frame);
            SplittableRandom random = new SplittableRandom(42);
            long maxSize = 0;
            long delivered = 0;
            for (int i = 0; i < flood; i++) {
                // A random unicast, locally administered source: a new station for the switch every frame.
                long src = (random.nextLong() & 0xFEFF_FFFF_FFFFL) | 0x0200_0000_0000L;
                Wire.mac(f, 6, src);
                while (!a.send(frame, 0, frame.length)) {
                    delivered += Stations.drain(c, -1, 0);
                    Stations.drain(b, -1, 0);
                }
                if ((i & 255) == 0) {
                    delivered += Stations.drain(c, -1, 0);
                    Stations.drain(b, -1, 0);
                }
                if ((i & 4095) == 0) {
                    maxSize = Math.max(maxSize, fdb.size());
                    assertThat(sw.assembly.agentError()).isNull();
                }
            }
            OverloadTest.await(() -> sw.rx("a") == flood, "the switch to take the flood");
            delivered += Stations.drain(c, -1, 200);
            Stations.drain(b, -1, 0);
            double seconds = (System.nanoTime() - start) / 1e9;
            maxSize = Math.max(maxSize, fdb.size());
            // A legitimate exchange still works after the flood: b and c learn each other and talk unicast.
            Stations.send(b, Stations.announce(STATION_B));
            Stations.send(c, Stations.announce(STATION_C));
            OverloadTest.await(() -> sw.rx("b") == 1 && sw.rx("c") == 2, "the re-announcements");
            Stations.drain(b, -1, 100);
            Stations.drain(c, -1, 100);
            long txBefore = sw.tx("a");
            Stations.send(b, Stations.unicast(STATION_C, STATION_B));
            OverloadTest.await(() -> sw.tx("c") > 0 && sw.rx("b") == 2, "the unicast frame");
            long arrived = Stations.drain(c, Wire.ETHERTYPE_IPV4, 200);
            fig.put("frames", flood).put("seconds", OverloadTest.round(seconds)).put("fdbCapacity", capacity)
                    .put("fdbMaxSize", maxSize).put("fdbSize", fdb.size()).put("learned", fdb.learned()).put("evicted", fdb.evicted())
                    .put("aged", fdb.aged()).put("deliveredToStation", delivered).put("floodedCopies", sw.tx("b"))
                    .put("drops", sw.dropsByCause());
            fig.report();
            assertThat(sw.assembly.agentError()).isNull();
            assertThat(maxSize).as("forwarding table entries").isLessThanOrEqualTo(capacity);
            assertThat(fdb.size()).isLessThanOrEqualTo(capacity);
            assertThat(fdb.evicted()).as("evictions counted").isGreaterThanOrEqualTo(flood - capacity);
            assertThat(fdb.learned()).as("every new source learned").isGreaterThanOrEqualTo(flood);
            assertThat(arrived).as("the unicast frame from b to c after the flood").isEqualTo(1);
            assertThat(sw.tx("a")).as("nothing hairpinned or flooded back to the flooding port after re-learning").isEqualTo(txBefore);
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void thousandsOfFiltersAndAMatchEverythingFilterKeepTheSwitchForwardingAndLogging() throws Exception {
        int count = 2000;
        int frames = Integer.getInteger("pswitch.filters.frames", Reliability.scale(10_000, 1_000_000));
        Reliability.Figures fig = new Reliability.Figures("many-filters");
        Path poolPath;
        PacketLog log;
        long logged;
        try (SwitchUnderTest sw = SwitchUnderTest.start(dir.resolve("data"), "filters", List.of("a", "b", "c"), 1024,
                "--buffers", "16384", "--log-records", "8192", "--batch", "32");
                ShmEndpoint a = ShmEndpoint.attach(sw.shm("a"));
                ShmEndpoint c = ShmEndpoint.attach(sw.shm("c"));
                ShmEndpoint b = ShmEndpoint.attach(sw.shm("b"))) {
            poolPath = sw.assembly.pool().path();
            log = sw.assembly.log();
            List<Filter> filters = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                filters.add(Filter.of(i, "f" + i, "udp dst port " + (20000 + i) + " and src host 10.9." + (i >> 8) + "." + (i & 255)));
            }
            filters.add(Filter.of(count, "everything", ""));
            long t0 = System.nanoTime();
            long generation = sw.assembly.replaceFilters(filters);
            OverloadTest.await(() -> sw.assembly.logging().appliedGeneration() >= generation, "the filters to apply");
            double installMs = (System.nanoTime() - t0) / 1e6;
            assertThat(sw.assembly.filters()).hasSize(count);
            long rxBase = sw.rx("a", "b", "c");
            LogCounters lc = sw.assembly.logging().counters();
            long loggedBase = lc.frames();
            long skippedBase = lc.skippedNoBuffer();
            // A fixed count: with every frame running 2000 programs the switch is slow, and each one must be accounted for.
            GenConfig config = new GenConfig(List.of("a"), List.of("c"), 64, frames, 0, 0, 64,
                    MacAddress.parse("02:00:00:01:00:00"), MacAddress.parse("02:00:00:02:00:00"), -1,
                    Ipv4Address.parse("10.1.0.1"), Ipv4Address.parse("10.2.0.1"), 32, true);
            long t1 = System.nanoTime();
            GeneratorThread gen = new GeneratorThread("gen-filters", config, List.of(a), List.of(c), 30_000);
            Thread drainer = Thread.ofPlatform().name("drain-b").start(() -> Stations.drain(b, -1, 2_000));
            gen.join(Reliability.longMode() ? 3_600_000 : 300_000);
            drainer.join();
            double seconds = (System.nanoTime() - t1) / 1e9;
            long rx = sw.rx("a", "b", "c") - rxBase;
            OverloadTest.await(() -> sw.assembly.logging().counters().frames() - loggedBase
                    + sw.assembly.logging().counters().skippedNoBuffer() - skippedBase == rx, "the logging counters");
            logged = lc.frames() - loggedBase;
            long skipped = lc.skippedNoBuffer() - skippedBase;
            fig.put("filters", count).put("installMs", OverloadTest.round(installMs)).put("seconds", OverloadTest.round(seconds))
                    .put("offered", gen.sent()).put("delivered", gen.received()).put("switchRx", rx).put("logged", logged)
                    .put("logSkippedNoBuffer", skipped).put("drops", sw.dropsByCause())
                    .put("framesPerSecond", Math.round(rx / seconds));
            assertThat(sw.assembly.agentError()).isNull();
            assertThat(gen.received()).as("frames forwarded a -> c with %d filters", count).isPositive();
            assertThat(gen.sent()).isEqualTo(frames);
            assertThat(gen.received()).as("lost between the ports").isEqualTo(gen.sent());
            assertThat(logged + skipped).as("every frame matched the match-everything filter").isEqualTo(rx);
            assertThat(logged).isPositive();
        }
        LogVerifier.Report verify = LogVerifier.verify(poolPath);
        fig.put("logValidRecords", verify.validRecords()).put("logBadRecords", verify.bad().size());
        fig.report();
        assertThat(verify.clean()).as("log verifies: %s", verify.lines()).isTrue();
        assertThat(log.committedSeq()).isEqualTo(log.appendedSeq());
        assertThat(verify.newestSeq()).isEqualTo(log.committedSeq());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aHundredConcurrentApiClientsAllGetAnswers() throws Exception {
        int clients = 100;
        int requestsEach = Reliability.scale(20, 200);
        Reliability.Figures fig = new Reliability.Figures("api-clients");
        try (SwitchUnderTest sw = SwitchUnderTest.start(dir.resolve("data"), "clients", List.of("a", "b", "c"), 1024,
                "--buffers", "16384");
                ShmEndpoint a = ShmEndpoint.attach(sw.shm("a"));
                ShmEndpoint b = ShmEndpoint.attach(sw.shm("b"));
                ShmEndpoint c = ShmEndpoint.attach(sw.shm("c"))) {
            // Traffic meanwhile, so the counters the API reads are moving.
            GenConfig config = new GenConfig(List.of("a"), List.of("c"), 64, 0, 3_600_000_000_000L, 100_000, 64,
                    MacAddress.parse("02:00:00:01:00:00"), MacAddress.parse("02:00:00:02:00:00"), -1,
                    Ipv4Address.parse("10.1.0.1"), Ipv4Address.parse("10.2.0.1"), 32, true);
            GeneratorThread gen = new GeneratorThread("gen-api", config, List.of(a), List.of(c));
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            List<Long> portsLatencies = Collections.synchronizedList(new ArrayList<>());
            List<Long> metricsLatencies = Collections.synchronizedList(new ArrayList<>());
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            long t0;
            try {
                for (int i = 0; i < clients; i++) {
                    threads.add(Thread.ofPlatform().name("api-client-" + i).start(() -> {
                        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
                            go.await();
                            for (int r = 0; r < requestsEach; r++) {
                                String path = (r & 1) == 0 ? "/api/v1/ports" : "/metrics";
                                long s = System.nanoTime();
                                try {
                                    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(sw.url + path))
                                            .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
                                    long ns = System.nanoTime() - s;
                                    latencies.add(ns);
                                    ((r & 1) == 0 ? portsLatencies : metricsLatencies).add(ns);
                                    String expect = path.equals("/metrics") ? "pswitch_fdb_entries" : "\"ports\"";
                                    if (resp.statusCode() != 200 || !resp.body().contains(expect)) {
                                        failures.add(path + " -> " + resp.statusCode() + " " + resp.body());
                                    }
                                } catch (Exception e) {
                                    failures.add(path + " -> " + e);
                                }
                            }
                        } catch (InterruptedException e) {
                            failures.add("interrupted");
                        }
                    }));
                }
                t0 = System.nanoTime();
                go.countDown();
                for (Thread t : threads) {
                    while (t.isAlive()) {
                        t.join(10);
                        Stations.drain(b, -1, 0);
                    }
                }
            } finally {
                gen.finish();
                gen.join();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            fig.put("clients", clients).put("requests", latencies.size()).put("failures", failures.size())
                    .put("seconds", OverloadTest.round(seconds)).put("p50Ms", OverloadTest.round(ApiProbe.percentileMs(latencies, 50)))
                    .put("p99Ms", OverloadTest.round(ApiProbe.percentileMs(latencies, 99)))
                    .put("maxMs", OverloadTest.round(ApiProbe.percentileMs(latencies, 100)))
                    .put("portsP99Ms", OverloadTest.round(ApiProbe.percentileMs(portsLatencies, 99)))
                    .put("metricsP99Ms", OverloadTest.round(ApiProbe.percentileMs(metricsLatencies, 99)))
                    .put("framesForwardedMeanwhile", gen.received());
            fig.report();
            assertThat(failures).as("failed requests").isEmpty();
            assertThat(latencies).hasSize(clients * requestsEach);
            assertThat(sw.assembly.agentError()).isNull();
            assertThat(gen.received()).as("forwarding went on").isPositive();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void slowlorisClientsDoNotStarveNormalClients() throws Exception {
        int dribblers = Reliability.scale(200, 1000);
        int silent = 50;
        Duration attack = Reliability.duration("pswitch.slowloris.seconds",
                ApiServer.IDLE_TIMEOUT.plusSeconds(3), Duration.ofMinutes(2));
        Reliability.Figures fig = new Reliability.Figures("slowloris");
        try (SwitchUnderTest sw = SwitchUnderTest.start(dir.resolve("data"), "loris", List.of("a", "b"), 256, "--buffers", "4096", "--ring-size", "256")) {
            URI uri = URI.create(sw.url);
            List<Socket> slow = new ArrayList<>();
            List<Socket> quiet = new ArrayList<>();
            byte[] head = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < dribblers + silent; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
                    s.setSoTimeout(1);
                    (i < dribblers ? slow : quiet).add(s);
                }
                // The silent ones send a partial request line, then nothing: the idle timeout must close them.
                for (Socket s : quiet) {
                    s.getOutputStream().write(head, 0, 5);
                }
                ApiProbe probe = new ApiProbe(sw.url, 200, "/healthz", "/api/v1/ports");
                long end = System.nanoTime() + attack.toNanos();
                int pos = 0;
                int closedByServer = 0;
                // One byte per socket every ~100 ms: each request stays incomplete for the whole attack.
                while (System.nanoTime() < end) {
                    byte next = pos < head.length ? head[pos] : (byte) 'a';
                    pos++;
                    for (Socket s : slow) {
                        if (!s.isClosed()) {
                            try {
                                OutputStream out = s.getOutputStream();
                                out.write(next);
                                out.flush();
                            } catch (java.io.IOException e) {
                                s.close();
                                closedByServer++;
                            }
                        }
                    }
                    Thread.sleep(100);
                }
                probe.close();
                int quietClosed = 0;
                for (Socket s : quiet) {
                    s.setSoTimeout(2_000);
                    InputStream in = s.getInputStream();
                    try {
                        // Closed by the server: end of stream (possibly after an error answer).
                        while (in.read() >= 0) {
                            // drain an error page, if any
                        }
                        quietClosed++;
                    } catch (SocketTimeoutException e) {
                        // still open
                    } catch (java.io.IOException e) {
                        quietClosed++; // reset by the server
                    }
                }
                fig.put("slowClients", dribblers).put("silentClients", silent).put("seconds", attack.toSeconds())
                        .put("idleTimeoutS", ApiServer.IDLE_TIMEOUT.toSeconds()).put("silentClosedByServer", quietClosed)
                        .put("slowClosedByServer", closedByServer).put("normalRequests", probe.requests())
                        .put("normalFailures", probe.failures().size()).put("normalP99Ms", OverloadTest.round(probe.percentileMs(99)))
                        .put("normalMaxMs", OverloadTest.round(probe.percentileMs(100)));
                fig.report();
                assertThat(probe.failures()).as("normal requests during the attack").isEmpty();
                assertThat(probe.requests()).isGreaterThan(10);
                if (attack.compareTo(ApiServer.IDLE_TIMEOUT.plusSeconds(2)) > 0) {
                    assertThat(quietClosed).as("silent connections closed by the idle timeout").isEqualTo(silent);
                }
                assertThat(sw.assembly.agentError()).isNull();
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
                for (Socket s : quiet) {
                    s.close();
                }
            }
        }
    }
}

package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.archive.S3ProxyServer;
import io.pswitch.archive.UdpFrames;
import io.pswitch.control.system.ChildSwitch;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet query end to end: three real {@code pswitch run} processes log different traffic and
 * archive it to one bucket of a real S3 server (S3Proxy); after they stopped (SIGTERM: the open
 * segment sealed and uploaded), one {@code log export --store} with a filter, run with no switch
 * up, gives exactly what {@code tcpdump -r} selects from the union of their inputs, in time
 * order, one pcapng interface per (switch, port) named after both.
 */
class FleetExportTest {
    private static final String[] SWITCHES = {"sw-a", "sw-b", "sw-c"};
    private static final String[] PORTS = {"p1", "p2"};
    private static final int FRAMES = 1500;
    private static final String FILTER = "udp src port 1003 and src host 10.0.1.1";

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    private static long firstSeq(int sw, int port) {
        return 1 + (sw * 2L + port) * 100_000L;
    }

    @Test
    void threeSwitchesArchiveToOneBucketAndOneExportMatchesTcpdumpOnTheirInputs() throws Exception {
        Assumptions.assumeTrue(TestLog.toolPresent("tcpdump"), "tcpdump is not installed");
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("fleet");
            String store = "s3://fleet/archive";
            List<ChildSwitch> children = new ArrayList<>();
            Map<String, List<byte[]>> expected = new TreeMap<>();
            try {
                for (int k = 0; k < SWITCHES.length; k++) {
                    List<String> args = new ArrayList<>();
                    for (int p = 0; p < PORTS.length; p++) {
                        Path in = disk.resolve(SWITCHES[k] + "-" + PORTS[p] + ".pcap");
                        try (PcapWriter w = PcapWriter.create(in)) {
                            for (long seq = firstSeq(k, p); seq < firstSeq(k, p) + FRAMES; seq++) {
                                w.write(UdpFrames.ts(seq), UdpFrames.frame(seq));
                            }
                        }
                        expected.put(SWITCHES[k] + "/" + PORTS[p], tcpdumpSelects(in));
                        args.addAll(List.of("--port", PORTS[p] + "=pcapfile:" + in + ",out=" + disk.resolve(SWITCHES[k] + "-" + PORTS[p] + "-out.pcap")));
                    }
                    args.addAll(List.of("--data-dir", disk.resolve(SWITCHES[k]).toString(), "--log-size", "64M", "--segment-size", "1M",
                            "--filter", "everything=greater 0", "--name", SWITCHES[k], "--archive", store,
                            "--archive-endpoint", s3.endpoint(), "-q"));
                    children.add(ChildSwitch.start(disk.resolve(SWITCHES[k] + ".out"), s3.credentialsEnv(), args.toArray(String[]::new)));
                }
                for (ChildSwitch c : children) {
                    c.awaitOutput("pswitch: archive: sealed segments to " + store, 60_000);
                    c.awaitOutput("API at", 60_000);
                }
                for (ChildSwitch c : children) {
                    for (String port : PORTS) {
                        awaitReceived(c, port, FRAMES);
                    }
                }
                for (ChildSwitch c : children) {
                    String base = c.find("API at (http://\\S+)").group(1);
                    assertThat(get(base + "/metrics")).contains("pswitch_archive_enabled 1.0").contains("pswitch_archive_backlog_segments ");
                    assertThat(get(base + "/api/v1/log")).contains("\"archive\":{").contains("\"backlogSegments\":");
                }
                for (ChildSwitch c : children) {
                    // 143 = 128 + SIGTERM: the JVM reports a signal-initiated (clean, hooks run) shutdown so.
                    assertThat(c.stop()).as(c.output()).isIn(0, 143);
                    assertThat(c.output()).containsPattern("archive: \\d+ object\\(s\\) uploaded, backlog 0 segment\\(s\\)\n");
                }
            } finally {
                for (ChildSwitch c : children) {
                    c.close();
                }
            }

            // No switch runs now: the export reads the bucket only.
            Path out = disk.resolve("fleet.pcapng");
            String[] r = withCredentials(s3, () -> LogExportTest.cli("log", "export", "--store", store, "--store-endpoint", s3.endpoint(),
                    "--filter", FILTER, "-o", out.toString()));
            assertThat(r[0]).as("exit: %s %s", r[1], r[2]).isEqualTo("0");
            assertThat(r[1]).contains("from 3 switch(es)");

            Map<String, List<byte[]>> got = new TreeMap<>();
            long lastTs = Long.MIN_VALUE;
            try (CaptureReader cr = CaptureReader.open(out)) {
                while (cr.next()) {
                    assertThat(cr.timestampNs()).as("time order").isGreaterThanOrEqualTo(lastTs);
                    lastTs = cr.timestampNs();
                    got.computeIfAbsent(cr.interfaceName(cr.interfaceIndex()), x -> new ArrayList<>()).add(cr.data());
                }
            }
            expected.values().removeIf(List::isEmpty);
            assertThat(got.keySet()).containsExactlyElementsOf(expected.keySet());
            for (String iface : expected.keySet()) {
                assertThat(got.get(iface)).as(iface).hasSameSizeAs(expected.get(iface));
                for (int i = 0; i < expected.get(iface).size(); i++) {
                    assertThat(got.get(iface).get(i)).as("%s frame %d", iface, i).isEqualTo(expected.get(iface).get(i));
                }
            }

            // --switch narrows it to one switch's objects.
            Path one = disk.resolve("one.pcapng");
            r = withCredentials(s3, () -> LogExportTest.cli("log", "export", "--store", store, "--store-endpoint", s3.endpoint(),
                    "--switch", "sw-b", "--filter", FILTER, "-o", one.toString()));
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            long n = 0;
            try (CaptureReader cr = CaptureReader.open(one)) {
                while (cr.next()) {
                    assertThat(cr.interfaceName(cr.interfaceIndex())).startsWith("sw-b/");
                    n++;
                }
            }
            assertThat(n).isEqualTo(expected.get("sw-b/p1").size() + expected.get("sw-b/p2").size());
        }
    }

    /** The frames of {@code in} that tcpdump's {@link #FILTER} selects, in file order. */
    private List<byte[]> tcpdumpSelects(Path in) throws Exception {
        Path sel = in.resolveSibling(in.getFileName() + ".sel.pcap");
        String[] td = TestLog.run(List.of("tcpdump", "-r", in.toString(), "-w", sel.toString(), FILTER));
        assertThat(td[0]).as("tcpdump: %s", td[2]).isEqualTo("0");
        List<byte[]> frames = new ArrayList<>();
        try (CaptureReader cr = CaptureReader.open(sel)) {
            while (cr.next()) {
                frames.add(cr.data());
            }
        }
        assertThat(frames).as("the filter selects something from %s", in).isNotEmpty();
        return frames;
    }

    static void awaitReceived(ChildSwitch c, String port, long frames) throws Exception {
        String base = c.find("API at (http://\\S+)").group(1);
        Pattern rx = Pattern.compile("(?m)^pswitch_port_rx_frames_total\\{port=\"" + port + "\",?} (\\S+)$");
        long deadline = System.currentTimeMillis() + 120_000;
        try (HttpClient client = HttpClient.newHttpClient()) {
            while (true) {
                String body = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = rx.matcher(body);
                if (m.find() && (long) Double.parseDouble(m.group(1)) >= frames) {
                    return;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("port " + port + " did not receive its " + frames + " frames:\n" + body);
                }
                Thread.sleep(100);
            }
        }
    }

    private static String get(String url) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
            return r.body();
        }
    }

    /** The SDK's default chain in this JVM reads system properties, as a child process reads its environment. */
    static <T> T withCredentials(S3ProxyServer s3, java.util.concurrent.Callable<T> body) throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        props.put("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        props.put("aws.region", "us-east-1");
        props.forEach(System::setProperty);
        try {
            return body.call();
        } finally {
            props.keySet().forEach(System::clearProperty);
        }
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }
}

package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.archive.S3ProxyServer;
import io.pswitch.archive.ThreeTierLog;
import io.pswitch.archive.UdpFrames;
import io.pswitch.archive.object.ArchiveObjectDescriptor;
import io.pswitch.archive.query.ArchiveQuery;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.tier.ArchiveTierFile;
import io.pswitch.control.system.ChildSwitch;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentSummary;
import io.pswitch.pktlog.tier.TierLayout;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store goes down under a running {@code pswitch run} (S3Proxy stopped: connections refused),
 * stays down while traffic flows, and comes back on the same port: forwarding and local logging
 * go on throughout, the upload backlog shows in {@code /metrics} and {@code GET /api/v1/log}, and
 * once the store is back every sealed segment is uploaded and the backlog is empty again. Nothing
 * here waits for a time: each phase polls for what it needs, with a generous deadline.
 */
class ArchiveStoreDownTest {
    /** At the capture's own pace (1 ms apart): traffic flows for the whole outage. */
    private static final int FRAMES = 25_000;
    private static final long DEADLINE_MS = 180_000;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @Test
    void whileTheStoreIsDownForwardingAndLocalLoggingGoOnTheBacklogIsCountedAndEverythingIsUploadedOnceItIsBack() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer(); ArchiveStore store = s3.store("s3://fleet/archive")) {
            s3.createBucket("fleet");
            Path in = disk.resolve("in.pcap");
            UdpFrames.writeCapture(in, FRAMES);
            Path empty = disk.resolve("empty.pcap");
            PcapWriter.create(empty).close();
            Path data = disk.resolve("sw");
            // --log-size holds the whole run: nothing is deleted locally, so every sealed segment must reach the store.
            String[] args = {"--port", "p1=pcapfile:" + in + ",speed=original,out=" + disk.resolve("p1-out.pcap"),
                "--port", "p2=pcapfile:" + empty + ",out=" + disk.resolve("p2-out.pcap"),
                "--data-dir", data.toString(), "--log-size", "96M", "--segment-size", "1M",
                "--filter", "everything=greater 0", "--name", "down", "--archive", "s3://fleet/archive",
                "--archive-endpoint", s3.endpoint(), "-q"};
            try (ChildSwitch sw = ChildSwitch.start(disk.resolve("sw.out"), s3.credentialsEnv(), args)) {
                sw.awaitOutput("pswitch: archive: sealed segments to", 60_000);
                sw.awaitOutput("API at", 60_000);
                String base = sw.find("API at (http://\\S+)").group(1);
                await("a first object is uploaded", () -> !store.list("down/").isEmpty(), sw);

                s3.stop();
                String metrics = get(base + "/metrics");
                long forwarded = metric(metrics, "pswitch_port_tx_frames_total\\{port=\"p2\",?}");
                long logged = metric(metrics, "pswitch_log_segment_durable_seq");
                await("the backlog grows to 2 segments while the store is down",
                        () -> metric(get(base + "/metrics"), "pswitch_archive_backlog_segments") >= 2, sw);
                String during = get(base + "/metrics");
                assertThat(metric(during, "pswitch_port_tx_frames_total\\{port=\"p2\",?}")).as("frames forwarded while the store is down")
                        .isGreaterThan(forwarded);
                assertThat(metric(during, "pswitch_log_segment_durable_seq")).as("records logged locally while the store is down")
                        .isGreaterThan(logged);
                assertThat(metric(during, "pswitch_archive_failures_total")).as("failed attempts are counted").isPositive();
                String status = get(base + "/api/v1/log");
                Matcher backlog = Pattern.compile("\"backlogSegments\":(\\d+)").matcher(status);
                assertThat(backlog.find()).as(status).isTrue();
                assertThat(Long.parseLong(backlog.group(1))).as("GET /api/v1/log's backlog while the store is down").isPositive();

                s3.start();
                FleetExportTest.awaitReceived(sw, "p1", FRAMES);
                Path segmentsDir = data.resolve(TierLayout.SEGMENTS_DIR);
                ArchiveTierFile file = ArchiveTierFile.read(data);
                await("every sealed segment has its object and the backlog is empty", () -> {
                    TreeSet<Long> objects = objectNumbers(store, file.keyPrefix());
                    for (SegmentSummary s : new SegmentReader(segmentsDir, file.logId()).inspect().segments()) {
                        if (s.sealed() && !objects.contains(s.number())) {
                            return false;
                        }
                    }
                    return metric(get(base + "/metrics"), "pswitch_archive_backlog_segments") == 0;
                }, sw);
                String after = get(base + "/metrics");
                assertThat(metric(after, "pswitch_archive_lost_segments_total\\{cause=\"log-size\",?}")).isZero();
                assertThat(metric(after, "pswitch_archive_lost_segments_total\\{cause=\"disk-full\",?}")).isZero();

                // 143 = 128 + SIGTERM: the JVM's clean, signal-initiated shutdown.
                assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
                assertThat(sw.output()).containsPattern("archive: \\d+ object\\(s\\) uploaded, backlog 0 segment\\(s\\)\n");
            }

            // What the switch logged is in the archive, every record once, none missing.
            ArchiveQuery q = new ArchiveQuery(store);
            List<Long> seqs = new ArrayList<>();
            q.run(LogQuery.all(), List.of("down"), (o, r, frame, off) -> {
                seqs.add(r.sequence());
                return true;
            });
            assertThat(q.problems()).isEmpty();
            seqs.sort(null);
            assertThat(seqs).hasSize(FRAMES);
            for (int i = 0; i < seqs.size(); i++) {
                assertThat(seqs.get(i)).as("record %d", i).isEqualTo(i + 1L);
            }
        }
    }

    @Test
    void aStoreDownLongerThanTheLogSizeHoldsLosesTheOldestSegmentsNamedCountedAndReportedByReaders() throws Exception {
        int frames = 12_000;
        try (S3ProxyServer s3 = new S3ProxyServer(); ArchiveStore store = s3.store("s3://fleet/archive")) {
            s3.createBucket("fleet");
            Path in = disk.resolve("in.pcap");
            UdpFrames.writeCapture(in, frames);
            Path empty = disk.resolve("empty.pcap");
            PcapWriter.create(empty).close();
            Path data = disk.resolve("sw");
            // About 9 MB a pass through a 3 MiB log, passes until the test stops the switch: an
            // outage longer than the log holds, however slow the machine.
            String[] args = {"--port", "p1=pcapfile:" + in + ",speed=original,loop=40,out=" + disk.resolve("p1-out.pcap"),
                "--port", "p2=pcapfile:" + empty + ",out=" + disk.resolve("p2-out.pcap"),
                "--data-dir", data.toString(), "--log-size", "3M", "--segment-size", "1M",
                "--filter", "everything=greater 0", "--name", "small", "--archive", "s3://fleet/archive",
                "--archive-endpoint", s3.endpoint(), "-q"};
            long lostRecords = 0;
            long appended;
            try (ChildSwitch sw = ChildSwitch.start(disk.resolve("small.out"), s3.credentialsEnv(), args)) {
                sw.awaitOutput("API at", 60_000);
                String base = sw.find("API at (http://\\S+)").group(1);
                await("a first object is uploaded", () -> !store.list("small/").isEmpty(), sw);
                s3.stop();
                // At most 3 segments exist at the stop: 4 deleted after it include one sealed during the outage, never uploaded.
                long deletedAtStop = metric(get(base + "/metrics"), "pswitch_log_segments_deleted_total");
                await("retention deletes 4 segments during the outage",
                        () -> metric(get(base + "/metrics"), "pswitch_log_segments_deleted_total") >= deletedAtStop + 4, sw);
                assertThat(metric(get(base + "/metrics"), "pswitch_log_segment_bytes")).as("--log-size bounds the disk during the outage")
                        .isLessThanOrEqualTo(3L << 20);

                s3.start();
                // Counted by the uploader (its calls to a dead store may take their timeouts first).
                await("a segment is counted lost to --log-size", () -> metric(get(base + "/metrics"),
                        "pswitch_archive_lost_segments_total\\{cause=\"log-size\",?}") > 0, sw);
                sw.awaitOutput("was deleted locally before its upload (--log-size reached while the store was behind)", 60_000);
                assertThat(get(base + "/api/v1/log")).containsPattern("\"lostSegments\":[1-9]");
                await("the backlog is uploaded once the store is back",
                        () -> metric(get(base + "/metrics"), "pswitch_archive_backlog_segments") == 0, sw);
                String raw = rawGet(base, "/api/v1/log/packets");
                assertThat(raw).as("the trailer names the gap").containsPattern("(?i)x-pswitch-skipped: [^\r\n]*missing \\(records \\d+");
                sw.awaitOutput("log export: skipped", 10_000);
                assertThat(sw.output()).containsPattern("log export: skipped s3://fleet/archive/small/\\S+: missing \\(records \\d+");

                assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
                assertThat(sw.output()).containsPattern("archive: \\d+ object\\(s\\) uploaded, backlog 0 segment\\(s\\)\n");
                appended = Long.parseLong(sw.find("log closed: \\d+ records \\(seq \\d+\\.\\.(\\d+)\\)").group(1));
                Matcher lost = Pattern.compile("pswitch: archive: warning: \\S+: segment \\d+ \\(records (\\d+)\\.\\.(\\d+)\\)")
                        .matcher(sw.output());
                while (lost.find()) {
                    lostRecords += Long.parseLong(lost.group(2)) - Long.parseLong(lost.group(1)) + 1;
                }
                assertThat(lostRecords).as(sw.output()).isPositive();
            }

            // The tools read the stopped switch's log (archive and segments) as one: every record
            // but those named lost, and the gap named on standard error.
            Path all = disk.resolve("all.pcap");
            java.io.PrintStream savedErr = System.err;
            java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
            System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
            String[] r;
            try {
                r = FleetExportTest.withCredentials(s3, () -> LogExportTest.cli("log", "export", "--data-dir", data.toString(),
                        "-o", all.toString()));
            } finally {
                System.setErr(savedErr);
            }
            assertThat(r[0]).as("exit: %s %s %s", r[1], r[2], stderr).isEqualTo("0");
            assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8))
                    .containsPattern("skipped: s3://fleet/archive/small/\\S+: missing \\(records \\d+\\.\\.\\d+ are in no object\\)");
            assertThat(ThreeTierLog.readCapture(all)).as("every record but the lost ones").hasSize((int) (appended - lostRecords));
        }
    }

    /** One HTTP/1.1 request on a plain socket, the whole response as text: trailers included, which HttpClient does not show. */
    private static String rawGet(String base, String path) throws Exception {
        URI u = URI.create(base);
        try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + u.getHost() + "\r\nTE: trailers\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    private static TreeSet<Long> objectNumbers(ArchiveStore store, String keyPrefix) {
        TreeSet<Long> out = new TreeSet<>();
        for (ArchiveStore.ObjectInfo o : store.list(keyPrefix)) {
            out.add(ArchiveObjectDescriptor.segmentNumber(o.key().substring(o.key().lastIndexOf('/') + 1)));
        }
        return out;
    }

    /** Polls {@code condition} until it holds; fails with the switch's output when the deadline passes first. */
    private static void await(String what, CheckedCondition condition, ChildSwitch sw) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (!condition.holds()) {
            assertThat(sw.process().isAlive()).as("switch alive while waiting until %s:\n%s", what, sw.output()).isTrue();
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not reached: " + what + "\n" + sw.output() + "\n" + archiveMetrics(sw));
            }
            Thread.sleep(100);
        }
    }

    /** The switch's archive and segment figures, for a failure's message. */
    private static String archiveMetrics(ChildSwitch sw) {
        try {
            String base = sw.find("API at (http://\\S+)").group(1);
            return get(base + "/metrics").lines().filter(l -> l.startsWith("pswitch_archive_") || l.startsWith("pswitch_log_segment"))
                    .collect(java.util.stream.Collectors.joining("\n")) + "\n" + get(base + "/api/v1/log");
        } catch (Exception | AssertionError e) {
            return "(metrics: " + e + ")";
        }
    }

    @FunctionalInterface
    private interface CheckedCondition {
        boolean holds() throws Exception;
    }

    /** The value of the sample whose name (and labels) match {@code sample}, 0 when absent. */
    private static long metric(String body, String sample) {
        Matcher m = Pattern.compile("(?m)^" + sample + " (\\S+)$").matcher(body);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static String get(String url) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
            return r.body();
        }
    }
}

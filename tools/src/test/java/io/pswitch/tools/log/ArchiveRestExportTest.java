package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.archive.S3ProxyServer;
import io.pswitch.archive.ThreeTierLog;
import io.pswitch.archive.ThreeTierLog.Packet;
import io.pswitch.archive.UdpFrames;
import io.pswitch.archive.tier.ArchiveTierFile;
import io.pswitch.control.system.ChildSwitch;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.tier.TierLayout;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/log/packets} of a running switch that archives (to a real S3 server,
 * S3Proxy) and whose local retention has deleted its oldest segments once they were archived:
 * the stream holds the whole log, each frame once, in order, from the archive, the segments and
 * the hot tier; a time window across the archive and the segments too. The capture is played at
 * its own pace (1 ms apart), several times, so that uploads keep up and retention finds archived segments to delete.
 */
class ArchiveRestExportTest {
    private static final int FRAMES = 8000;
    /** The capture is played this many times: segments keep rolling after the uploads caught up, so retention deletes archived ones. */
    private static final int LOOPS = 4;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @Test
    void packetsStreamReadsTheArchiveBelowTheSegments() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("fleet");
            Path in = disk.resolve("in.pcap");
            UdpFrames.writeCapture(in, FRAMES);
            Path data = disk.resolve("data");
            try (ChildSwitch c = ChildSwitch.start(disk.resolve("switch.out"), s3.credentialsEnv(),
                    "--port", "p1=pcapfile:" + in + ",out=" + disk.resolve("out.pcap") + ",speed=original,loop=" + LOOPS, "--data-dir", data.toString(),
                    "--log-size", "8M", "--segment-size", "1M", "--filter", "everything=greater 0", "--name", "edge-1",
                    "--archive", "s3://fleet/archive", "--archive-endpoint", s3.endpoint(), "-q")) {
                c.awaitOutput("API at", 60_000);
                String base = c.find("API at (http://\\S+)").group(1);
                FleetExportTest.awaitReceived(c, "p1", (long) FRAMES * LOOPS);
                long local = awaitArchivedAndDeleted(data, c, base);
                assertThat(ArchiveTierFile.read(data)).as("the switch says where its archive is").isNotNull();

                Path all = disk.resolve("all.pcap");
                get(base + "/api/v1/log/packets", all);
                List<Packet> got = ThreeTierLog.readCapture(all);
                assertThat(got).hasSize(FRAMES * LOOPS);
                for (int i = 0; i < got.size(); i++) {
                    assertThat(got.get(i).frame()).as("frame %d", i + 1).isEqualTo(UdpFrames.frame(i % FRAMES + 1));
                }

                // A window from the archive into the segments: the records of the whole log's export in it.
                long from = got.get((int) local - 300).ts();
                long to = got.get((int) local + 300).ts();
                Path window = disk.resolve("window.pcap");
                get(base + "/api/v1/log/packets?from=" + iso(from) + "&to=" + iso(to), window);
                List<Packet> expected = got.stream().filter(p -> p.ts() >= from && p.ts() < to).toList();
                List<Packet> w = ThreeTierLog.readCapture(window);
                // About 600: records that share the bounds' receive time (one batch) fall on either side of them.
                assertThat(w).hasSameSizeAs(expected).hasSizeGreaterThanOrEqualTo(500);
                for (int i = 0; i < w.size(); i++) {
                    assertThat(w.get(i).ts()).isEqualTo(expected.get(i).ts());
                    assertThat(w.get(i).frame()).isEqualTo(expected.get(i).frame());
                }
            }
        }
    }

    /** Waits until the switch's oldest local segments are gone (archived first); the first sequence still local. */
    private static long awaitArchivedAndDeleted(Path data, ChildSwitch c, String base) throws Exception {
        TierLayout layout = TierLayout.read(data);
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            long oldest = new SegmentReader(layout.segmentsDir(), layout.logId()).oldestSeq();
            if (oldest > 1000) {
                return oldest;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("local retention deleted no archived segment: oldest local record " + oldest + "\n"
                        + c.output() + "\n" + getText(base + "/api/v1/log"));
            }
            Thread.sleep(100);
        }
    }

    private static String getText(String url) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static void get(String url, Path to) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<Path> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofFile(to));
            if (r.statusCode() != 200) {
                throw new AssertionError(url + ": " + r.statusCode() + " " + Files.readString(to, StandardCharsets.ISO_8859_1));
            }
        }
    }


    private static String iso(long ns) {
        return URLEncoder.encode(Instant.ofEpochSecond(0, ns).toString(), StandardCharsets.UTF_8);
    }
}

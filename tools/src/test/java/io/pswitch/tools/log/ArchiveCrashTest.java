package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.archive.S3ProxyServer;
import io.pswitch.archive.UdpFrames;
import io.pswitch.archive.query.ArchiveQuery;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.control.system.ChildSwitch;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A switch archiving under a local capacity smaller than its traffic is killed (SIGKILL) while it
 * uploads, then started again and stopped cleanly. The archive then holds every record exactly
 * once, from the first on: no object half-written (every chunk verifies), none duplicated, no
 * multipart upload left behind, and no segment deleted locally before its object was verified
 * (a segment deleted early would be a gap).
 */
class ArchiveCrashTest {
    private static final int FRAMES = 12_000;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @Test
    void aCrashMidUploadThenARestartLeavesEveryRecordArchivedOnce() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer(); ArchiveStore store = s3.store("s3://fleet/archive")) {
            s3.createBucket("fleet");
            Path in = disk.resolve("in.pcap");
            UdpFrames.writeCapture(in, FRAMES);
            Path empty = disk.resolve("empty.pcap");
            PcapWriter.create(empty).close();
            List<String> common = List.of("--data-dir", disk.resolve("sw").toString(), "--log-size", "32M", "--segment-size", "1M",
                    "--filter", "everything=greater 0", "--name", "crash", "--archive", "s3://fleet/archive",
                    "--archive-endpoint", s3.endpoint(), "-q");
            List<String> first = new ArrayList<>(List.of("--port", "p1=pcapfile:" + in + ",out=" + disk.resolve("out1.pcap")));
            first.addAll(common);
            try (ChildSwitch sw = ChildSwitch.start(disk.resolve("first.out"), s3.credentialsEnv(), first.toArray(String[]::new))) {
                sw.awaitOutput("pswitch: archive: sealed segments", 60_000);
                // Killed once uploads are under way: wherever the kill lands, the checks below hold.
                while (store.list("crash/").size() < 2) {
                    assertThat(sw.process().isAlive()).as(sw.output()).isTrue();
                    Thread.sleep(20);
                }
                sw.kill();
            }
            List<String> second = new ArrayList<>(List.of("--port", "p1=pcapfile:" + empty + ",out=" + disk.resolve("out2.pcap")));
            second.addAll(common);
            try (ChildSwitch sw = ChildSwitch.start(disk.resolve("second.out"), s3.credentialsEnv(), second.toArray(String[]::new))) {
                sw.awaitOutput("API at", 60_000);
                assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
                assertThat(sw.output()).containsPattern("archive: \\d+ object\\(s\\) uploaded, backlog 0 segment\\(s\\)\n");
            }

            assertThat(store.client().listMultipartUploads(r -> r.bucket("fleet")).uploads()).as("multipart uploads left").isEmpty();
            ArchiveQuery q = new ArchiveQuery(store);
            List<Long> seqs = new ArrayList<>();
            q.run(LogQuery.all(), List.of("crash"), (o, r, frame, off) -> {
                seqs.add(r.sequence());
                return true;
            });
            assertThat(q.problems()).as("every object and chunk verifies").isEmpty();
            assertThat(seqs).as("records archived").isNotEmpty();
            List<Long> sorted = new ArrayList<>(seqs);
            sorted.sort(null);
            for (int i = 0; i < sorted.size(); i++) {
                assertThat(sorted.get(i)).as("record %d: once each, from the first, no gap", i).isEqualTo(i + 1L);
            }
        }
    }
}

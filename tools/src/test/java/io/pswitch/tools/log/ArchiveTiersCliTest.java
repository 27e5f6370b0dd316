package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.archive.S3ProxyServer;
import io.pswitch.archive.ThreeTierLog;
import io.pswitch.archive.UdpFrames;
import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectReader;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import io.pswitch.tools.cli.Pswitch;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The log tools on a switch's data directory whose oldest segments are in the archive only (a
 * real S3 server, S3Proxy): they find the archive through {@code DIR/archive.json} and read the
 * three tiers as one log; a damaged archive object is named on standard error and skipped, and
 * {@code log verify} names it.
 */
class ArchiveTiersCliTest {
    private static final int DRAINED = 9_000;
    private static final int HOT_ONLY = 120;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path poolDir;

    private S3ProxyServer s3;
    private ThreeTierLog t;

    @BeforeEach
    void start() {
        s3 = new S3ProxyServer();
        s3.createBucket("fleet");
        t = ThreeTierLog.build(disk.resolve("data"), poolDir, s3, DRAINED, HOT_ONLY);
        // The SDK's default chain, as an operator's environment gives it.
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        System.setProperty("aws.region", "us-east-1");
    }

    @AfterEach
    void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        System.clearProperty("aws.region");
        t.close();
        s3.close();
    }

    /** Runs the CLI in this JVM: exit code, standard output, standard error. */
    private static String[] cli(String... args) {
        CommandLine cl = Pswitch.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        PrintStream out = System.out;
        PrintStream errStream = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = cl.execute(args);
        } finally {
            System.setOut(out);
            System.setErr(errStream);
        }
        return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), err + e.toString(StandardCharsets.UTF_8)};
    }

    private static List<Long> exported(Path capture) {
        List<Long> seqs = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(capture)) {
            while (r.next()) {
                long seq = (r.timestampNs() - UdpFrames.BASE_TS) / UdpFrames.SPACING_NS;
                assertThat(r.data()).as("bytes of record %d", seq).isEqualTo(UdpFrames.frame(seq));
                seqs.add(seq);
            }
        }
        return seqs;
    }

    private static List<Long> range(long from, long to) {
        List<Long> l = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            l.add(s);
        }
        return l;
    }

    @Test
    void exportReadsArchiveSegmentsAndHotTierAsOneLog() {
        String dir = t.dataDir().toString();
        Path out = disk.resolve("all.pcapng");
        String[] r = cli("log", "export", "--data-dir", dir, "-o", out.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[2]).doesNotContain("skipped");
        assertThat(exported(out)).containsExactlyElementsOf(range(1, DRAINED + HOT_ONLY));

        long local = t.localOldestSeq();
        assertThat(local).as("the oldest segments are in the archive only").isGreaterThan(1000);
        Path window = disk.resolve("window.pcap");
        r = cli("log", "export", "--data-dir", dir, "--from", iso(local - 250), "--to", iso(local + 250), "-o", window.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(exported(window)).containsExactlyElementsOf(range(local - 250, local + 249));

        Path localOnly = disk.resolve("local.pcap");
        r = cli("log", "export", "--data-dir", dir, "--no-archive", "-o", localOnly.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(exported(localOnly)).containsExactlyElementsOf(range(local, DRAINED + HOT_ONLY));

        r = cli("log", "inspect", "--data-dir", dir);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("archive tier:     " + t.store().name(t.file().keyPrefix()), "(seq 1..");
    }

    @Test
    void aDamagedObjectIsNamedOnStandardErrorSkippedAndVerifyFails() {
        String dir = t.dataDir().toString();
        String verify = cli("log", "verify", "--data-dir", dir)[1];
        assertThat(verify).contains("archive tier: ").doesNotContain("bad object");
        ArchiveStore store = t.store();
        String key = store.list(t.file().keyPrefix()).get(1).key();
        ArchiveManifest m = ArchiveObjectReader.manifest(store, key);
        ArchiveManifest.Chunk c = m.chunks().get(0);
        byte[] all = store.get(key, 0, (int) store.head(key).size());
        all[(int) (c.offset() + 10)] ^= 0x33;
        ArchiveStore.Head h = store.head(key);
        store.client().putObject(b -> b.bucket("fleet").key(store.location().key(key)).metadata(h.metadata()), RequestBody.fromBytes(all));

        Path out = disk.resolve("rest.pcap");
        String[] r = cli("log", "export", "--data-dir", dir, "-o", out.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[2].lines().filter(l -> l.startsWith("skipped: "))).singleElement().asString()
                .contains(store.name(key), "chunk 0", "CRC mismatch");
        List<Long> expected = range(1, c.firstSeq() - 1);
        expected.addAll(range(c.lastSeq() + 1, DRAINED + HOT_ONLY));
        assertThat(exported(out)).containsExactlyElementsOf(expected);

        r = cli("log", "verify", "--data-dir", dir);
        assertThat(r[0]).isEqualTo(Integer.toString(VerifyCommand.EXIT_BAD_RECORDS));
        assertThat(r[1]).contains("bad object: " + store.name(key) + ": chunk 0", "log has problems");
    }

    private static String iso(long seq) {
        return java.time.Instant.ofEpochSecond(0, UdpFrames.ts(seq)).toString();
    }
}

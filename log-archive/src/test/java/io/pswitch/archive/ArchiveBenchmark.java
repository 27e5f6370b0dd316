package io.pswitch.archive;

import io.pswitch.archive.query.ArchiveQuery;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.upload.ArchiveCounters;
import io.pswitch.archive.upload.ArchiveUploader;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import io.pswitch.pktlog.segment.SegmentConfig;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive tier's figures for BENCHMARKS.md, run on demand only (it asserts nothing about
 * speed; it prints):
 * <pre>
 * flock /tmp/pswitch-bench.lock mvn -B -pl log-archive -am -Dtest=ArchiveBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dpswitch.archive.bench=true \
 *     [-Dpswitch.archive.bench.records=1000000] verify
 * </pre>
 * An S3Proxy on a filesystem blob store (/var/tmp), 64 MiB segments on /var/tmp with direct I/O;
 * the records are the tests' UDP frames (60..1400 bytes, payload a byte ramp). Prints the
 * compression ratio, the upload throughput (build + upload + read-back verification), and a 1 %
 * time window exported from the archive and from the local segments, five of each interleaved,
 * median [min-max].
 */
@EnabledIfSystemProperty(named = "pswitch.archive.bench", matches = "true")
class ArchiveBenchmark {
    private static final UUID LOG_ID = UUID.fromString("a5c1e000-0000-4000-8000-0000000000be");

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @Test
    void compressionUploadAndWindowExport() {
        long records = Long.getLong("pswitch.archive.bench.records", 1_000_000L);
        Path segments = disk.resolve("segments");
        try (S3ProxyServer s3 = new S3ProxyServer(disk.resolve("blobs")); UdpFrames frames = new UdpFrames()) {
            s3.createBucket("bench");
            long t0 = System.nanoTime();
            try (SegmentWriter w = SegmentWriter.open(segments, LOG_ID, SegmentConfig.of(1L << 40, SegmentConfig.DEFAULT_SEGMENT_SIZE))) {
                frames.write(w, 1, records);
                w.seal();
            }
            long writeNs = System.nanoTime() - t0;
            try (ArchiveStore store = s3.store("s3://bench/archive")) {
                ArchiveUploader u = new ArchiveUploader(new ArchiveUploader.Settings(store, "bench", LOG_ID, segments,
                        disk.resolve("staging"), () -> LogCatalog.EMPTY, 0, 1 << 20, 3), new SystemEpochNanoClock());
                long u0 = System.nanoTime();
                if (!u.finish(new SystemEpochNanoClock().nanoTime() + 3_600_000_000_000L)) {
                    throw new AssertionError("upload did not finish: " + u.status());
                }
                long uploadNs = System.nanoTime() - u0;
                ArchiveCounters.Snapshot st = u.status();
                System.out.printf(Locale.ROOT, "archive bench: %d records, %d segment(s) written in %.1f s%n", records, st.uploaded(),
                        writeNs / 1e9);
                System.out.printf(Locale.ROOT, "archive bench: compression %.2fx (%d record bytes -> %d object bytes, zstd level 3,"
                        + " 1 MiB chunks)%n", st.compressionRatio(), st.rawBytes(), st.objectBytes());
                System.out.printf(Locale.ROOT, "archive bench: upload (build + PUT + read-back verify) %.1f s, %.1f MB/s of records,"
                        + " %.1f MB/s on the wire%n", uploadNs / 1e9, st.rawBytes() / 1e6 / (uploadNs / 1e9),
                        st.objectBytes() / 1e6 / (uploadNs / 1e9));

                long from = UdpFrames.ts(records / 2);
                long to = UdpFrames.ts(records / 2 + records / 100);
                LogQuery window = LogQuery.between(from, to);
                long[] archiveNs = new long[5];
                long[] localNs = new long[5];
                long[] counts = new long[2];
                long fetched = 0;
                for (int i = 0; i < 5; i++) {
                    long a = System.nanoTime();
                    ArchiveQuery q = new ArchiveQuery(store);
                    counts[0] = q.run(window, null, (o, r, f, off) -> true);
                    archiveNs[i] = System.nanoTime() - a;
                    fetched = q.bytesFetched();
                    long b = System.nanoTime();
                    counts[1] = new SegmentReader(segments, LOG_ID).query(window, (r, f, off) -> true);
                    localNs[i] = System.nanoTime() - b;
                }
                System.out.printf(Locale.ROOT, "archive bench: 1%% window (%d records): archive %s ms (%d bytes fetched),"
                        + " local segments %s ms (%d records)%n", counts[0], stats(archiveNs), fetched, stats(localNs), counts[1]);
            }
        }
    }

    private static String stats(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f [%.1f-%.1f]", s[s.length / 2] / 1e6, s[0] / 1e6, s[s.length - 1] / 1e6);
    }
}

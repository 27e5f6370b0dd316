package io.pswitch.archive;

import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.tier.ArchiveTierFile;
import io.pswitch.archive.tier.ArchivedSegments;
import io.pswitch.archive.upload.ArchiveCounters;
import io.pswitch.archive.upload.ArchiveUploader;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.export.ExportResult;
import io.pswitch.pktlog.export.LogExporter;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import io.pswitch.pktlog.segment.SegmentConfig;
import io.pswitch.pktlog.segment.SegmentWriter;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TierLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
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
 *     [-Dpswitch.archive.bench.records=1000000] [-Dpswitch.archive.bench.runs=5] verify
 * </pre>
 * A log of N records (the tests' UDP frames, 60..1400 bytes, 1 ms apart, payloads pseudo-random:
 * as incompressible as encrypted traffic) in 64 MiB segments on /var/tmp (direct I/O), and an
 * S3Proxy on a filesystem blob store there too. Then:
 * <ul>
 *   <li>upload: the whole log archived {@code runs} times (each under a switch name of its own),
 *       build + PUT + read-back verification, as the switch's uploader does it;</li>
 *   <li>a 1 % time window exported to pcap through the one exporter ({@code log export}'s path),
 *       from a data directory whose segments all left the disk (so from the archive: manifests,
 *       then ranged GETs of the chunks needed) and from the local segments, interleaved,
 *       {@code runs} of each, each from a freshly opened log (no manifest cached).</li>
 * </ul>
 * Median [min-max] of each.
 */
@EnabledIfSystemProperty(named = "pswitch.archive.bench", matches = "true")
class ArchiveBenchmark {
    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @Test
    void compressionUploadAndWindowExport() throws Exception {
        long records = Long.getLong("pswitch.archive.bench.records", 1_000_000L);
        int runs = Integer.getInteger("pswitch.archive.bench.runs", 5);
        Path local = disk.resolve("local");
        TierLayout layout = TierLayout.decide(local, disk.resolve("pool"), false);
        try (S3ProxyServer s3 = new S3ProxyServer(disk.resolve("blobs")); UdpFrames frames = new UdpFrames()) {
            s3.createBucket("bench");
            long t0 = System.nanoTime();
            try (SegmentWriter w = SegmentWriter.open(layout.segmentsDir(), layout.logId(),
                    SegmentConfig.of(16L << 30, SegmentConfig.DEFAULT_SEGMENT_SIZE))) {
                frames.write(w, 1, records, true);
                w.seal();
            }
            System.out.printf(Locale.ROOT, "archive bench: %d records written to segments in %.1f s%n", records,
                    (System.nanoTime() - t0) / 1e9);
            try (ArchiveStore store = s3.store("s3://bench/archive")) {
                long[] uploadNs = new long[runs];
                ArchiveCounters.Snapshot st = null;
                for (int i = 0; i < runs; i++) {
                    ArchiveUploader u = new ArchiveUploader(new ArchiveUploader.Settings(store, "bench-" + i, layout.logId(),
                            layout.segmentsDir(), disk.resolve("staging-" + i), () -> LogCatalog.EMPTY, 0, 1 << 20, 3),
                            new SystemEpochNanoClock());
                    long u0 = System.nanoTime();
                    if (!u.finish(new SystemEpochNanoClock().nanoTime() + 3_600_000_000_000L)) {
                        throw new AssertionError("upload did not finish: " + u.status());
                    }
                    uploadNs[i] = System.nanoTime() - u0;
                    st = u.status();
                }
                System.out.printf(Locale.ROOT, "archive bench: %d object(s) per upload; compression %.3fx (%d record bytes ->"
                        + " %d object bytes, zstd level 3, 1 MiB chunks)%n", st.uploaded(), st.compressionRatio(), st.rawBytes(),
                        st.objectBytes());
                System.out.printf(Locale.ROOT, "archive bench: upload (build + PUT + read-back verify), %d runs: %s s;"
                        + " %s MB/s of records%n", runs, stats(uploadNs, 1e9), rate(uploadNs, st.rawBytes()));

                // A data directory whose segments all left the disk: everything is in the archive.
                Path archived = disk.resolve("archived");
                TierLayout archivedLayout = TierLayout.decide(archived, disk.resolve("pool"), false);
                Files.createDirectories(archivedLayout.segmentsDir());
                ArchiveTierFile file = new ArchiveTierFile(store.location(), s3.endpoint(), "bench-0", layout.logId());
                long from = UdpFrames.ts(records / 2);
                long to = UdpFrames.ts(records / 2 + records / 100);
                LogQuery window = LogQuery.between(from, to);
                long[] archiveNs = new long[runs];
                long[] localNs = new long[runs];
                long[] counts = new long[2];
                long fetched = 0;
                long chunks = 0;
                for (int i = 0; i < runs; i++) {
                    long a = System.nanoTime();
                    ArchivedSegments older = new ArchivedSegments(store, file);
                    try (LogView log = LogView.open(archived, older)) {
                        ExportResult r = new LogExporter(log, LogCatalog.EMPTY).export(window, CaptureFormat.PCAP,
                                disk.resolve("window-archive.pcap"), 0, null);
                        counts[0] = r.records();
                        if (!r.skippedObjects().isEmpty()) {
                            throw new AssertionError("archive export skipped " + r.skippedObjects());
                        }
                    }
                    archiveNs[i] = System.nanoTime() - a;
                    fetched = older.bytesFetched();
                    chunks = older.chunksFetched();
                    long b = System.nanoTime();
                    try (LogView log = LogView.open(local)) {
                        counts[1] = new LogExporter(log, LogCatalog.EMPTY).export(window, CaptureFormat.PCAP,
                                disk.resolve("window-local.pcap"), 0, null).records();
                    }
                    localNs[i] = System.nanoTime() - b;
                }
                System.out.printf(Locale.ROOT, "archive bench: 1%% window export to pcap, %d runs interleaved: from the archive"
                        + " %s ms (%d records, %d chunks, %d bytes fetched), from local segments %s ms (%d records)%n", runs,
                        stats(archiveNs, 1e6), counts[0], chunks, fetched, stats(localNs, 1e6), counts[1]);
                if (counts[0] != counts[1] || Files.size(disk.resolve("window-archive.pcap")) != Files.size(disk.resolve("window-local.pcap"))) {
                    throw new AssertionError("the two exports differ: " + counts[0] + " vs " + counts[1] + " records");
                }
            }
        }
    }

    private static String stats(long[] ns, double unit) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f [%.1f-%.1f]", s[s.length / 2] / unit, s[0] / unit, s[s.length - 1] / unit);
    }

    private static String rate(long[] ns, long bytes) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f [%.1f-%.1f]", bytes / 1e6 / (s[s.length / 2] / 1e9),
                bytes / 1e6 / (s[s.length - 1] / 1e9), bytes / 1e6 / (s[0] / 1e9));
    }
}

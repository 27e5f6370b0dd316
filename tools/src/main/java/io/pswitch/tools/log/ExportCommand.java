package io.pswitch.tools.log;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.export.CaptureSink;
import io.pswitch.pktlog.export.ExportResult;
import io.pswitch.pktlog.export.LogExporter;
import io.pswitch.pktlog.export.SplitNames;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.tier.LogView;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pswitch log export}: selected records to pcap (ns) or pcapng. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Export logged frames to pcap (nanosecond timestamps) or pcapng.",
                "pcapng has one interface per switch port, named after it, and a comment per packet",
                "naming the filters that logged it (and, for frames from a vxlan port, the VNI and the",
                "VTEP that sent them). Reads every tier as one log: the hot tier, the segments on disk and,",
                "when the switch archives (DIR/archive.json), the archive below them.",
                "Safe while a switch writes the log: records",
                "retired during the export are skipped and counted, never written half-overwritten.",
                "With --store instead of --data-dir: the fleet query, over the archives of the switches",
                "under s3://bucket/prefix (no switch needs to run); one interface per (switch, port)."})
public final class ExportCommand implements Callable<Integer> {
    @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR",
            description = "The switch's data directory (segments, tiers.json, log-catalog.json; the pool when in place).")
    Path dir;

    @Option(names = "--no-archive",
            description = "With --data-dir: the local tiers only, even when the switch archives (DIR/archive.json).")
    boolean noArchive;

    @Option(names = "--store", paramLabel = "s3://BUCKET/PREFIX",
            description = {"Export from the archive instead: every switch's objects under PREFIX (credentials and",
                    "region from the AWS SDK's default chain)."})
    String store;

    @Option(names = "--store-endpoint", paramLabel = "URL", description = "S3-compatible endpoint (MinIO, Ceph RGW, S3Proxy): path-style addressing.")
    String storeEndpoint;

    @Option(names = "--switch", arity = "1..*", paramLabel = "NAME", description = "With --store: only these switches. Default: all.")
    List<String> switches = new ArrayList<>();

    @Mixin
    Selection selection;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "pcap or pcapng. Default: from the output's extension (.pcapng), else pcap.")
    CaptureFormat format;

    @Option(names = "--split", paramLabel = "SIZE",
            description = "Roll to a new file at about SIZE (e.g. 100M, 1G): out-000.pcap, out-001.pcap, ...")
    String split;

    @Option(names = "--json", description = "Print a one-line JSON summary instead of text.")
    boolean json;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
            description = "Output capture file; '-' for standard output (e.g. | tshark -r -).")
    Path output;

    @Override
    public Integer call() {
        long splitBytes = split == null ? 0 : SplitNames.parseSize(split);
        boolean toStdout = output.toString().equals(CaptureSink.STDOUT);
        if (toStdout && splitBytes > 0) {
            throw new IllegalArgumentException("--split needs a file name, not '-o -'");
        }
        CaptureFormat f = CaptureFormat.choose(format, output);
        if (store != null) {
            return FleetExport.run(this, f);
        }
        if (dir == null) {
            throw new IllegalArgumentException("log export needs --data-dir DIR (a switch's log) or --store s3://bucket/prefix (the archive)");
        }
        if (storeEndpoint != null || !switches.isEmpty()) {
            throw new IllegalArgumentException("--store-endpoint and --switch apply to --store s3://bucket/prefix");
        }
        DataDir dataDir = new DataDir(dir, noArchive);
        LogCatalog catalog = dataDir.catalog();
        LogQuery sel = selection.resolve(catalog, Clock.nowNs());
        // With the capture on standard output, the summary goes to standard error.
        PrintStream out = toStdout ? System.err : System.out;
        try (LogView log = dataDir.openLog()) {
            LogExporter exporter = new LogExporter(log, catalog);
            ExportResult r;
            if (System.console() != null && !json && !toStdout) {
                long[] window = exporter.window();
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("export").setInitialMax(window[1] - window[0])
                        .setStyle(ProgressBarStyle.ASCII).setUnit(" rec", 1).continuousUpdate().build()) {
                    LongConsumer progress = seq -> bar.stepTo(Math.max(0, seq - window[0]));
                    r = exporter.export(sel, f, output, splitBytes, progress);
                    bar.stepTo(window[1] - window[0]);
                }
            } else {
                r = exporter.export(sel, f, output, splitBytes, null);
            }
            if (json) {
                out.println(r.toJson());
            } else {
                out.printf(Locale.ROOT, "exported %d records (%d bytes) to %s in %.3f s (%.0f records/s)%n", r.records(),
                        r.bytes(), r.files().size() == 1 ? r.files().getFirst() : r.files().size() + " files (" + r.files().getFirst()
                                + " ... " + r.files().getLast() + ")", r.elapsedNs() / 1e9, r.recordsPerSecond());
                if (r.skippedRetired() > 0 || r.crcMismatches() > 0) {
                    out.printf("skipped: %d retired during the export, %d failing their CRC%n", r.skippedRetired(), r.crcMismatches());
                }
            }
            // Archive objects or chunks that were missing or failed their CRC: named, never exported.
            for (String p : r.skippedObjects()) {
                System.err.println("skipped: " + p);
            }
        }
        return 0;
    }
}

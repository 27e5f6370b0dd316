package io.pswitch.tools.log;

import io.pswitch.archive.tier.ArchiveVerifier;
import io.pswitch.archive.tier.ArchivedSegments;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentRecoveryReport;
import io.pswitch.pktlog.tier.TierLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.index.LogVerifier;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pswitch log verify}: offline check of every record; exit 1 when any is bad. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check every record of a log offline; exit 1 if any is bad.",
                "Both tiers: every segment (refused ones by name, damaged chunks, records failing their",
                "CRC), the hot tier (every bad record with its reason) and, when the switch archives",
                "(DIR/archive.json), every archive object of its log: manifest and chunk CRCs, bad ones by name.",
                "Exit 0 when clean, 1 when any record is bad or the index is truncated.",
                "Reads only (the switch should be stopped: records it writes meanwhile may show as bad)."})
public final class VerifyCommand implements Callable<Integer> {
    public static final int EXIT_BAD_RECORDS = 1;

    @Mixin
    DataDir dataDir;

    @Override
    public Integer call() {
        Path dir = dataDir.dir();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no data directory " + dir);
        }
        TierLayout layout = TierLayout.forReading(dir);
        boolean hot = Files.isRegularFile(layout.poolFile()) && Files.isRegularFile(layout.indexFile());
        boolean segments = layout.logId() != null && Files.isDirectory(layout.segmentsDir());
        ArchivedSegments archive = dataDir.openArchive();
        if (!hot && !segments && archive == null) {
            throw new IllegalArgumentException("no packet log in " + dir + ": neither a hot tier (" + layout.poolFile()
                    + ") nor segments (" + layout.segmentsDir() + ")");
        }
        PrintStream out = System.out;
        boolean clean = true;
        if (archive != null) {
            try (archive) {
                clean &= verifyArchive(archive, out);
            }
        }
        if (segments) {
            clean &= verifySegments(layout, out);
        }
        if (hot) {
            clean &= verifyHotTier(layout, out);
        } else {
            out.println("hot tier: none (a clean stop drained it into the segments)");
        }
        out.println(clean ? "log is clean" : "log has problems");
        return clean ? 0 : EXIT_BAD_RECORDS;
    }

    /** Every archive object of the log, read whole: manifest, chunk CRCs, records against the manifest. */
    private static boolean verifyArchive(ArchivedSegments archive, PrintStream out) {
        ArchiveVerifier.Report r = ArchiveVerifier.verify(archive);
        out.println("archive tier: " + archive.describe() + ": " + r.objects() + " object(s), " + r.chunks() + " good chunk(s), "
                + r.records() + " valid records" + (r.records() == 0 ? "" : " (seq " + r.firstSeq() + ".." + r.lastSeq() + ")"));
        r.bad().forEach(b -> out.println("  bad object: " + b));
        return r.clean();
    }

    /** Every segment's header and every chunk's and record's CRC; refused segments and damaged chunks by name. */
    private static boolean verifySegments(TierLayout layout, PrintStream out) {
        SegmentReader reader = new SegmentReader(layout.segmentsDir(), layout.logId());
        SegmentRecoveryReport report = reader.inspect();
        long[] span = {0, 0, 0};
        long read = reader.query(LogQuery.all(), (rec, frame, off) -> {
            if (span[2]++ == 0) {
                span[0] = rec.timestampNs();
            }
            span[1] = rec.timestampNs();
            return true;
        });
        out.println("segment tier: " + report.segments().size() + " segment(s), " + read + " valid records"
                + (report.segments().isEmpty() ? "" : " (seq " + report.firstSeq() + ".." + report.lastSeq() + ")"));
        if (read > 0) {
            out.println("  time span: " + TimeSpec.format(span[0]) + " .. " + TimeSpec.format(span[1]));
        }
        report.refused().forEach(r -> out.println("  refused segment: " + r));
        report.dropped().forEach(d -> out.println("  damaged chunk: " + d));
        if (reader.crcMismatches() > 0 || reader.damagedChunks() > 0) {
            out.println("  records failing their CRC: " + reader.crcMismatches() + ", damaged chunks: " + reader.damagedChunks());
        }
        return report.refused().isEmpty() && report.dropped().isEmpty() && reader.crcMismatches() == 0 && reader.damagedChunks() == 0;
    }

    private static boolean verifyHotTier(TierLayout layout, PrintStream out) {
        LogVerifier.Report report = LogVerifier.verify(layout.poolFile(), layout.indexFile());
        out.println("hot tier: " + report.validRecords() + " valid records" + (report.validRecords() == 0 ? ""
                : " (seq " + report.oldestSeq() + ".." + report.newestSeq() + ")"));
        if (report.validRecords() > 0) {
            out.println("  time span: " + TimeSpec.format(report.oldestTimestampNs()) + " .. "
                    + TimeSpec.format(report.newestTimestampNs()) + " (" + report.timeSpanNs() / 1_000_000 + " ms)");
        }
        out.println("  retired records still present: " + report.retired());
        if (report.truncatedBytes() > 0) {
            out.println("  index file truncated: " + report.truncatedBytes() + " bytes missing");
        }
        out.println("  bad records: " + report.bad().size());
        report.bad().forEach(d -> out.println("    " + d));
        return report.clean();
    }
}

package io.pswitch.tools.log;

import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.index.LogVerifier;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pswitch log verify}: offline check of every record; exit 1 when any is bad. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check every record of a log offline; exit 1 if any is bad.",
                "Prints the valid records and their time span, then every bad record with its reason.",
                "Exit 0 when clean, 1 when any record is bad or the index is truncated.",
                "Reads only (the switch should be stopped: records it writes meanwhile may show as bad)."})
public final class VerifyCommand implements Callable<Integer> {
    public static final int EXIT_BAD_RECORDS = 1;

    @Mixin
    DataDir dataDir;

    @Override
    public Integer call() {
        dataDir.check();
        LogVerifier.Report report = LogVerifier.verify(dataDir.poolPath(), dataDir.indexPath());
        PrintStream out = System.out;
        out.println("valid records: " + report.validRecords() + (report.validRecords() == 0 ? ""
                : " (seq " + report.oldestSeq() + ".." + report.newestSeq() + ")"));
        if (report.validRecords() > 0) {
            out.println("time span: " + TimeSpec.format(report.oldestTimestampNs()) + " .. "
                    + TimeSpec.format(report.newestTimestampNs()) + " (" + report.timeSpanNs() / 1_000_000 + " ms)");
        }
        out.println("retired records still present: " + report.retired());
        if (report.truncatedBytes() > 0) {
            out.println("index file truncated: " + report.truncatedBytes() + " bytes missing");
        }
        out.println("bad records: " + report.bad().size());
        report.bad().forEach(d -> out.println("  " + d));
        out.println(report.clean() ? "log is clean" : "log has problems");
        return report.clean() ? 0 : EXIT_BAD_RECORDS;
    }
}

package io.pswitch.pktlog.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Offline verification of a data directory's pool and index (for {@code pswitch log verify}):
 * reads both without changing them and reports the valid window and every bad record with its
 * reason. Must not run against files a running switch has open.
 */
public final class LogVerifier {
    private LogVerifier() {
    }

    /**
     * The outcome of a verification.
     *
     * @param validRecords records in the valid run
     * @param oldestSeq first valid sequence
     * @param newestSeq last valid sequence (oldestSeq - 1 when none)
     * @param oldestTimestampNs time of the first valid record (0 when none)
     * @param newestTimestampNs time of the last valid record (0 when none)
     * @param bad every record outside the run that is not empty or retired, with its reason
     * @param retired retired records still in their slots
     * @param truncatedBytes bytes missing at the end of the index file
     */
    public record Report(long validRecords, long oldestSeq, long newestSeq, long oldestTimestampNs, long newestTimestampNs,
                         List<DroppedRecord> bad, long retired, long truncatedBytes) {
        public boolean clean() {
            return bad.isEmpty() && truncatedBytes == 0;
        }

        public long timeSpanNs() {
            return newestTimestampNs - oldestTimestampNs;
        }

        /** Human-readable lines: a summary, then one line per bad record. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            out.add("valid records: " + validRecords + " (seq " + oldestSeq + ".." + newestSeq + ")");
            out.add("time span: " + oldestTimestampNs + " .. " + newestTimestampNs + " ns (" + timeSpanNs() / 1_000_000 + " ms)");
            out.add("retired records still present: " + retired);
            if (truncatedBytes > 0) {
                out.add("index file truncated: " + truncatedBytes + " bytes missing");
            }
            out.add("bad records: " + bad.size());
            for (DroppedRecord d : bad) {
                out.add("  " + d);
            }
            return out;
        }
    }

    public static Report verify(Path poolPath, Path indexPath) {
        return verify(poolPath, indexPath, 0);
    }

    /**
     * As the switch's recovery sees the hot tier under a segment tier whose log ends at
     * {@code floor - 1}: the records below the floor count as retired (they are in the segments).
     */
    public static Report verify(Path poolPath, Path indexPath, long floor) {
        try (ClosedLog log = ClosedLog.open(poolPath, indexPath, floor)) {
            IndexScan.Result s = log.scan();
            return new Report(s.records(), s.oldestSeq(), s.endSeq() - 1, s.oldestTimestampNs(), s.newestTimestampNs(),
                    s.dropped(), s.retiredSeen(), log.truncatedBytes());
        }
    }

    public static Report verify(Path poolPath) {
        return verify(poolPath, IndexFileDescriptor.defaultPath(poolPath));
    }
}

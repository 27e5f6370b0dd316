package io.pswitch.control.log;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.pktlog.index.LatencyHistogram;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.RecoveryReport;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.tier.TieredLog;
import io.pswitch.pktlog.tier.SegmentTierSummary;
import io.pswitch.pktlog.segment.SegmentRecoveryReport;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of a running switch's packet log, as {@code GET /api/v1/log} and {@code ctl log} show
 * it. Built on any thread from the counters the dataplane publishes and two verified record reads.
 *
 * @param records records the log holds now over both tiers (published, not retired)
 * @param bytes the stored frame bytes of the hot tier's records
 * @param oldestTimestampNs receive time of the oldest record, 0 when empty
 * @param newestTimestampNs receive time of the newest record, 0 when empty
 * @param loggedFrames frames logged since start, {@code loggedBytes} their stored bytes
 * @param skippedNoBuffer matching frames not logged because the pool had no buffer to spare
 * @param tiers where the hot tier lives and how the segment tier keeps up
 * @param reload the last config reload (SIGHUP): when, whether it applied, what changed, what needs
 *     a restart; null before the first
 */
public record LogStatus(String storageClass, String durability, long maxRecordsPerCommit, long maxCommitDelayNs,
                        int capacity, long records, long bytes, long oldestSeq, long newestSeq, long committedSeq,
                        long oldestTimestampNs, long newestTimestampNs, long loggedFrames, long loggedBytes,
                        long retired, long skippedNoBuffer, Commit commits, Recovery recovery, TierStatus tiers,
                        ReloadStatus reload) {

    /** Commit latency: count and percentiles in nanoseconds. */
    public record Commit(long count, long p50Ns, long p99Ns, long maxNs) {
    }

    /** What recovery did when the switch started. */
    public record Recovery(long recovered, long dropped, Map<String, Integer> droppedByReason, long truncatedBytes,
                           long durationNs) {
    }

    /** {@link #oldestTimestampNs} as RFC 3339 (UTC), null when the log is empty. */
    @JsonProperty("oldestTimestamp")
    public String oldestTimestamp() {
        return oldestTimestampNs == 0 ? null : TimeSpec.format(oldestTimestampNs);
    }

    /** {@link #newestTimestampNs} as RFC 3339 (UTC), null when the log is empty. */
    @JsonProperty("newestTimestamp")
    public String newestTimestamp() {
        return newestTimestampNs == 0 ? null : TimeSpec.format(newestTimestampNs);
    }

    public static LogStatus of(PacketLog log, LoggingStage logging, BufferPool pool, TieredLog tierLog, ReloadStatus reload) {
        LogCounters c = logging.counters();
        Durability d = logging.durability();
        long newest = c.publishedSeq();
        long oldest = log.oldestSeq();
        long oldestTs = 0;
        long newestTs = 0;
        LogReader reader = new LogReader(log);
        if (newest >= oldest) {
            LogRecord last = reader.record(newest);
            newestTs = last == null ? 0 : last.timestampNs();
            LogRecord first = reader.record(oldest);
            oldestTs = first == null ? 0 : first.timestampNs();
        }
        // The segment tier holds the older part of the log: the whole log starts there.
        if (tierLog.drain() != null) {
            // Published by the drain: no segment file is read per request.
            SegmentTierSummary seg = tierLog.drain().summary();
            if (seg.oldestSeq() > 0) {
                oldest = seg.oldestSeq();
                oldestTs = seg.oldestTsNs();
                if (newest < seg.newestSeq() || newestTs == 0) {
                    newest = Math.max(newest, seg.newestSeq());
                    newestTs = Math.max(newestTs, seg.newestTsNs());
                }
            }
        }
        long records = Math.max(0, newest - oldest + 1);
        // What recovery found at start, over both tiers: the segments the writer recovered too.
        LatencyHistogram h = log.commitLatency();
        RecoveryReport r = log.recoveryReport();
        long recoveredTotal = r.recovered();
        if (tierLog.segments() != null) {
            SegmentRecoveryReport sr = tierLog.segments().recoveryReport();
            // Records drained but not yet retired from the hot tier are in both: count them once.
            long hotBeyondSegments = Math.max(0, r.nextSeq() - 1 - Math.max(sr.lastSeq(), r.oldestSeq() - 1));
            recoveredTotal = sr.records() + Math.min(r.recovered(), hotBeyondSegments);
        }
        Map<String, Integer> reasons = new TreeMap<>();
        r.droppedByReason().forEach((k, v) -> reasons.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        return new LogStatus(pool.storageClass().label(), d.label(), d.maxRecords(), d.maxDelayNs(), log.capacity(),
                records, c.liveBytes(), oldest, newest, c.committedSeq(), oldestTs, newestTs, c.frames(), c.bytes(),
                c.retired(), c.skippedNoBuffer(), new Commit(h.count(), h.p50(), h.p99(), h.max()),
                new Recovery(recoveredTotal, r.dropped().size(), reasons, r.truncatedBytes(), r.durationNs()),
                TierStatus.of(tierLog, c), reload);
    }
}

package io.pswitch.pktlog.index;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What recovery found and did when a log was opened.
 *
 * @param recovered records kept (the contiguous run)
 * @param oldestSeq first kept sequence (also the durable oldest marker)
 * @param nextSeq the sequence the next append gets
 * @param oldestTimestampNs timestamp of the first kept record (0 when none)
 * @param newestTimestampNs timestamp of the last kept record (0 when none)
 * @param dropped every record not kept, with its reason (zeroed on disk by recovery)
 * @param retiredSeen retired records still in their slots (normal, not dropped)
 * @param truncatedBytes bytes missing at the end of the index file (restored as zeros)
 * @param durationNs time recovery took
 * @param retentionGeneration generation of the retention block in force (the writer continues from it)
 */
public record RecoveryReport(long recovered, long oldestSeq, long nextSeq, long oldestTimestampNs, long newestTimestampNs,
                             List<DroppedRecord> dropped, long retiredSeen, long truncatedBytes, long durationNs,
                             long retentionGeneration) {

    public Map<RecordStatus, Integer> droppedByReason() {
        Map<RecordStatus, Integer> counts = new EnumMap<>(RecordStatus.class);
        for (DroppedRecord d : dropped) {
            counts.merge(d.reason(), 1, Integer::sum);
        }
        return counts;
    }

    @Override
    public String toString() {
        return "recovered " + recovered + " records (seq " + oldestSeq + ".." + (nextSeq - 1) + "), dropped "
                + dropped.size() + " " + droppedByReason() + ", retired still present " + retiredSeen
                + (truncatedBytes > 0 ? ", index was truncated by " + truncatedBytes + " bytes" : "")
                + ", took " + durationNs / 1000 + " us";
    }
}

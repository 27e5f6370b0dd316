package io.pswitch.pktlog.segment;

import java.util.List;
import java.util.UUID;

/**
 * What segment recovery found.
 *
 * @param segments the accepted segments, oldest first
 * @param refused segment files not accepted, by name, with the reason
 * @param dropped the chunk that ended the log early (if any) and well-formed chunks past it
 * @param firstSeq first sequence of the log (0 when empty)
 * @param lastSeq last sequence of the log (0 when empty)
 * @param records records held (for an unsealed tail: last minus first sequence of the segment + 1)
 * @param tailSegment the newest accepted segment, -1 when none
 * @param tailSealed whether it is sealed (the writer starts a new segment)
 * @param tailEnd end of the tail's last valid chunk (where an unsealed tail is sealed)
 * @param maxEpoch the highest writer epoch seen (checkpoint, chunks, footers)
 * @param nextSegmentNumber the number a new segment gets (past every name seen, refused included)
 * @param checkpointUsed whether the tail walk started at the checkpoint
 * @param checkpointProblem why the checkpoint was not used (null when it was, or when the newest segment is sealed
 *     and the checkpoint names it: nothing to walk)
 * @param durationNs time recovery took
 * @param logId the log the segments were checked against (given, or found: null when none)
 * @param listed sealed segments taken from the list of sealed segments without reading them
 *     (the writer's recovery; 0 for readers and tools, which check every segment)
 * @param listProblem why that list was not used or does not match the directory (null when it
 *     matches, or was not consulted); the writer then writes it anew
 */
public record SegmentRecoveryReport(List<SegmentSummary> segments, List<RefusedSegment> refused, List<DroppedChunk> dropped,
                                    long firstSeq, long lastSeq, long firstTsNs, long lastTsNs, long records,
                                    long tailSegment, boolean tailSealed, long tailEnd, int maxEpoch,
                                    long nextSegmentNumber, boolean checkpointUsed, String checkpointProblem,
                                    long durationNs, UUID logId, int listed, String listProblem) {

    /** Bytes the accepted segments take. */
    public long segmentBytes() {
        long sum = 0;
        for (SegmentSummary s : segments) {
            sum += s.sizeBytes();
        }
        return sum;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(segments.size()).append(" segments, ").append(records).append(" records");
        if (lastSeq > 0) {
            sb.append(" (seq ").append(firstSeq).append("..").append(lastSeq).append(')');
        }
        if (tailSealed) {
            sb.append(", the newest sealed").append(checkpointProblem != null ? " (" + checkpointProblem + ")" : "");
        } else {
            sb.append(checkpointUsed ? ", from the checkpoint" : ", full tail scan (" + checkpointProblem + ")");
        }
        if (listed > 0) {
            sb.append(", ").append(listed).append(" sealed from the list");
        }
        if (listProblem != null) {
            sb.append(" (list of sealed segments: ").append(listProblem).append(')');
        }
        if (!dropped.isEmpty()) {
            sb.append(", tail truncated: ").append(dropped);
        }
        if (!refused.isEmpty()) {
            sb.append(", refused: ").append(refused);
        }
        sb.append(", took ").append(durationNs / 1000).append(" us");
        return sb.toString();
    }
}

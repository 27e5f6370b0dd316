package io.pswitch.pktlog.tier;

/**
 * The segment tier at a glance, as the drain last published it: what {@code GET /api/v1/log} and
 * {@code /metrics} show on every request, without reading a segment file (the drain knows it from
 * the segments it wrote and the ones recovery found).
 *
 * @param oldestSeq first sequence of the oldest segment (0 when the tier is empty)
 * @param oldestTsNs time of that record
 * @param newestSeq last record written to a segment (0 when none): readers find it there; durable
 *     after the next flush ({@link SegmentDrain#durableSeq()} says how far that is)
 * @param newestTsNs time of that record
 * @param segments segment files the tier holds
 * @param bytes bytes those files take
 */
public record SegmentTierSummary(long oldestSeq, long oldestTsNs, long newestSeq, long newestTsNs, long segments,
                                 long bytes) {
}

package io.pswitch.pktlog.segment;

import java.nio.file.Path;

/**
 * One accepted segment as recovery found it.
 *
 * @param lastSeq last sequence (from the footer when sealed, from the walk for the tail; -1 when
 *     unknown: an unsealed segment before the tail, which readers walk)
 * @param records records held (-1 when unknown)
 * @param sizeBytes the segment's size (from its header, or the list of sealed segments)
 * @param chunksEnd end of its last chunk (sealed: the footer's; the tail: where the walk ended; 0 when unknown)
 * @param epoch epoch of its last chunk (sealed: the footer's; 0 when unknown)
 */
public record SegmentSummary(long number, Path path, long firstSeq, long firstTsNs, long lastSeq, long lastTsNs,
                             long records, boolean sealed, long sizeBytes, long chunksEnd, int epoch) {
}

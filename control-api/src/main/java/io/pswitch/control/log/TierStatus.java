package io.pswitch.control.log;

import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.pktlog.tier.SegmentDrain;
import io.pswitch.pktlog.tier.TieredLog;

/**
 * Where the log's tiers live and how the segment tier keeps up, as {@code GET /api/v1/log} shows it.
 *
 * @param hotTierPool the pool file (the hot tier); {@code relocated} when it lives outside the data
 *     directory (a data directory on a disk keeps its pool in memory)
 * @param segmentsDir the segment tier's directory, null when the log has none (no --log-size on tmpfs/dax)
 * @param segmentDurableSeq last record durable in a segment
 * @param drainLagRecords published records not yet durable in a segment
 * @param skippedStorageBehind matches skipped because the hot tier was full of undrained records
 * @param drainError the drain's last write error (full disk, I/O), or null
 */
public record TierStatus(String hotTierPool, boolean relocated, String segmentsDir, long segments, long segmentBytes,
                         long segmentsDeleted, long segmentDurableSeq, long drainLagRecords, long skippedStorageBehind,
                         long drainStalls, String drainError) {
    public static TierStatus of(TieredLog tiers, LogCounters c) {
        SegmentDrain d = tiers.drain();
        String pool = tiers.layout().poolFile().toString();
        if (d == null) {
            return new TierStatus(pool, tiers.layout().relocated(), null, 0, 0, 0, 0, 0, c.skippedStorageBehind(), 0, null);
        }
        long durable = d.durableSeq();
        return new TierStatus(pool, tiers.layout().relocated(), tiers.layout().segmentsDir().toString(), d.segments(),
                d.segmentBytes(), d.segmentsDeleted(), durable, Math.max(0, c.publishedSeq() - durable), c.skippedStorageBehind(),
                d.stalls(), d.lastError());
    }
}

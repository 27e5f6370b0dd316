package io.pswitch.pktlog.tier;

import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.RecordConsumer;
import java.util.List;

/**
 * The tier below the segments: records whose segments left the disk after they were archived.
 * pktlog defines this and {@link TieredLogReader} consults it for the sequences below what the
 * local tiers hold; the archive module implements it over object storage, so that pktlog never
 * depends on S3 (dependencies point one way).
 *
 * <p>An implementation hands over only verified records: a part that is missing or fails its
 * check is skipped and named in {@link #problems()}, never returned.
 */
public interface OlderTier extends AutoCloseable {
    /**
     * Hands every verified record {@code query} selects whose sequence is in
     * {@code [fromSeq, belowSeq)} to {@code consumer}, in sequence order, finding the start of the
     * query's time range through its own index (never by reading everything). Records of that
     * range the tier does not hold, where the query's window may reach them, are named in
     * {@link #problems()}: below {@code belowSeq} no other tier has them.
     *
     * @param belowTsNs the time of record {@code belowSeq} (the local tiers' oldest), or
     *     {@link Long#MAX_VALUE} when not known: bounds the time of records missing at the end
     * @return records delivered
     */
    long query(LogQuery query, long fromSeq, long belowSeq, long belowTsNs, RecordConsumer consumer);

    /** First sequence the tier holds, 0 when it holds none (or cannot be reached: see {@link #problems()}). */
    long oldestSeq();

    /** Where the tier is, for reports ({@code s3://bucket/prefix/switch/log id/}). */
    String describe();

    /** What was skipped so far, one line each naming the object (and the chunk) and why. */
    List<String> problems();

    /** Releases what the tier holds open (a store client it owns); closing the {@link LogView} closes it. */
    @Override
    default void close() {
    }
}

package io.pswitch.pktlog.tier;

/**
 * When the drain makes what it wrote durable ({@code fdatasync}): the segment tier's side of the
 * switch's durability modes.
 * <ul>
 *   <li>{@code sync}: after every write. The dataplane waits for it before transmitting a logged
 *       frame, so the flush is the price of the promise "nothing that left the switch is lost".</li>
 *   <li>{@code batch}: once {@code maxRecords} records or {@code maxDelayNs} have gone by since the
 *       oldest unsynced write, whichever first. A power cut loses at most that window (plus the
 *       flush in progress: see {@link #groupCommit()}). The flush runs on a syncer thread while the
 *       drain writes on; one flush covers every write before it.</li>
 *   <li>{@code async}: the same with a large window (bounded lag).</li>
 * </ul>
 * A direct-I/O write has left the page cache when it returns, but a disk's volatile write cache
 * may still hold it: only the flush makes it survive a power cut.
 *
 * @param maxRecords sync when this many records are written and not durable (1 = every write)
 * @param maxDelayNs sync when the oldest unsynced write is this old (0 = every write)
 */
public record DrainPolicy(long maxRecords, long maxDelayNs) {
    public static final DrainPolicy EVERY_WRITE = new DrainPolicy(1, 0);

    public DrainPolicy {
        if (maxRecords < 1 || maxDelayNs < 0) {
            throw new IllegalArgumentException("drain policy needs maxRecords >= 1 and maxDelayNs >= 0");
        }
    }

    /**
     * Whether flushes go to a syncer thread (group commit: the drain writes on during a flush).
     * Not for a sync after every write: there one record waits for each flush, and the drain's own
     * call, without a hand-over and a second thread's wake-up, is the shortest wait.
     */
    public boolean groupCommit() {
        return maxRecords > 1 || maxDelayNs > 0;
    }

    boolean syncDue(long unsyncedRecords, long oldestUnsyncedAgeNs) {
        return unsyncedRecords >= maxRecords || oldestUnsyncedAgeNs >= maxDelayNs;
    }
}

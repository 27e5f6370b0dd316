package io.pswitch.pktlog.index;

/**
 * Allocation-free histogram of durations in nanoseconds: 8 linear sub-buckets per power of two,
 * so a percentile is reported within 12.5% (as the bucket's upper bound: never optimistic).
 *
 * <p>Single writer. Other threads may read percentiles at any time; they see counts that are at
 * worst a few records stale (plain longs, no tearing on 64-bit JVMs), which is what metrics need.
 */
public final class LatencyHistogram {
    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS + 1) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long sum;
    private long max;

    public void record(long ns) {
        long v = Math.max(0, ns);
        counts[bucket(v)]++;
        total++;
        sum += v;
        if (v > max) {
            max = v;
        }
    }

    static int bucket(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int e = 63 - Long.numberOfLeadingZeros(v);
        int sub = (int) ((v >>> (e - SUB_BITS)) & (SUB - 1));
        return (e - SUB_BITS + 1) * SUB + sub;
    }

    static long upperBound(int bucket) {
        if (bucket < SUB) {
            return bucket;
        }
        int e = bucket / SUB + SUB_BITS - 1;
        int sub = bucket % SUB;
        long lower = ((long) (SUB + sub)) << (e - SUB_BITS);
        return lower + (1L << (e - SUB_BITS)) - 1;
    }

    /** The value at or below which {@code percent} (0..100) of the recorded durations fall; 0 when empty. */
    public long percentile(double percent) {
        long n = total;
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }

    public long p50() {
        return percentile(50);
    }

    public long p99() {
        return percentile(99);
    }

    public long count() {
        return total;
    }

    /** Sum of the recorded durations (for a Prometheus summary's {@code _sum}). */
    public long sum() {
        return sum;
    }

    public long max() {
        return max;
    }
}

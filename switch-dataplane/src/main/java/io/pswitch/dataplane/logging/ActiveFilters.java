package io.pswitch.dataplane.logging;

import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterMatch;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.IndexRecordDescriptor;

/**
 * A filter set as the dataplane runs it: the compiled set plus, per position, the filter's id, its
 * bit in a record's filter mask (ids below 64) and its counters. Immutable apart from the counters;
 * replaced whole.
 */
final class ActiveFilters {
    final FilterSet set;
    final long generation;
    /** Longs of a match bitmap over this set's positions (at least one). */
    final int words;
    private final int[] id;
    private final long[] maskBit;
    private final FilterCounters[] counters;

    ActiveFilters(FilterSet set, long generation, FilterCounters[] counters) {
        this.set = set;
        this.generation = generation;
        int n = set.size();
        this.words = Math.max(1, (n + 63) >>> 6);
        this.id = new int[n];
        this.maskBit = new long[n];
        for (int pos = 0; pos < n; pos++) {
            Filter f = set.filter(pos);
            id[pos] = f.id();
            maskBit[pos] = f.id() < 64 ? 1L << f.id() : 0L;
        }
        this.counters = counters;
    }

    /** A matched frame's record filter mask: the bits of the matching filters whose ids are below 64. */
    long mask(FilterMatch m) {
        long mask = 0;
        for (int pos = m.next(0); pos >= 0; pos = m.next(pos + 1)) {
            mask |= maskBit[pos];
        }
        return mask;
    }

    /** The id of the first filter (in the set's order) a matched frame matched: its record's filter. */
    int firstId(FilterMatch m) {
        int pos = m.next(0);
        return pos < 0 ? IndexRecordDescriptor.NO_FILTER : id[pos];
    }

    /** A logged frame counts for every filter it matched, in the counters block of the worker that counts it. */
    void count(FilterMatch m, int block, int storedBytes) {
        for (int pos = m.next(0); pos >= 0; pos = m.next(pos + 1)) {
            counters[pos].add(block, storedBytes);
        }
    }

    /**
     * As {@link #count(FilterMatch, int, int)}, for a match another worker evaluated and handed over:
     * its bitmap over this set's positions is {@link #words} longs of {@code bitmap} from {@code from}.
     */
    void count(long[] bitmap, int from, int block, int storedBytes) {
        for (int w = 0; w < words; w++) {
            long bits = bitmap[from + w];
            while (bits != 0) {
                counters[(w << 6) + Long.numberOfTrailingZeros(bits)].add(block, storedBytes);
                bits &= bits - 1;
            }
        }
    }
}

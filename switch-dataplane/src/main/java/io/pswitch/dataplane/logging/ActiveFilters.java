package io.pswitch.dataplane.logging;

import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSet;

/**
 * A filter set as the dataplane runs it: the compiled set plus, per position, the filter's id, its
 * bit in a record's filter mask (ids below 64) and its counters. Immutable apart from the counters;
 * replaced whole.
 */
final class ActiveFilters {
    final FilterSet set;
    final long generation;
    final int[] id;
    final long[] maskBit;
    final FilterCounters[] counters;

    ActiveFilters(FilterSet set, long generation, FilterCounters[] counters) {
        this.set = set;
        this.generation = generation;
        int n = set.size();
        this.id = new int[n];
        this.maskBit = new long[n];
        for (int pos = 0; pos < n; pos++) {
            Filter f = set.filter(pos);
            id[pos] = f.id();
            maskBit[pos] = f.id() < 64 ? 1L << f.id() : 0L;
        }
        this.counters = counters;
    }
}

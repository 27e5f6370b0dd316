package io.pswitch.tools.bench;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.batch.BatchObserver;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.filter.FilterMatch;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * The logging benchmark's diagnostic middle step: every frame runs through the filters exactly as
 * the logging stage and the copy baseline run it, and nothing is persisted. Forwarding, this, and a
 * logging variant side by side split what logging costs into choosing the frames and keeping them.
 */
final class FilterOnlyObserver implements BatchObserver {
    private final BufferPool pool;
    private final MemorySegment poolMemory;
    private final int bufferSize;
    private final FilterSet filters;
    private final FilterMatch match = new FilterMatch();
    private long matched;
    private volatile long matchedPublished;

    FilterOnlyObserver(BufferPool pool, FilterSet filters) {
        this.pool = pool;
        this.poolMemory = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.filters = filters;
    }

    @Override
    public void beginCycle(long now) {
        // Nothing to flush.
    }

    @Override
    public void onBatch(Batch batch, Ring[] rx, long now) {
        FilterSet set = filters;
        FilterMatch m = match;
        int n = 0;
        for (int i = 0, count = batch.count(); i < count; i++) {
            int p = batch.ingressPort(i);
            int s = batch.slot(i);
            Ring ring = rx[p];
            int len = ring.len[s];
            if (len > 0 && set.evaluate(poolMemory, pool.offset(ring.bufIdx[s]), len, Math.min(len, bufferSize), p, m) != 0) {
                n++;
            }
        }
        if (n > 0) {
            matched += n;
            matchedPublished = matched;
        }
    }

    /** Frames that matched since start. Any thread. */
    long matched() {
        return matchedPublished;
    }
}

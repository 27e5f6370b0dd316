package io.pswitch.control.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import io.pswitch.pktlog.pool.BufferPool;
import java.util.List;

/**
 * The buffer pool's size and free buffers. The free count is the dataplane thread's plain field,
 * read here without synchronisation: a scrape may see a value a few duty cycles old, never a torn one.
 */
public final class PoolCollector extends Collector {
    private final BufferPool pool;

    public PoolCollector(BufferPool pool) {
        this.pool = pool;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        return List.of(
                new GaugeMetricFamily("pswitch_pool_buffers", "Buffers in the pool (including the 2 reserved).", pool.bufferCount()),
                new GaugeMetricFamily("pswitch_pool_buffers_free", "Buffers on the pool's free list.", pool.freeCount()),
                new GaugeMetricFamily("pswitch_pool_buffer_size_bytes", "Size of one pool buffer.", pool.bufferSize()));
    }
}

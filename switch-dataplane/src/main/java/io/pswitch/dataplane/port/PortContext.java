package io.pswitch.dataplane.port;

import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.pktlog.pool.BufferPool;

/**
 * What a driver needs to open a port: the pool its rings draw buffers from, the ring size, and the
 * counters file its {@link PortCounters} live in.
 *
 * @param ringSize slots per ring, a power of two
 * @param batch the most frames one sync call moves
 * @param counters the switch's counters file ({@link CountersFile#inMemory()} outside a switch)
 * @param worker the id of the dataplane worker that will own the port (its counters' key)
 */
public record PortContext(BufferPool pool, int ringSize, int batch, CountersFile counters, int worker) {
    public static final int DEFAULT_RING_SIZE = 1024;
    public static final int DEFAULT_BATCH = 256;

    public PortContext {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size " + ringSize + " must be a power of two of at least 2");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch " + batch + " must be at least 1");
        }
    }

    /** A port whose counters only this process sees (tests, benchmarks, a replay). */
    public PortContext(BufferPool pool, int ringSize, int batch) {
        this(pool, ringSize, batch, CountersFile.inMemory(), 0);
    }
}

package io.pswitch.dataplane.port;

import io.pswitch.pktlog.pool.BufferPool;

/**
 * What a driver needs to open a port: the pool its rings draw buffers from and the ring size.
 *
 * @param ringSize slots per ring, a power of two
 * @param batch the most frames one sync call moves
 */
public record PortContext(BufferPool pool, int ringSize, int batch) {
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
}

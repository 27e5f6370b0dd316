package io.pswitch.pktlog.index;

/**
 * Sizing of a packet log.
 *
 * @param capacity index capacity in records
 * @param lowWaterBuffers when the pool's free count is below this at an append, the oldest records
 *     retire first (0 disables; retention then happens only when the index is full)
 * @param retireBatch how many records retire together: each retirement makes the oldest marker
 *     durable with one flush, so retiring in batches amortises that flush
 */
public record PacketLogConfig(int capacity, int lowWaterBuffers, int retireBatch) {
    public PacketLogConfig {
        String bad = IndexFileDescriptor.validateCapacity(capacity);
        if (bad != null) {
            throw new IllegalArgumentException(bad);
        }
        if (lowWaterBuffers < 0) {
            throw new IllegalArgumentException("low-water mark " + lowWaterBuffers + " must be >= 0 buffers");
        }
        if (retireBatch < 1 || retireBatch > capacity) {
            throw new IllegalArgumentException("retire batch " + retireBatch + " must be between 1 and the capacity " + capacity);
        }
    }

    /** A capacity with a low-water mark of 64 buffers and retirement in batches of 1/64 of the index (at least 1, at most 256). */
    public static PacketLogConfig of(int capacity) {
        return new PacketLogConfig(capacity, 64, Math.max(1, Math.min(256, capacity / 64)));
    }
}

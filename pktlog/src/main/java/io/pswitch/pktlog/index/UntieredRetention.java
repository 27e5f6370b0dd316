package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;

/**
 * When a log with no segment tier under it retires records: FIFO, in batches of
 * {@code retireBatch}, so that appending never fails for lack of space. Before an append, when the
 * index is full or the pool's free count is below the low-water mark, the oldest batch retires now;
 * with a commit agent, a batch starts retiring ahead of need (within two batches of either limit),
 * so that appends rarely wait for the flush of a retention block. Writer thread.
 */
final class UntieredRetention {
    private final LogSequences seq;
    private final Retirement retirement;
    private final BufferPool pool;
    private final int capacity;
    private final int lowWaterBuffers;
    private final int retireBatch;

    UntieredRetention(LogSequences seq, Retirement retirement, BufferPool pool, PacketLogConfig config) {
        this.seq = seq;
        this.retirement = retirement;
        this.pool = pool;
        this.capacity = config.capacity();
        this.lowWaterBuffers = config.lowWaterBuffers();
        this.retireBatch = config.retireBatch();
    }

    /** Before an append touches its slot: retirement makes the new oldest durable before the slot is reused. */
    void makeRoom() {
        long used = seq.live();
        if (retirement.inFlight() && roomNeededNow(used)) {
            // A retirement ahead of need is in flight and the room is needed now: finish it first,
            // then retire more only if that was not enough.
            retirement.await();
            used = seq.live();
        }
        if (used >= capacity) {
            retirement.counted(true, retirement.retireNow(retireBatch));
        } else if (poolLow() && used > 0) {
            retirement.counted(false, retirement.retireNow(retireBatch));
        } else if (retirement.hasAgent() && !retirement.inFlight() && used > retireBatch) {
            boolean indexNearlyFull = used >= capacity - 2L * retireBatch;
            if (indexNearlyFull || pool.freeCount() < lowWaterBuffers + 2 * retireBatch) {
                retirement.counted(indexNearlyFull, retirement.requestAhead(retireBatch));
            }
        }
    }

    private boolean roomNeededNow(long used) {
        return used >= capacity || (poolLow() && used > 0);
    }

    private boolean poolLow() {
        return lowWaterBuffers > 0 && pool.freeCount() < lowWaterBuffers;
    }
}

package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.fdb.ForwardingTable;

/**
 * Tuning of one {@link SwitchAgent}.
 *
 * @param batchSize the most frames one duty cycle takes from all RX rings together
 * @param fdbCapacity the most stations the forwarding table holds
 * @param fdbAgeingNs how long a station stays learned without a frame from it (802.1D default 300 s)
 * @param fdbSweepSlots forwarding-table slots examined for aged entries per duty cycle
 * @param commandQueueCapacity commands that may wait for the agent before {@code offer} refuses more
 * @param workers dataplane worker threads sharing the ports
 * @param handoffCapacity frames one worker may have queued for another (a power of two); each worker
 *     also keeps this many spare buffers per other worker (see {@code SwitchAgent})
 */
public record SwitchConfig(int batchSize, int fdbCapacity, long fdbAgeingNs, int fdbSweepSlots, int commandQueueCapacity,
                           int workers, int handoffCapacity) {
    public static final int DEFAULT_BATCH_SIZE = 256;
    public static final int DEFAULT_FDB_CAPACITY = 8192;
    public static final int DEFAULT_FDB_SWEEP_SLOTS = 64;
    public static final int DEFAULT_COMMAND_QUEUE_CAPACITY = 1024;
    public static final int MAX_BATCH_SIZE = 1 << 16;
    public static final int DEFAULT_HANDOFF_CAPACITY = 256;
    public static final int MAX_WORKERS = 64;

    public SwitchConfig {
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch size " + batchSize + " must be between 1 and " + MAX_BATCH_SIZE);
        }
        if (fdbCapacity < 1 || fdbCapacity > ForwardingTable.MAX_CAPACITY) {
            throw new IllegalArgumentException("FDB capacity " + fdbCapacity + " must be between 1 and " + ForwardingTable.MAX_CAPACITY);
        }
        if (fdbAgeingNs <= 0) {
            throw new IllegalArgumentException("FDB ageing time " + fdbAgeingNs + " ns must be positive");
        }
        if (fdbSweepSlots < 1) {
            throw new IllegalArgumentException("FDB sweep slots " + fdbSweepSlots + " must be at least 1");
        }
        if (commandQueueCapacity < 2) {
            throw new IllegalArgumentException("command queue capacity " + commandQueueCapacity + " must be at least 2");
        }
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("workers " + workers + " must be between 1 and " + MAX_WORKERS);
        }
        if (handoffCapacity < 2 || Integer.bitCount(handoffCapacity) != 1) {
            throw new IllegalArgumentException("handoff capacity " + handoffCapacity + " must be a power of two of at least 2");
        }
    }

    public static SwitchConfig defaults() {
        return new SwitchConfig(DEFAULT_BATCH_SIZE, DEFAULT_FDB_CAPACITY, ForwardingTable.DEFAULT_AGEING_NS,
                DEFAULT_FDB_SWEEP_SLOTS, DEFAULT_COMMAND_QUEUE_CAPACITY, 1, DEFAULT_HANDOFF_CAPACITY);
    }

    public SwitchConfig withBatchSize(int value) {
        return new SwitchConfig(value, fdbCapacity, fdbAgeingNs, fdbSweepSlots, commandQueueCapacity, workers, handoffCapacity);
    }

    public SwitchConfig withFdbCapacity(int value) {
        return new SwitchConfig(batchSize, value, fdbAgeingNs, fdbSweepSlots, commandQueueCapacity, workers, handoffCapacity);
    }

    public SwitchConfig withFdbAgeingNs(long value) {
        return new SwitchConfig(batchSize, fdbCapacity, value, fdbSweepSlots, commandQueueCapacity, workers, handoffCapacity);
    }

    public SwitchConfig withCommandQueueCapacity(int value) {
        return new SwitchConfig(batchSize, fdbCapacity, fdbAgeingNs, fdbSweepSlots, value, workers, handoffCapacity);
    }

    public SwitchConfig withWorkers(int value) {
        return new SwitchConfig(batchSize, fdbCapacity, fdbAgeingNs, fdbSweepSlots, commandQueueCapacity, value, handoffCapacity);
    }

    public SwitchConfig withHandoffCapacity(int value) {
        return new SwitchConfig(batchSize, fdbCapacity, fdbAgeingNs, fdbSweepSlots, commandQueueCapacity, workers, value);
    }
}

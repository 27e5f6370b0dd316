package io.pswitch.dataplane.batch;

/**
 * A stage the agent runs in every duty cycle beside forwarding (the logging stage): what it calls,
 * in order, on its own thread. A switch that logs nothing runs {@link #NONE}, so the cycle has no
 * null checks and the JIT sees one receiver type per switch.
 */
public interface CycleStage {
    /** Does nothing: the stage of a switch without a log. */
    CycleStage NONE = new CycleStage() {
        @Override
        public void beginCycle(long now) {
        }

        @Override
        public void onBatch(Batch batch, long now) {
        }

        @Override
        public void afterForward(Batch batch) {
        }

        @Override
        public void afterTxSync(int port) {
        }

        @Override
        public void commit() {
        }
    };

    /** Start of every duty cycle, idle or not (a time-based commit can fire here). */
    void beginCycle(long now);

    /** After pass 1 (decisions made), before pass 2 moves any buffer. */
    void onBatch(Batch batch, long now);

    /** After pass 2, before the RX slots go back to the drivers. */
    void afterForward(Batch batch);

    /** After port {@code port}'s txSync. */
    void afterTxSync(int port);

    /** When the agent closes: make everything durable. */
    void commit();

    /** Whether work waits for this stage that no port will signal (another worker's queued matches). */
    default boolean hasQueuedWork() {
        return false;
    }
}

package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.batch.CycleStage;
import io.pswitch.dataplane.logging.LoggingStage;

/** The {@link LoggingStage} as the agent's {@link CycleStage}: calls it at the points of the cycle it needs. */
final class LoggingCycle implements CycleStage {
    private final LoggingStage stage;

    LoggingCycle(LoggingStage stage) {
        this.stage = stage;
    }

    @Override
    public void beginCycle(long now) {
        stage.beginCycle(now);
    }

    @Override
    public void onBatch(Batch batch, long now) {
        stage.logBatch(batch, now);
    }

    @Override
    public void afterForward(Batch batch) {
        stage.afterForward(batch);
    }

    @Override
    public void afterTxSync(int port) {
        stage.afterTxSync(port);
    }

    @Override
    public void commit() {
        stage.commit();
        // Worker 0's agent closes: other workers waiting in sync mode for it must not wait forever.
        stage.writerStopped();
    }

    @Override
    public boolean hasQueuedWork() {
        return stage.queuedWork();
    }
}

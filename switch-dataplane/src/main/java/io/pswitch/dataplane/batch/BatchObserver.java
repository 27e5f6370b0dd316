package io.pswitch.dataplane.batch;

import io.pswitch.dataplane.ring.Ring;

/**
 * A benchmark and diagnostic hook: sees every batch at the point where the logging stage logs it
 * (after pass 1 decided, before pass 2 moves any buffer), so a frame's bytes are still in its RX
 * slot's buffer. The benchmark's copy-logging baseline uses it to persist matching frames the way a
 * logger that copies would; it is not a second logging path of the switch.
 *
 * <p>Runs on the agent's thread, inside the duty cycle: whatever it does (a flush, say) delays the
 * batch's transmission, as the logging stage's {@code sync} commit does. It must only read the
 * rings and the pool, never move buffers or change slots.
 */
public interface BatchObserver {
    /** Observes nothing: installed when no benchmark or diagnostic hook is. */
    BatchObserver NONE = new BatchObserver() {
        @Override
        public void beginCycle(long now) {
        }

        @Override
        public void onBatch(Batch batch, Ring[] rx, long now) {
        }
    };

    /** Start of every duty cycle, idle or not (a time-based flush can close its window here). */
    void beginCycle(long now);

    /**
     * One batch, before pass 2.
     *
     * @param rx the RX rings by port index (the agent's own array: read, never modify)
     */
    void onBatch(Batch batch, Ring[] rx, long now);
}

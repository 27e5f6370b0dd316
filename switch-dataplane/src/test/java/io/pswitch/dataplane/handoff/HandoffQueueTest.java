package io.pswitch.dataplane.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HandoffQueueTest {
    @Test
    void refusesWhenFullAndTakesAgainOnceTheConsumerReleased() {
        HandoffQueue q = new HandoffQueue(4, 2);
        for (int i = 0; i < 4; i++) {
            int e = q.claim();
            assertThat(e).isNotNegative();
            q.put(e, 0, i);
            q.put(e, 1, -i);
        }
        assertThat(q.claim()).as("full").isEqualTo(-1);
        assertThat(q.available()).as("nothing published yet").isZero();
        q.publish();
        assertThat(q.available()).isEqualTo(4);
        assertThat(q.word(0, 0)).isZero();
        assertThat(q.word(3, 1)).isEqualTo(-3);
        assertThat(q.bufferIndices(0)).containsExactly(0, 1, 2, 3);
        q.release(3);
        assertThat(q.available()).isEqualTo(1);
        assertThat(q.claim()).as("room again after release").isNotNegative();
    }

    /** One producer thread, one consumer thread, many wraps of a small queue: every entry once, in order. */
    @Test
    void carriesEveryEntryInOrderBetweenTwoThreads() throws Exception {
        HandoffQueue q = new HandoffQueue(64, 2);
        long total = 2_000_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            long next = 0;
            while (next < total) {
                int batch = 0;
                int e;
                while (batch < 16 && next < total && (e = q.claim()) >= 0) {
                    q.put(e, 0, next);
                    q.put(e, 1, next * 7);
                    next++;
                    batch++;
                }
                q.publish();
                if (batch == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        producer.setUncaughtExceptionHandler((t, ex) -> failure.set(ex));
        producer.start();
        long expected = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (expected < total && System.nanoTime() < deadline) {
            int n = q.available();
            for (int i = 0; i < n; i++) {
                long v = q.word(i, 0);
                if (v != expected || q.word(i, 1) != expected * 7) {
                    throw new AssertionError("entry " + expected + " read as " + v + "/" + q.word(i, 1));
                }
                expected++;
            }
            q.release(n);
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        producer.join(10_000);
        assertThat(failure.get()).isNull();
        assertThat(expected).isEqualTo(total);
        assertThat(q.available()).isZero();
    }
}

package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void reportsPercentilesWithinTheHistogramsPrecision() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.record(i * 1000L);
        }
        assertThat(h.p50()).isBetween(500_000L, 500_000L * 1001 / 1000);
        assertThat(h.p99()).isBetween(990_000L, 990_000L * 1001 / 1000);
        assertThat(h.percentile(100)).isEqualTo(h.max()).isBetween(1_000_000L, 1_001_000L);
        assertThat(h.count()).isEqualTo(1000);
    }

    @Test
    void emptyHistogramReportsZero() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.p99()).isZero();
        assertThat(h.max()).isZero();
        assertThat(h.sum()).isZero();
        assertThat(h.count()).isZero();
    }

    @Test
    void sumsTheRecordedDurationsExactly() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(1_000);
        h.record(2_500);
        h.record(-7); // clamped to 0, as counted
        assertThat(h.sum()).isEqualTo(3_500);
        assertThat(h.count()).isEqualTo(3);
    }

    @Test
    void readsBetweenRecordsKeepEverythingRecordedBefore() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(10_000);
        assertThat(h.p50()).isBetween(10_000L, 10_010L);
        h.record(20_000);
        h.record(30_000);
        // The second read folds the new interval into what the first read saw.
        assertThat(h.percentile(100)).isBetween(30_000L, 30_030L);
        assertThat(h.percentile(1)).isBetween(10_000L, 10_010L);
        assertThat(h.count()).isEqualTo(3);
    }

    @Test
    void aReaderOnAnotherThreadSeesEveryValueRecordedBeforeItStarted() throws InterruptedException {
        LatencyHistogram h = new LatencyHistogram();
        CountDownLatch recorded = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            for (int i = 1; i <= 10_000; i++) {
                h.record(i);
            }
            recorded.countDown();
        });
        writer.start();
        recorded.await();
        long[] seen = new long[1];
        Thread reader = new Thread(() -> seen[0] = h.percentile(100));
        reader.start();
        reader.join();
        writer.join();
        assertThat(seen[0]).isBetween(10_000L, 10_010L);
    }
}

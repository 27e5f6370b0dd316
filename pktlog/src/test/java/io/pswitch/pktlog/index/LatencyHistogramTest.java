package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void reportsPercentilesWithinOneSubBucket() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.record(i * 1000L);
        }
        assertThat(h.p50()).isBetween(500_000L, 500_000L * 9 / 8);
        assertThat(h.p99()).isBetween(990_000L, 990_000L * 9 / 8);
        assertThat(h.percentile(100)).isEqualTo(1_000_000L);
        assertThat(h.count()).isEqualTo(1000);
    }

    @Test
    void bucketsAreMonotonicAndCoverTheirValues() {
        int prev = -1;
        for (long v = 0; v < 1 << 20; v += 1 + v / 64) {
            int b = LatencyHistogram.bucket(v);
            assertThat(b).isGreaterThanOrEqualTo(prev);
            assertThat(LatencyHistogram.upperBound(b)).isGreaterThanOrEqualTo(v);
            prev = b;
        }
        assertThat(LatencyHistogram.upperBound(LatencyHistogram.bucket(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void emptyHistogramReportsZero() {
        assertThat(new LatencyHistogram().p99()).isZero();
        assertThat(new LatencyHistogram().sum()).isZero();
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
}

package io.pswitch.control.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeSpecTest {
    private static final long NOW = Instant.parse("2026-11-21T16:00:00Z").getEpochSecond() * 1_000_000_000L;

    private static long ns(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void parsesRfc3339WithZoneOffsetsAndFractions() {
        assertThat(TimeSpec.parse("from", "2026-11-21T15:30:00Z", NOW)).isEqualTo(ns("2026-11-21T15:30:00Z"));
        assertThat(TimeSpec.parse("from", "2026-11-21T16:30:00.123456789+01:00", NOW)).isEqualTo(ns("2026-11-21T15:30:00.123456789Z"));
        assertThat(TimeSpec.parse("from", "2026-11-21 15:30:00z", NOW)).isEqualTo(ns("2026-11-21T15:30:00Z"));
        assertThat(TimeSpec.parse("from", "2026-11-21t15:30:00.5-02:00", NOW)).isEqualTo(ns("2026-11-21T17:30:00.5Z"));
        // An unencoded '+' in a query string arrives as a space.
        assertThat(TimeSpec.parse("from", "2026-11-21T16:30:00 01:00", NOW)).isEqualTo(ns("2026-11-21T15:30:00Z"));
        assertThat(TimeSpec.parse("from", "2026-11-21 16:30:00.25 01:00", NOW)).isEqualTo(ns("2026-11-21T15:30:00.25Z"));
    }

    @Test
    void relativeFormsCountBackFromNow() {
        assertThat(TimeSpec.parse("from", "10m", NOW)).isEqualTo(NOW - 600_000_000_000L);
        assertThat(TimeSpec.parse("from", "2h", NOW)).isEqualTo(NOW - 7_200_000_000_000L);
        assertThat(TimeSpec.parse("from", "90s", NOW)).isEqualTo(NOW - 90_000_000_000L);
        assertThat(TimeSpec.parse("from", "1d", NOW)).isEqualTo(NOW - 86_400_000_000_000L);
        assertThat(TimeSpec.parse("from", "250ms", NOW)).isEqualTo(NOW - 250_000_000L);
        assertThat(TimeSpec.parse("to", "now", NOW)).isEqualTo(NOW);
        assertThat(TimeSpec.parse("to", "0s", NOW)).isEqualTo(NOW);
    }

    @Test
    void refusesBadFormsNamingTheParameter() {
        for (String bad : new String[] {"", "yesterday", "10", "-5m", "10 m", "1w", "2026-11-21", "2026-11-21T15:30:00",
                "2026-13-01T00:00:00Z", "2026-11-21T25:00:00Z", "99999999999999h", "1e3s"}) {
            assertThatThrownBy(() -> TimeSpec.parse("from", bad, NOW)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("from '");
        }
        assertThatThrownBy(() -> TimeSpec.parse("to", null, NOW)).hasMessageStartingWith("to ''");
        assertThatThrownBy(() -> TimeSpec.parse("from", "999999999999d", NOW)).hasMessageContaining("100 years");
    }

    @Test
    void formatsAsRfc3339InUtcAndParsesBack() {
        long t = ns("2026-11-21T15:30:00.000000042Z");
        assertThat(TimeSpec.format(t)).isEqualTo("2026-11-21T15:30:00.000000042Z");
        assertThat(TimeSpec.format(ns("2026-11-21T15:30:00Z"))).isEqualTo("2026-11-21T15:30:00Z");
        assertThat(TimeSpec.parse("t", TimeSpec.format(t), NOW)).isEqualTo(t);
    }

    @Test
    void parsesOperatorDurations() {
        assertThat(TimeSpec.duration("250ms")).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(TimeSpec.duration("5")).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(TimeSpec.duration("10m")).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(TimeSpec.duration("2H")).isEqualTo(java.time.Duration.ofHours(2));
        assertThat(TimeSpec.duration("1.5s")).isEqualTo(java.time.Duration.ofMillis(1500));
        assertThat(TimeSpec.duration("20us")).isEqualTo(java.time.Duration.ofNanos(20_000));
        assertThatThrownBy(() -> TimeSpec.duration("soon")).hasMessage("bad duration 'soon': use e.g. 250ms, 5s, 10m, 2h");
        assertThatThrownBy(() -> TimeSpec.duration("-1s")).hasMessageStartingWith("bad duration");
        assertThatThrownBy(() -> TimeSpec.duration("999999999d")).hasMessageContaining("too long");
    }

    @Test
    void aPointInTimeTakesTheSameSpansButNoBareNumber() {
        assertThat(TimeSpec.parse("from", "1.5s", NOW)).isEqualTo(NOW - 1_500_000_000L);
        assertThatThrownBy(() -> TimeSpec.parse("from", "90", NOW)).hasMessageContaining("is not a time");
    }
}

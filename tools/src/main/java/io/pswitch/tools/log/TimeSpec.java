package io.pswitch.tools.log;

import io.pswitch.control.config.DurationParser;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A point in time as an operator writes it on the command line: RFC 3339
 * ({@code 2026-11-21T16:00:00Z}, {@code 2026-11-21T17:00:00.5+01:00}) or a duration ago
 * ({@code 15m}, {@code 2h}, {@code 90s}: now minus that).
 */
public final class TimeSpec {
    private TimeSpec() {
    }

    /**
     * @param nowNs the current time, epoch nanoseconds (relative times count back from it)
     * @return epoch nanoseconds
     * @throws IllegalArgumentException saying which forms are accepted
     */
    public static long parse(String text, long nowNs) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("missing time");
        }
        String t = text.trim();
        if (t.indexOf('T') > 0 || t.indexOf('t') > 0 || t.contains("-") && t.contains(":")) {
            try {
                return epochNs(OffsetDateTime.parse(t.replace(' ', 'T')).toInstant());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("bad time '" + text
                        + "': use RFC 3339 (e.g. 2026-11-21T16:00:00Z) or a duration ago (e.g. 15m, 2h)");
            }
        }
        try {
            return nowNs - DurationParser.parse(t).toNanos();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad time '" + text
                    + "': use RFC 3339 (e.g. 2026-11-21T16:00:00Z) or a duration ago (e.g. 15m, 2h)");
        }
    }

    public static long epochNs(Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }

    public static long nowNs() {
        return epochNs(Instant.now());
    }

    /** RFC 3339 with nanoseconds, UTC. */
    public static String format(long epochNs) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNs, 1_000_000_000L), Math.floorMod(epochNs, 1_000_000_000L)).toString();
    }
}

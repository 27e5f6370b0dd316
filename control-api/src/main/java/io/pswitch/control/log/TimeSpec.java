package io.pswitch.control.log;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A point in time as an operator writes it for a log query: an RFC 3339 timestamp
 * ({@code 2026-11-21T16:05:00Z}, {@code 2026-11-21T17:05:00.5+01:00}), a relative form meaning
 * "that long before now" ({@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}, {@code 250ms}), or
 * {@code now}. Parsed to epoch nanoseconds, the log's clock.
 *
 * <p>A bare number is refused rather than guessed (epoch seconds? nanoseconds? minutes ago?).
 */
public final class TimeSpec {
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
    /** An offset whose '+' became a space: an unencoded '+' in a URL query string decodes so. */
    private static final Pattern SPACED_OFFSET = Pattern.compile("(.*\\d\\d:\\d\\d(?:\\.\\d+)?) (\\d\\d:\\d\\d)");
    private static final long MAX_RELATIVE_NS = 100L * 365 * 86_400_000_000_000L;

    private TimeSpec() {
    }

    /**
     * @param name what the value is (a query parameter's name), for the error message
     * @param nowNs the epoch time relative forms count back from
     * @return epoch nanoseconds
     * @throws IllegalArgumentException naming {@code name} and the forms accepted
     */
    public static long parse(String name, String text, long nowNs) {
        if (text == null || text.isBlank()) {
            throw bad(name, text);
        }
        String t = text.trim();
        if (t.equalsIgnoreCase("now")) {
            return nowNs;
        }
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            long unitNs = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            if (n > MAX_RELATIVE_NS / unitNs) {
                throw new IllegalArgumentException(name + " '" + t + "' reaches back more than 100 years");
            }
            return nowNs - n * unitNs;
        }
        // RFC 3339 allows a lower-case 't'/'z' and a space between date and time.
        String iso = t.length() > 10 && (t.charAt(10) == ' ' || t.charAt(10) == 't')
                ? t.substring(0, 10) + 'T' + t.substring(11) : t;
        Matcher spaced = SPACED_OFFSET.matcher(iso);
        if (spaced.matches()) {
            iso = spaced.group(1) + '+' + spaced.group(2);
        }
        iso = iso.toUpperCase(Locale.ROOT);
        try {
            Instant i = OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
        } catch (DateTimeException | ArithmeticException e) {
            throw bad(name, t);
        }
    }

    /** {@code epochNs} as RFC 3339 in UTC with nanoseconds where needed. */
    public static String format(long epochNs) {
        Instant i = Instant.ofEpochSecond(Math.floorDiv(epochNs, 1_000_000_000L), Math.floorMod(epochNs, 1_000_000_000L));
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(i.atOffset(ZoneOffset.UTC)).replace("+00:00", "Z");
    }

    private static IllegalArgumentException bad(String name, String text) {
        String shown = text == null ? "" : text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return new IllegalArgumentException(name + " '" + shown.replaceAll("\\p{Cntrl}", "?")
                + "' is not a time: use RFC 3339 (2026-11-21T16:05:00Z), a span back from now (90s, 10m, 2h, 1d) or 'now'");
    }
}

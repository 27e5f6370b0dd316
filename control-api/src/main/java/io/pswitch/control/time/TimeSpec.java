package io.pswitch.control.time;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar for time as operators write it, on the command line, in the config file and in
 * REST queries.
 *
 * <ul>
 *   <li>A <b>duration</b> ({@link #duration}): a number, decimals allowed, and a unit
 *       {@code us|µs|ms|s|m|h|d} ({@code 250ms}, {@code 1.5s}, {@code 10m}); a bare number is
 *       seconds, as in every flag and config key that takes one.</li>
 *   <li>A <b>point in time</b> ({@link #parse}): an RFC 3339 timestamp ({@code 2026-11-21T16:05:00Z},
 *       {@code 2026-11-21T17:05:00.5+01:00}), a duration meaning "that long before now"
 *       ({@code 90s}, {@code 2h}), or {@code now}; epoch nanoseconds, the log's clock. Here a bare
 *       number is refused rather than guessed (epoch seconds? nanoseconds? seconds ago?).</li>
 * </ul>
 */
public final class TimeSpec {
    private static final Pattern SPAN = Pattern.compile("(\\d{1,15}(?:\\.\\d{1,9})?)(us|µs|ms|s|m|h|d)?");
    /** An offset whose '+' became a space: an unencoded '+' in a URL query string decodes so. */
    private static final Pattern SPACED_OFFSET = Pattern.compile("(.*\\d\\d:\\d\\d(?:\\.\\d+)?) (\\d\\d:\\d\\d)");
    private static final long MAX_RELATIVE_NS = 100L * 365 * 86_400_000_000_000L;

    private TimeSpec() {
    }

    /**
     * A duration: {@code 250ms}, {@code 1.5s}, {@code 10m}, {@code 2h}, {@code 1d}; a bare number is seconds.
     *
     * @throws IllegalArgumentException saying which forms are accepted
     */
    public static Duration duration(String text) {
        if (text == null) {
            throw new IllegalArgumentException("missing duration");
        }
        Matcher m = SPAN.matcher(text.trim().toLowerCase(Locale.ROOT));
        long ns = m.matches() ? spanNs(m.group(1), m.group(2) == null ? "s" : m.group(2)) : -2;
        if (ns == -2) {
            throw new IllegalArgumentException("bad duration '" + text + "': use e.g. 250ms, 5s, 10m, 2h");
        }
        if (ns == -1) {
            throw new IllegalArgumentException("duration '" + text + "' is too long");
        }
        return Duration.ofNanos(ns);
    }

    /** {@code number} {@code unit}s in nanoseconds, or -1 beyond 100 years. */
    private static long spanNs(String number, String unit) {
        double unitNs = switch (unit) {
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> 86400e9;
        };
        // Exact for whole numbers of the unit; decimals round to the nanosecond.
        double ns = Double.parseDouble(number) * unitNs;
        return ns > MAX_RELATIVE_NS ? -1 : Math.round(ns);
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
        Matcher m = SPAN.matcher(t);
        if (m.matches() && m.group(2) != null) {
            long ns = spanNs(m.group(1), m.group(2));
            if (ns < 0) {
                throw new IllegalArgumentException(name + " '" + t + "' reaches back more than 100 years");
            }
            return nowNs - ns;
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

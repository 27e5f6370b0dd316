package io.pswitch.pktlog.filter;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * A logging filter: frames that match {@code expression} (tcpdump syntax), arrive on one of
 * {@code ports} (empty = any port) and while {@code enabled} are persisted, the first
 * {@code snaplen} bytes of each (0 = the whole frame).
 *
 * @throws IllegalArgumentException from the constructor, with a one-line message naming the field
 */
public record Filter(int id, String name, String expression, int snaplen, Set<String> ports, boolean enabled) {
    /** Filter names: 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** Port names, as a port spec accepts them. */
    public static final Pattern PORT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    /** Smallest non-zero snaplen: an Ethernet header. */
    public static final int MIN_SNAPLEN = 14;
    public static final int MAX_SNAPLEN = 262144;
    public static final int MAX_EXPRESSION_LENGTH = 8192;

    public Filter {
        if (id <= 0) {
            throw new IllegalArgumentException("filter id " + id + " must be positive");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("filter name '" + printable(name) + "' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (expression == null) {
            throw new IllegalArgumentException("filter '" + name + "' has no expression (use \"\" to match every frame)");
        }
        if (expression.length() > MAX_EXPRESSION_LENGTH) {
            throw new IllegalArgumentException("filter '" + name + "' expression is " + expression.length()
                    + " characters, more than " + MAX_EXPRESSION_LENGTH);
        }
        if (expression.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("filter '" + name + "' expression contains a NUL character");
        }
        if (snaplen != 0 && (snaplen < MIN_SNAPLEN || snaplen > MAX_SNAPLEN)) {
            throw new IllegalArgumentException("filter '" + name + "' snaplen " + snaplen + " must be 0 (whole frame) or "
                    + MIN_SNAPLEN + ".." + MAX_SNAPLEN);
        }
        if (ports == null) {
            ports = Set.of();
        }
        for (String port : ports) {
            if (port == null || !PORT_NAME.matcher(port).matches()) {
                throw new IllegalArgumentException("filter '" + name + "' names port '" + printable(port)
                        + "', not a port name (1-32 letters, digits, '_', '.' or '-')");
            }
        }
        ports = Set.copyOf(ports);
    }

    /** Client text echoed in an error stays on one line: control characters are shown escaped. */
    private static String printable(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A filter on every port, whole frames, enabled. */
    public static Filter of(int id, String name, String expression) {
        return new Filter(id, name, expression, 0, Set.of(), true);
    }

    public Filter withEnabled(boolean on) {
        return new Filter(id, name, expression, snaplen, ports, on);
    }
}

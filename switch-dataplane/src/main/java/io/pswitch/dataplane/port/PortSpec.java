package io.pswitch.dataplane.port;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parsed port spec: {@code name=driver:argument[,option=value…]}.
 *
 * <p>The argument runs up to the first comma; options are {@code key=value} pairs after it.
 */
public record PortSpec(String text, String name, String driver, String argument, Map<String, String> options) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern DRIVER = Pattern.compile("[a-z][a-z0-9]*");

    public PortSpec {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * Parses a spec.
     *
     * @throws IllegalArgumentException with a message that quotes the spec and says what is wrong
     */
    public static PortSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw bad(text, "empty port spec");
        }
        int eq = text.indexOf('=');
        int colon = text.indexOf(':');
        if (eq < 0 || (colon >= 0 && colon < eq)) {
            throw bad(text, "missing 'name=' before the driver");
        }
        String name = text.substring(0, eq);
        if (!NAME.matcher(name).matches()) {
            throw bad(text, "port name '" + name + "' must be 1-32 letters, digits, '_', '.' or '-'");
        }
        String rest = text.substring(eq + 1);
        int c = rest.indexOf(':');
        if (c < 0) {
            throw bad(text, "missing ':' after the driver name (e.g. p0=pcap:eth0)");
        }
        String driver = rest.substring(0, c);
        if (!DRIVER.matcher(driver).matches()) {
            throw bad(text, "driver '" + driver + "' is not a driver name");
        }
        String[] parts = rest.substring(c + 1).split(",", -1);
        String argument = parts[0];
        if (argument.isEmpty()) {
            throw bad(text, "driver " + driver + " needs an argument after ':'");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String opt = parts[i];
            int oe = opt.indexOf('=');
            if (oe <= 0 || oe == opt.length() - 1) {
                throw bad(text, "option '" + opt + "' is not of the form key=value");
            }
            String key = opt.substring(0, oe);
            if (options.put(key, opt.substring(oe + 1)) != null) {
                throw bad(text, "option '" + key + "' is given twice");
            }
        }
        return new PortSpec(text, name, driver, argument, options);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad port spec '" + text + "': " + why);
    }

    public String option(String key, String dflt) {
        return options.getOrDefault(key, dflt);
    }

    @Override
    public String toString() {
        return text;
    }
}

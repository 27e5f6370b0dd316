package io.pswitch.drivers;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The drivers this build has (found through {@link ServiceLoader}, listed in
 * {@code META-INF/services/io.pswitch.dataplane.port.PortDriverFactory}) and the one place that
 * turns a spec into an open port.
 */
public final class PortDrivers {
    private final Map<String, PortDriverFactory> factories = new TreeMap<>();

    private PortDrivers() {
        for (PortDriverFactory f : ServiceLoader.load(PortDriverFactory.class, PortDrivers.class.getClassLoader())) {
            factories.put(f.driver(), f);
        }
    }

    public static PortDrivers installed() {
        return new PortDrivers();
    }

    public List<PortDriverFactory> all() {
        return new ArrayList<>(factories.values());
    }

    /**
     * Parses and opens a port.
     *
     * @throws IllegalArgumentException for a malformed spec, an unknown driver or option
     * @throws PortOpenException when the driver cannot open it
     */
    public Port open(String specText, PortContext context) {
        return open(PortSpec.parse(specText), context);
    }

    public Port open(PortSpec spec, PortContext context) {
        PortDriverFactory f = factory(spec);
        return f.open(spec, context);
    }

    /** Checks driver and options without opening anything. */
    public PortDriverFactory factory(PortSpec spec) {
        PortDriverFactory f = factories.get(spec.driver());
        if (f == null) {
            throw new IllegalArgumentException("bad port spec '" + spec.text() + "': unknown driver '" + spec.driver()
                    + "' (drivers: " + String.join(", ", factories.keySet()) + ")");
        }
        for (String key : spec.options().keySet()) {
            if (!f.options().contains(key)) {
                throw new IllegalArgumentException("bad port spec '" + spec.text() + "': driver " + f.driver()
                        + " has no option '" + key + "'" + (f.options().isEmpty() ? " (it takes none)" : " (options: " + String.join(", ", new java.util.TreeSet<>(f.options())) + ")"));
            }
        }
        return f;
    }

    /** One line per driver for help texts. */
    public String usage() {
        StringBuilder sb = new StringBuilder();
        for (PortDriverFactory f : factories.values()) {
            sb.append("  ").append(f.usage()).append('\n');
        }
        return sb.toString();
    }
}

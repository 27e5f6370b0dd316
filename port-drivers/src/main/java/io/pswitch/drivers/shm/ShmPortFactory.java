package io.pswitch.drivers.shm;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import java.util.Set;

/** Opens {@code name=shm:<shm-name>[,slots=N][,slotsize=B]} ports (see {@link ShmPort}). */
public final class ShmPortFactory implements PortDriverFactory {
    public static final String DRIVER = "shm";
    private static final Set<String> OPTIONS = Set.of("slots", "slotsize");

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public String usage() {
        return "shm:<name>[,slots=N][,slotsize=B]  shared-memory rings in /dev/shm/pswitch-<name> for local apps and `pswitch gen`"
                + " (slots: power of two, default " + ShmRingDescriptor.DEFAULT_SLOT_COUNT + "; slotsize: max frame bytes, default "
                + ShmRingDescriptor.DEFAULT_SLOT_SIZE + ")";
    }

    @Override
    public Set<String> options() {
        return OPTIONS;
    }

    @Override
    public Port open(PortSpec spec, PortContext context) {
        if (!DRIVER.equals(spec.driver())) {
            throw new PortOpenException("port " + spec.name() + ": driver '" + spec.driver() + "' is not shm");
        }
        for (String key : spec.options().keySet()) {
            if (!OPTIONS.contains(key)) {
                throw new PortOpenException("port " + spec.name() + ": shm does not know option '" + key + "' (known: slots, slotsize)");
            }
        }
        int slots = intOption(spec, "slots", ShmRingDescriptor.DEFAULT_SLOT_COUNT);
        int slotSize = intOption(spec, "slotsize", ShmRingDescriptor.DEFAULT_SLOT_SIZE);
        return ShmPort.open(spec, spec.argument(), slots, slotSize, context);
    }

    private static int intOption(PortSpec spec, String key, int dflt) {
        String value = spec.option(key, null);
        if (value == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new PortOpenException("port " + spec.name() + ": option " + key + "=" + value + " is not a whole number");
        }
    }
}

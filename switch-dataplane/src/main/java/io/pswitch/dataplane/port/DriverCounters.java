package io.pswitch.dataplane.port;

import java.util.LinkedHashMap;
import java.util.Map;
import org.agrona.concurrent.AtomicBuffer;

/**
 * A driver's own counters of one port (kernel drops, fill ring empty, bad datagrams by cause...),
 * in the switch's counters file next to the port's {@link PortCounters}, labelled
 * {@code "port <name> driver <counter>"}: {@code pswitch stat} prints them, {@code /metrics} serves
 * them as {@code pswitch_port_driver_total{port,counter}}.
 *
 * <p>Single writer, the dataplane thread that owns the port (the driver's syncs, once per call, not
 * per frame): a plain load of its own value and a release store. Readers load with acquire
 * semantics. A driver's counters class keeps its index constants and delegates here.
 */
public final class DriverCounters {
    private final AtomicBuffer values;
    private final String[] names;
    private final int[] offsets;

    DriverCounters(AtomicBuffer values, String[] names, int[] offsets) {
        this.values = values;
        this.names = names;
        this.offsets = offsets;
    }

    /** Adds to counter {@code index} (its position in the names the driver gave). Owner thread. */
    public void add(int index, long delta) {
        if (delta != 0) {
            int o = offsets[index];
            values.putLongRelease(o, values.getLong(o) + delta);
        }
    }

    /** Sets counter {@code index} to a total the driver copied from elsewhere (the kernel's statistics). Owner thread. */
    public void set(int index, long value) {
        values.putLongRelease(offsets[index], value);
    }

    /** Any thread. */
    public long get(int index) {
        return values.getLongAcquire(offsets[index]);
    }

    /** Every counter by name, in the driver's order. Cold path (REST, metrics). */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], get(i));
        }
        return m;
    }
}

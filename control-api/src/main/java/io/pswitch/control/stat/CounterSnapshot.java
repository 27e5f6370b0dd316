package io.pswitch.control.stat;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.port.PortState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agrona.concurrent.status.CountersReader;

/**
 * One reading of a counters file, grouped the way {@code pswitch stat} prints it: by owner ("port a",
 * "log", "filter web"), in allocation order. Counters that several workers own under the same type
 * and label are summed (gauges: the largest is kept), so a multi-worker switch prints one line each.
 */
public final class CounterSnapshot {
    /** One printed counter: its group, its name within the group, its type and (summed) value. */
    public record Line(String group, String name, int typeId, long value) {
        /** The value as printed: a port state by name, anything else as a plain number. */
        public String text() {
            if (typeId == CounterType.PORT_STATE) {
                PortState[] states = PortState.values();
                return value >= 0 && value < states.length ? states[(int) value].name().toLowerCase(Locale.ROOT) : Long.toString(value);
            }
            return Long.toString(value);
        }
    }

    private final List<Line> lines;

    private CounterSnapshot(List<Line> lines) {
        this.lines = lines;
    }

    /** Reads every allocated counter once (acquire loads: each value is one the writer published). */
    public static CounterSnapshot read(CountersReader reader) {
        Map<String, Line> byKey = new LinkedHashMap<>();
        reader.forEach((counterId, typeId, keyBuffer, label) -> {
            long value = reader.getCounterValue(counterId);
            int cut = groupEnd(typeId, label);
            String group = cut < 0 ? label : label.substring(0, cut);
            String name = cut < 0 ? "" : label.substring(cut + 1);
            String key = typeId + "\u0000" + label;
            Line seen = byKey.get(key);
            if (seen != null) {
                // Another worker's counter of the same type and label (its key holds the worker id,
                // CountersFileDescriptor.KEY_WORKER_OFFSET): one printed line.
                value = CounterType.isGauge(typeId) ? Math.max(seen.value(), value) : seen.value() + value;
            }
            byKey.put(key, new Line(group, name, typeId, value));
        });
        return new CounterSnapshot(new ArrayList<>(byKey.values()));
    }

    /** Where the owner ends in a label: "port a rx_frames" and "worker 0 frames" after two words, "log frames" after one. */
    private static int groupEnd(int typeId, String label) {
        int first = label.indexOf(' ');
        if (first < 0) {
            return -1;
        }
        int category = typeId / 100;
        // A port's, a filter's and a worker's counters are grouped by their owner's name or number.
        if (category == 1 || category == 3 || category == 5) {
            return label.indexOf(' ', first + 1);
        }
        return first;
    }

    public List<Line> lines() {
        return lines;
    }

    /** The value of the counter labelled {@code group + " " + name}, or -1 when there is none. */
    public long value(String group, String name) {
        for (Line l : lines) {
            if (l.group().equals(group) && l.name().equals(name)) {
                return l.value();
            }
        }
        return -1;
    }

    /** The snapshot as {@code pswitch stat} prints it: a heading per group, a line per counter. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        String group = null;
        for (Line l : lines) {
            if (!l.group().equals(group)) {
                group = l.group();
                sb.append(group).append('\n');
            }
            sb.append(String.format(Locale.ROOT, "  %-40s %20s%n", l.name(), l.text()));
        }
        return sb.toString();
    }
}

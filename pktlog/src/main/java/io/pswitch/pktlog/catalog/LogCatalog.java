package io.pswitch.pktlog.catalog;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the numbers in index records mean to an operator: the switch's ports by index and its
 * logging filters by id. Written by the switch into the data directory (see
 * {@link LogCatalogDescriptor}); read by the log tools, which fall back to {@code port<N>} and
 * {@code filter<N>} for anything it does not name (or when there is no catalog at all).
 *
 * <p>Filters are kept by id across changes: a filter removed at run time stays in the catalog so
 * that records it logged keep their name.
 */
public record LogCatalog(List<PortEntry> ports, List<FilterEntry> filters) {
    /** A switch port: its index in index records ({@code ingress port}) and its name. */
    public record PortEntry(int index, String name) {
        public PortEntry {
            if (index < 0 || index > 0x7FFF) {
                throw new IllegalArgumentException("port index " + index + " must be between 0 and 32767");
            }
            Objects.requireNonNull(name, "port name");
        }
    }

    /** A logging filter: its id (bit {@code id} of a record's filter mask when {@code id < 64}), name and expression. */
    public record FilterEntry(int id, String name, String expression) {
        public FilterEntry {
            if (id < 0 || id > 0x7FFF) {
                throw new IllegalArgumentException("filter id " + id + " must be between 0 and 32767");
            }
            Objects.requireNonNull(name, "filter name");
            expression = expression == null ? "" : expression;
        }
    }

    public static final LogCatalog EMPTY = new LogCatalog(List.of(), List.of());

    public LogCatalog {
        ports = List.copyOf(ports);
        filters = List.copyOf(filters);
        Map<Integer, String> seen = new HashMap<>();
        for (PortEntry p : ports) {
            if (seen.put(p.index(), p.name()) != null) {
                throw new IllegalArgumentException("port index " + p.index() + " is listed twice in the log catalog");
            }
        }
        seen.clear();
        for (FilterEntry f : filters) {
            if (seen.put(f.id(), f.name()) != null) {
                throw new IllegalArgumentException("filter id " + f.id() + " is listed twice in the log catalog");
            }
        }
    }

    /** The port's name, or {@code port<index>} when the catalog does not name it. */
    public String portName(int index) {
        for (PortEntry p : ports) {
            if (p.index() == index) {
                return p.name();
            }
        }
        return "port" + index;
    }

    /** The filter's name, or {@code filter<id>} when the catalog does not name it. */
    public String filterName(int id) {
        for (FilterEntry f : filters) {
            if (f.id() == id) {
                return f.name();
            }
        }
        return "filter" + id;
    }

    /**
     * The index of the port called {@code name}: a catalog name, {@code port<N>}, or a bare index.
     *
     * @throws IllegalArgumentException naming the known ports when there is no such port
     */
    public int portIndex(String name) {
        for (PortEntry p : ports) {
            if (p.name().equals(name)) {
                return p.index();
            }
        }
        String digits = name.startsWith("port") ? name.substring(4) : name;
        if (!digits.isEmpty() && digits.length() <= 5 && digits.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(digits);
            if (index <= 0x7FFF) {
                return index;
            }
        }
        StringBuilder known = new StringBuilder();
        for (PortEntry p : ports) {
            known.append(known.isEmpty() ? "" : ", ").append(p.name());
        }
        throw new IllegalArgumentException("no port named '" + name + "'"
                + (ports.isEmpty() ? " (no log catalog: use port0, port1, ... or an index)" : " (ports: " + known + ")"));
    }

    /**
     * Names of the filters that logged a record, comma-separated: every id set in {@code filterMask}
     * (ids below 64), and {@code firstFilterId} when it is 64 or more (the mask cannot hold it).
     */
    public String filterNames(long filterMask, int firstFilterId) {
        StringBuilder sb = new StringBuilder();
        long m = filterMask;
        while (m != 0) {
            int id = Long.numberOfTrailingZeros(m);
            m &= m - 1;
            sb.append(sb.isEmpty() ? "" : ", ").append(filterName(id));
        }
        if (firstFilterId >= 64) {
            sb.append(sb.isEmpty() ? "" : ", ").append(filterName(firstFilterId));
        }
        return sb.toString();
    }
}

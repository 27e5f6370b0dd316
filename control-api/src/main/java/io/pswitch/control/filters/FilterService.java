package io.pswitch.control.filters;

import io.pswitch.dataplane.logging.FilterCounters;
import io.pswitch.pktlog.filter.Filter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The filter lifecycle of a running switch — list, add, replace, delete — for the REST API and
 * {@code ctl}. Every change compiles the whole new set (libpcap's message on a bad expression),
 * stores it in the data directory and installs it; on any error nothing changes.
 *
 * <p>Ids are never reused in a data directory (records keep the id of the filter that logged
 * them): the filter store remembers the next id across deletions and restarts.
 */
public final class FilterService {
    /** The running switch whose filters this service changes (the assembly; a cold-path view of it). */
    public interface Target {
        /** The filters installed now (enabled or not), in order. */
        List<Filter> filters();

        /** The id a new filter gets: never one given before in this data directory. */
        int nextFilterId();

        /** Compiles, stores and installs {@code filters}; returns the dataplane generation that applies them. */
        long replaceFilters(List<Filter> filters);

        /** What filter {@code id} logged since the switch started, or null. */
        FilterCounters filterCounters(int id);
    }

    /** What a client may set; null fields take defaults (add) or keep nothing (replace: all required but snaplen/ports/enabled). */
    public record Request(String name, String expression, Integer snaplen, Set<String> ports, Boolean enabled) {
    }

    /** A filter with what it logged since the switch started. */
    public record View(int id, String name, String expression, int snaplen, Set<String> ports, boolean enabled,
                       long loggedFrames, long loggedBytes) {
    }

    /** No filter has this id. */
    public static final class UnknownFilterException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UnknownFilterException(int id) {
            super("no filter with id " + id);
        }
    }

    /** The name is taken by another filter. */
    public static final class FilterConflictException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public FilterConflictException(String name) {
            super("a filter named '" + name + "' already exists");
        }
    }

    private final Target sw;
    private long generation;

    public FilterService(Target sw) {
        this.sw = sw;
    }

    public synchronized List<View> list() {
        List<View> out = new ArrayList<>();
        for (Filter f : sw.filters()) {
            out.add(view(f));
        }
        return out;
    }

    public synchronized View get(int id) {
        return view(find(sw.filters(), id));
    }

    /** Adds a filter; returns it as stored (with its new id). */
    public synchronized View add(Request r) {
        List<Filter> current = sw.filters();
        Filter f = build(sw.nextFilterId(), r);
        requireUniqueName(current, f.name(), -1);
        List<Filter> next = new ArrayList<>(current);
        next.add(f);
        generation = sw.replaceFilters(next);
        return view(f);
    }

    /** Replaces filter {@code id} whole (PUT semantics: omitted optional fields take their defaults). */
    public synchronized View replace(int id, Request r) {
        List<Filter> current = sw.filters();
        find(current, id);
        Filter f = build(id, r);
        requireUniqueName(current, f.name(), id);
        List<Filter> next = new ArrayList<>();
        for (Filter old : current) {
            next.add(old.id() == id ? f : old);
        }
        generation = sw.replaceFilters(next);
        return view(f);
    }

    public synchronized void delete(int id) {
        List<Filter> current = sw.filters();
        find(current, id);
        List<Filter> next = new ArrayList<>();
        for (Filter old : current) {
            if (old.id() != id) {
                next.add(old);
            }
        }
        generation = sw.replaceFilters(next);
    }

    /**
     * Replaces the whole set with {@code requests}, in their order (a config file reload). A filter
     * keeps the id of the installed one with its name, as a PUT would, so its counters and records
     * stay its own; a new name gets a new id. An unchanged set installs nothing.
     *
     * @return the generation to wait for, or 0 when the set is the one installed
     */
    public synchronized long replaceAll(List<Request> requests) {
        List<Filter> current = sw.filters();
        int nextId = sw.nextFilterId();
        List<Filter> next = new ArrayList<>();
        for (Request r : requests) {
            int id = 0;
            for (Filter old : current) {
                if (r != null && old.name().equals(r.name())) {
                    id = old.id();
                }
            }
            Filter f = build(id != 0 ? id : nextId++, r);
            for (Filter earlier : next) {
                if (earlier.name().equals(f.name())) {
                    throw new FilterConflictException(f.name());
                }
            }
            next.add(f);
        }
        if (next.equals(current)) {
            return 0;
        }
        generation = sw.replaceFilters(next);
        return generation;
    }

    /**
     * The dataplane generation of the last change made here (0 before any): the change is in
     * effect once {@code LoggingStage.appliedGeneration()} reaches it.
     */
    public synchronized long generation() {
        return generation;
    }

    /** The filter a request describes; package-private for its fuzz test. */
    static Filter build(int id, Request r) {
        if (r == null) {
            throw new IllegalArgumentException("missing filter: expected {\"name\": ..., \"expression\": ...}");
        }
        if (r.name() == null) {
            throw new IllegalArgumentException("field 'name' is required");
        }
        if (r.expression() == null) {
            throw new IllegalArgumentException("field 'expression' is required (\"\" matches every frame)");
        }
        return new Filter(id, r.name(), r.expression(), r.snaplen() == null ? 0 : r.snaplen(),
                r.ports() == null ? Set.of() : r.ports(), r.enabled() == null || r.enabled());
    }

    private static Filter find(List<Filter> filters, int id) {
        for (Filter f : filters) {
            if (f.id() == id) {
                return f;
            }
        }
        throw new UnknownFilterException(id);
    }

    private static void requireUniqueName(List<Filter> filters, String name, int exceptId) {
        for (Filter f : filters) {
            if (f.id() != exceptId && f.name().equals(name)) {
                throw new FilterConflictException(name);
            }
        }
    }

    private View view(Filter f) {
        FilterCounters c = sw.filterCounters(f.id());
        // Sorted, so lists and tables show ports in a stable order.
        return new View(f.id(), f.name(), f.expression(), f.snaplen(), Collections.unmodifiableSortedSet(new TreeSet<>(f.ports())), f.enabled(),
                c == null ? 0 : c.frames(), c == null ? 0 : c.bytes());
    }
}

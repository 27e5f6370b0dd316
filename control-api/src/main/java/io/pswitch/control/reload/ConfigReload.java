package io.pswitch.control.reload;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.filters.FilterService;
import io.pswitch.control.log.ReloadStatus;
import io.pswitch.pktlog.filter.Filter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One reload of the config file into a running switch: re-reads it (merged with the command line's
 * flags exactly as at start, flags winning), applies what can change live and names what cannot.
 *
 * <p>What applies live is the filter set ({@code log.filters}): it goes through the same
 * {@link FilterService} path as a REST change (compiled whole by libpcap, stored in
 * {@code filters.json}, installed as one immutable set that the dataplane picks up between two
 * batches), so a reload and a REST change are serialised and stored alike. Everything else that
 * differs from the running settings is left as it runs and named ({@link RestartSettings}).
 *
 * <p>All or nothing: the file is parsed and validated, and the new set compiled, before anything is
 * installed; a file that does not parse or a filter libpcap rejects changes nothing. Every attempt
 * ends in a {@link ReloadStatus} published to the assembly (for {@code GET /api/v1/log}) and in
 * lines on stdout/stderr (the journal under systemd). Cold path; runs on the reload thread only.
 */
public final class ConfigReload {
    /** How long a reload waits for the dataplane to pick up a new set (it does so every duty cycle). */
    private static final long APPLY_TIMEOUT_NS = 10_000_000_000L;

    private final Path file;
    private final Supplier<RunSettings> settings;
    private final boolean filtersFromFile;
    private final SwitchAssembly sw;
    private final PrintStream out;
    private final PrintStream err;
    private long attempts;

    /**
     * @param file the config file, or null when the switch was started without one
     * @param settings re-reads the file and merges it with the flags, as at start
     * @param filtersFromFile false when {@code --filter} flags were given: they override the file's
     *     filters, so a reload must not replace the running set (perhaps changed over REST since)
     */
    public ConfigReload(Path file, Supplier<RunSettings> settings, boolean filtersFromFile, SwitchAssembly sw,
                        PrintStream out, PrintStream err) {
        this.file = file;
        this.settings = settings;
        this.filtersFromFile = filtersFromFile;
        this.sw = sw;
        this.out = out;
        this.err = err;
    }

    /** Re-reads the file and applies it; the outcome is also published and printed. */
    public ReloadStatus reload() {
        attempts++;
        List<String> changed = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        String message;
        boolean ok;
        try {
            message = apply(changed, restart);
            ok = true;
        } catch (RuntimeException e) {
            changed.clear();
            restart.clear();
            message = (file == null ? "reload" : "reload of " + file) + " failed, the running configuration is unchanged: "
                    + oneLine(e);
            ok = false;
            if (System.getenv("PSWITCH_DEBUG") != null) {
                e.printStackTrace(err);
            }
        }
        ReloadStatus status = new ReloadStatus(attempts, System.currentTimeMillis() * 1_000_000L, ok, message,
                file == null ? null : file.toString(), changed, restart);
        sw.reloadStatus(status);
        PrintStream to = ok ? out : err;
        to.println("pswitch: " + message);
        if (!restart.isEmpty()) {
            to.println("pswitch: reload: these settings need a restart: " + String.join(", ", restart));
        }
        to.flush();
        return status;
    }

    /** Applies the file; returns the summary line. Throws (having changed nothing) on any bad input. */
    private String apply(List<String> changed, List<String> restart) {
        if (file == null) {
            throw new IllegalStateException("the switch was started without --config: there is no file to re-read");
        }
        RunSettings next = settings.get();
        restart.addAll(RestartSettings.differing(sw.settings(), next));
        String note = "";
        List<Filter> wanted = next.log().filters();
        if (!filtersFromFile) {
            note = " (log.filters: --filter flags override the file, not reloaded)";
        } else if (wanted != null) {
            // Without a log.filters key the running set stays: the stored one, or what REST made of it.
            String diff = describe(sw.filters(), wanted);
            long generation = sw.filterService().replaceAll(requests(wanted));
            if (generation != 0) {
                changed.add("log.filters: " + diff);
                if (!awaitApplied(generation)) {
                    note = " (stored and installed; the dataplane has not picked it up yet)";
                }
            }
        }
        return "reload of " + file + ": " + (changed.isEmpty() ? "no live setting changed" : String.join("; ", changed)) + note;
    }

    private boolean awaitApplied(long generation) {
        long deadline = System.nanoTime() + APPLY_TIMEOUT_NS;
        while (sw.logging().appliedGeneration() < generation) {
            if (System.nanoTime() > deadline || sw.agentError() != null) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static List<FilterService.Request> requests(List<Filter> filters) {
        List<FilterService.Request> out = new ArrayList<>();
        for (Filter f : filters) {
            out.add(new FilterService.Request(f.name(), f.expression(), f.snaplen(), f.ports(), f.enabled()));
        }
        return out;
    }

    /** What a new set does to the running one, by filter name: added, changed, removed. */
    static String describe(List<Filter> running, List<Filter> wanted) {
        Map<String, Filter> byName = new HashMap<>();
        for (Filter f : running) {
            byName.put(f.name(), f);
        }
        List<String> added = new ArrayList<>();
        List<String> modified = new ArrayList<>();
        for (Filter f : wanted) {
            Filter old = byName.remove(f.name());
            if (old == null) {
                added.add(f.name());
            } else if (!old.expression().equals(f.expression()) || old.snaplen() != f.snaplen() || !old.ports().equals(f.ports())
                    || old.enabled() != f.enabled()) {
                modified.add(f.name());
            }
        }
        List<String> removed = new ArrayList<>();
        for (Filter f : running) {
            if (byName.containsKey(f.name())) {
                removed.add(f.name());
            }
        }
        List<String> parts = new ArrayList<>();
        part(parts, "added", added);
        part(parts, "changed", modified);
        part(parts, "removed", removed);
        return parts.isEmpty() ? "reordered" : String.join(", ", parts);
    }

    private static void part(List<String> parts, String what, List<String> names) {
        if (!names.isEmpty()) {
            parts.add(what + " " + String.join(" ", names));
        }
    }

    private static String oneLine(RuntimeException e) {
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = e.getClass().getSimpleName();
        }
        boolean expected = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e.getClass().getName().startsWith("io.pswitch.");
        return (expected ? "" : "internal error: ") + msg.split("\n")[0];
    }
}

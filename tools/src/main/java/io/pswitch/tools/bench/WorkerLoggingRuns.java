package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench --log --workers 1,2}: {@link WorkerLoggingBench}'s three variants for every worker
 * count and traffic pattern, interleaved ({@code fwd filter log} per worker count and pattern, round
 * after round) so the machine's noise hits every case alike. Per worker count and pattern: the median [min–max] rate of each variant; what the
 * filter costs (1 − filter/fwd) and what keeping the matches costs on top of it (1 − log/filter),
 * each from runs of the same round; log/fwd; and each variant's rate against the first worker count's.
 */
final class WorkerLoggingRuns {
    private static final int PORTS = 4;

    private WorkerLoggingRuns() {
    }

    static int run(List<Integer> workerCounts, int repeat, int size, int match, double warm, double secs, Path dir, Path out,
                   PrintStream o) throws Exception {
        for (int w : workerCounts) {
            if (w < 1 || w > PORTS) {
                throw new IllegalArgumentException("--workers " + w + ": between 1 and " + PORTS + " (the benchmark has " + PORTS + " ports)");
            }
        }
        if (size < LoggingTraffic.MIN_SIZE || size > 2048) {
            throw new IllegalArgumentException("--sizes " + size + ": frame sizes must be between " + LoggingTraffic.MIN_SIZE
                    + " and 2048 with --log (UDP frames with a sequence number)");
        }
        if (match < 1 || match > 100) {
            throw new IllegalArgumentException("--match " + match + ": a percentage between 1 and 100");
        }
        Files.createDirectories(dir);
        String loadAtStart = loadAverage();
        o.println("load average: " + loadAtStart + "; filter: " + LoggingTraffic.FILTER + " (" + match + " % of " + size
                + " B frames); log in place on " + dir + ", batch durability; " + PORTS + " pcapfile ports");
        o.printf("%-5s %-6s %-8s %-8s %10s %10s %10s  %s%n", "round", "traffic", "workers", "variant", "Mpps", "logged Mpps",
                "skipped", "busy");
        Map<String, List<WorkerLoggingBench.Result>> byCase = new LinkedHashMap<>();
        for (int round = 1; round <= Math.max(1, repeat); round++) {
            for (WorkerScalingBench.Traffic t : WorkerScalingBench.Traffic.values()) {
                for (int w : workerCounts) {
                    for (WorkerLoggingBench.Variant v : WorkerLoggingBench.Variant.values()) {
                        WorkerLoggingBench.Result r = WorkerLoggingBench.run(dir, w, t, v, size, match, warm, secs);
                        byCase.computeIfAbsent(key(t, w, v), k -> new ArrayList<>()).add(r);
                        o.printf(Locale.ROOT, "%-5d %-6s %-8d %-8s %10.2f %10.3f %10d  %s  %s%n", round, label(t), w, v.label(),
                                r.mpps(), r.loggedMpps(), r.skipped(), busy(r.busy()), r.drops().isEmpty() ? "" : "drops " + r.drops());
                    }
                }
            }
        }
        ObjectMapper json = BenchJson.mapper();
        ObjectNode root = BenchJson.root(json, "workers-logging");
        root.put("ports", PORTS);
        root.put("frameSize", size);
        root.put("matchPercent", match);
        root.put("filter", LoggingTraffic.FILTER);
        root.put("seconds", secs);
        root.put("warmupSeconds", warm);
        root.put("repeat", repeat);
        root.put("loadAverageAtStart", loadAtStart);
        ArrayNode results = root.putArray("results");
        int base = workerCounts.getFirst();
        o.println();
        o.printf("%-6s %-8s | %-19s %-19s %-19s | %-19s %-19s %-19s | %s%n", "traffic", "workers", "fwd Mpps", "filter Mpps",
                "log Mpps", "filter cost", "log cost of filter", "log/fwd", "x of " + base + " worker(s): fwd / filter / log");
        for (WorkerScalingBench.Traffic t : WorkerScalingBench.Traffic.values()) {
            for (int w : workerCounts) {
                summary(o, results.addObject(), byCase, t, w, base);
            }
        }
        String loadAtEnd = loadAverage();
        root.put("loadAverageAtEnd", loadAtEnd);
        o.println("load average: " + loadAtEnd);
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writeValue(out.toFile(), root);
        o.println("results written to " + out);
        return 0;
    }

    /** One line of the summary (worker count {@code w}, pattern {@code t}) and its JSON. */
    private static void summary(PrintStream o, ObjectNode n, Map<String, List<WorkerLoggingBench.Result>> byCase,
                                WorkerScalingBench.Traffic t, int w, int base) {
        List<WorkerLoggingBench.Result> fwd = byCase.get(key(t, w, WorkerLoggingBench.Variant.FORWARD));
        List<WorkerLoggingBench.Result> flt = byCase.get(key(t, w, WorkerLoggingBench.Variant.FILTER));
        List<WorkerLoggingBench.Result> log = byCase.get(key(t, w, WorkerLoggingBench.Variant.LOG));
        Spread fwdMpps = Spread.of(fwd, WorkerLoggingBench.Result::mpps);
        Spread fltMpps = Spread.of(flt, WorkerLoggingBench.Result::mpps);
        Spread logMpps = Spread.of(log, WorkerLoggingBench.Result::mpps);
        // Per round: each ratio compares runs made next to each other.
        Spread filterCost = Spread.ofPairs(flt, fwd, (a, b) -> 100 * (1 - a.mpps() / b.mpps()));
        Spread logCost = Spread.ofPairs(log, flt, (a, b) -> 100 * (1 - a.mpps() / b.mpps()));
        Spread logOverFwd = Spread.ofPairs(log, fwd, (a, b) -> a.mpps() / b.mpps());
        StringBuilder scaling = new StringBuilder();
        n.put("traffic", label(t));
        n.put("workers", w);
        for (WorkerLoggingBench.Variant v : WorkerLoggingBench.Variant.values()) {
            Spread x = Spread.ofPairs(byCase.get(key(t, w, v)), byCase.get(key(t, base, v)), (a, b) -> a.mpps() / b.mpps());
            scaling.append(scaling.isEmpty() ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", x.median()));
            x.put(n.putObject(v.label() + "OverBase"));
        }
        o.printf(Locale.ROOT, "%-6s %-8d | %-19s %-19s %-19s | %-19s %-19s %-19s | %s%n", label(t), w, fwdMpps.text(2), fltMpps.text(2),
                logMpps.text(2), filterCost.text(1) + "%", logCost.text(1) + "%", logOverFwd.text(2), scaling);
        fwdMpps.put(n.putObject("forwardMpps"));
        fltMpps.put(n.putObject("filterMpps"));
        logMpps.put(n.putObject("logMpps"));
        filterCost.put(n.putObject("filterCostPercentOfForward"));
        logCost.put(n.putObject("logCostPercentOfFilter"));
        logOverFwd.put(n.putObject("logOverForward"));
        Spread.of(log, WorkerLoggingBench.Result::loggedMpps).put(n.putObject("loggedMpps"));
        Spread.of(log, r -> (double) r.skipped()).put(n.putObject("logSkipped"));
    }

    private static String busy(double[] fractions) {
        StringBuilder sb = new StringBuilder();
        for (double b : fractions) {
            sb.append(String.format(Locale.ROOT, "%.0f%% ", b * 100));
        }
        return sb.toString().trim();
    }

    private static String key(WorkerScalingBench.Traffic t, int workers, WorkerLoggingBench.Variant v) {
        return t + "/" + workers + "/" + v;
    }

    private static String label(WorkerScalingBench.Traffic t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}

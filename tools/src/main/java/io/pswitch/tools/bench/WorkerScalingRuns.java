package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench --workers 1,2}: every worker count and traffic pattern of {@link WorkerScalingBench},
 * interleaved ({@code A B A B ...}) {@code repeat} times so the machine's noise hits every case alike;
 * reports the median [min–max] of each case and of the ratio to the first worker count, per round.
 */
final class WorkerScalingRuns {
    private static final int PORTS = 4;

    private WorkerScalingRuns() {
    }

    static int run(List<Integer> workerCounts, int repeat, int size, double warm, double secs, Path dir, Path out, PrintStream o)
            throws Exception {
        for (int w : workerCounts) {
            if (w < 1 || w > PORTS) {
                throw new IllegalArgumentException("--workers " + w + ": between 1 and " + PORTS + " (the benchmark has " + PORTS + " ports)");
            }
        }
        Map<String, List<WorkerScalingBench.Result>> byCase = new LinkedHashMap<>();
        o.printf("%-5s %-8s %-6s %14s %10s  %s%n", "round", "workers", "traffic", "forwarded", "Mpps", "busy");
        for (int round = 1; round <= Math.max(1, repeat); round++) {
            for (WorkerScalingBench.Traffic t : WorkerScalingBench.Traffic.values()) {
                for (int w : workerCounts) {
                    WorkerScalingBench.Result r = WorkerScalingBench.run(dir, w, t, PORTS, size, warm, secs);
                    byCase.computeIfAbsent(key(w, t), k -> new ArrayList<>()).add(r);
                    StringBuilder busy = new StringBuilder();
                    for (double b : r.busy()) {
                        busy.append(String.format(Locale.ROOT, "%.0f%% ", b * 100));
                    }
                    o.printf(Locale.ROOT, "%-5d %-8d %-6s %14d %10.2f  %s  %s%n", round, w, t.name().toLowerCase(Locale.ROOT),
                            r.forwarded(), r.mpps(), busy.toString().trim(), r.drops().isEmpty() ? "" : "drops " + r.drops());
                }
            }
        }
        ObjectMapper json = BenchJson.mapper();
        ObjectNode root = BenchJson.root(json, "workers");
        root.put("ports", PORTS);
        root.put("frameSize", size);
        root.put("seconds", secs);
        root.put("repeat", repeat);
        ArrayNode results = root.putArray("results");
        int base = workerCounts.getFirst();
        o.println();
        for (WorkerScalingBench.Traffic t : WorkerScalingBench.Traffic.values()) {
            for (int w : workerCounts) {
                List<WorkerScalingBench.Result> runs = byCase.get(key(w, t));
                Spread mpps = Spread.of(runs, WorkerScalingBench.Result::mpps);
                Spread ratio = Spread.ofPairs(runs, byCase.get(key(base, t)), (a, b) -> a.mpps() / b.mpps());
                o.printf(Locale.ROOT, "%d worker(s), %s: %.2f Mpps [%.2f-%.2f], x%.2f [%.2f-%.2f] of %d worker(s)%n", w,
                        t.name().toLowerCase(Locale.ROOT), mpps.median(), mpps.min(), mpps.max(), ratio.median(), ratio.min(),
                        ratio.max(), base);
                ObjectNode n = results.addObject();
                n.put("workers", w);
                n.put("traffic", t.name().toLowerCase(Locale.ROOT));
                ArrayNode v = n.putArray("mpps");
                runs.forEach(r -> v.add(r.mpps()));
                n.put("mppsMedian", mpps.median());
                n.put("ratioMedian", ratio.median());
                n.put("ratioMin", ratio.min());
                n.put("ratioMax", ratio.max());
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writeValue(out.toFile(), root);
        o.println("results written to " + out);
        return 0;
    }

    private static String key(int workers, WorkerScalingBench.Traffic t) {
        return workers + "/" + t;
    }
}

package io.pswitch.pktlog.filter.bench;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Runs {@link FilterSetBenchmark} and prints, per set size, ns per frame and Mpps on one core: the
 * median and the min-max of the measured iterations (the machine's other load only slows an
 * iteration down, so the spread says how quiet it was).
 *
 * <p>{@code java -cp <test classpath> io.pswitch.pktlog.filter.bench.FilterBenchMain [--quick] [--runs N]}
 * (README: "Filter cost"). {@code --quick} only checks that it runs.
 */
public final class FilterBenchMain {
    private FilterBenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int runs = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("filter bench: unknown argument '" + args[i] + "' (use --quick, --runs N)");
                    System.exit(2);
                }
            }
        }
        runs = Math.max(5, runs);
        Options options = new OptionsBuilder()
                .include(FilterSetBenchmark.class.getName())
                .forks(1)
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.milliseconds(quick ? 200 : 1000))
                .measurementIterations(runs)
                .measurementTime(TimeValue.milliseconds(quick ? 200 : 1000))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.printf(Locale.ROOT, "%n%-8s %28s %28s%n", "filters", "ns/frame median (min-max)", "Mpps median (min-max)");
        for (RunResult r : results) {
            List<Double> ns = new ArrayList<>();
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) {
                    ns.add(it.getPrimaryResult().getScore());
                }
            }
            ns.sort(null);
            double median = ns.size() % 2 == 1 ? ns.get(ns.size() / 2) : (ns.get(ns.size() / 2 - 1) + ns.get(ns.size() / 2)) / 2;
            double min = ns.getFirst();
            double max = ns.getLast();
            System.out.printf(Locale.ROOT, "%-8s %10.1f (%6.1f-%7.1f) %12.2f (%6.2f-%6.2f)%n",
                    r.getParams().getParam("filters"), median, min, max, 1000 / median, 1000 / max, 1000 / min);
        }
    }
}

package io.pswitch.pktlog.filter.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * Filter cost per frame as the measuring thread's CPU time, not wall time: on a shared machine a
 * thread that is descheduled for half an iteration doubles JMH's ns/op (wall clock), while its CPU
 * time counts only the time it ran. Same frames, pool and sets as {@link FilterSetBenchmark}; one set
 * size per JVM (run it once per size), so the call into the compiled set sees one class, as in a JMH fork.
 *
 * <p>{@code java -cp <test classpath> io.pswitch.pktlog.filter.bench.FilterCpuTimeMain --filters N [--runs R]}
 * prints the CPU ns per frame of R runs of about a second each (after 3 s of warm-up): median and min-max.
 */
public final class FilterCpuTimeMain {
    private FilterCpuTimeMain() {
    }

    public static void main(String[] args) throws Exception {
        int filters = 1;
        int runs = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--filters" -> filters = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("filter cpu bench: unknown argument '" + args[i] + "' (use --filters N, --runs R)");
                    System.exit(2);
                }
            }
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        FilterSetBenchmark bench = new FilterSetBenchmark();
        bench.filters = filters;
        bench.setUp();
        try {
            long sink = 0;
            long warmupEnd = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < warmupEnd) {
                sink += bench.evaluate();
            }
            double[] nsPerFrame = new double[runs];
            for (int r = 0; r < runs; r++) {
                long calls = 0;
                long cpu0 = threads.getCurrentThreadCpuTime();
                long wallEnd = System.nanoTime() + 1_000_000_000L;
                // The clock is read once per 1,024 calls, so its cost stays out of the figure.
                while (System.nanoTime() < wallEnd) {
                    for (int i = 0; i < 1024; i++) {
                        sink += bench.evaluate();
                    }
                    calls += 1024;
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                nsPerFrame[r] = (double) cpu / (calls * FilterSetBenchmark.FRAMES);
            }
            double[] sorted = nsPerFrame.clone();
            Arrays.sort(sorted);
            double median = runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
            System.out.printf(Locale.ROOT, "filters %d: CPU ns/frame median %.1f (%.1f-%.1f), Mpps on one core %.2f; runs %s (matches %d)%n",
                    filters, median, sorted[0], sorted[runs - 1], 1000 / median, Arrays.toString(round(nsPerFrame)), sink);
        } finally {
            bench.tearDown();
        }
    }

    private static String[] round(double[] values) {
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = String.format(Locale.ROOT, "%.1f", values[i]);
        }
        return out;
    }
}

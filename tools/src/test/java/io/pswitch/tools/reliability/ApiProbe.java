package io.pswitch.tools.reliability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Polls API paths of a running switch every {@code periodMs} on its own thread, as a monitoring
 * system would, and records each answer's latency and status. Call {@link #close()} to stop it,
 * then read the figures.
 */
final class ApiProbe implements AutoCloseable {
    private final String base;
    private final List<String> paths;
    private final long periodMs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread thread;
    private final List<Long> latenciesNs = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private volatile boolean stop;

    ApiProbe(String base, long periodMs, String... paths) {
        this.base = base;
        this.paths = List.of(paths);
        this.periodMs = periodMs;
        this.thread = Thread.ofPlatform().name("api-probe").daemon().start(this::run);
    }

    private void run() {
        // The first answers pay for class loading and JIT in client and server: not what is measured.
        for (int i = 0; i < 5; i++) {
            for (String path : paths) {
                try {
                    http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    // Counted below when it persists.
                }
            }
        }
        while (!stop) {
            for (String path : paths) {
                long t0 = System.nanoTime();
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    long ns = System.nanoTime() - t0;
                    synchronized (this) {
                        latenciesNs.add(ns);
                        if (r.statusCode() != 200) {
                            failures.add(path + " -> " + r.statusCode() + " " + r.body());
                        }
                    }
                } catch (Exception e) {
                    synchronized (this) {
                        latenciesNs.add(System.nanoTime() - t0);
                        failures.add(path + " -> " + e);
                    }
                }
            }
            try {
                Thread.sleep(periodMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    synchronized int requests() {
        return latenciesNs.size();
    }

    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** Latency percentile in milliseconds (p in 0..100). */
    synchronized double percentileMs(double p) {
        return percentileMs(latenciesNs, p);
    }

    static double percentileMs(List<Long> samples, double p) {
        if (samples.isEmpty()) {
            return 0;
        }
        long[] sorted = samples.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}

package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.pktlog.segment.SegmentBandwidthProbe;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pswitch bench}: the forwarding benchmark over shm ports; prints a table and writes JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Forwarding benchmark over shm ports; prints a table and writes JSON.",
                "A switch with shm ports on one busy-spinning dataplane thread, this process",
                "generating and sinking traffic on another (port 0 -> 1, 2 -> 3).",
                "Frames are known unicast (moved by bufIdx, zero copy). Results go to a table and a JSON file.",
                "With --log: the logging benchmark (2 ports, UDP traffic, filter '" + LoggingTraffic.FILTER
                        + "'): per case forwarding alone, the filter alone, the zero-copy tiered log and a copy-logging",
                "baseline, run interleaved --repeat times (median [min-max]); the disk's O_DIRECT bandwidth is measured",
                "first and printed beside the results as the physical limit.",
                "With --workers: the worker-scaling benchmark (4 pcapfile ports at top speed, no generator thread);",
                "with --log and --workers both: that switch forwarding, running the filter only, and logging",
                "--match percent (default 10) in place on --dir, for each worker count, interleaved --repeat times."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--log", description = {"Run the logging benchmark instead (results: bench-results/logging.json);",
            "with --workers, the multi-worker logging benchmark (results: bench-results/workers-logging.json)."})
    boolean logging;

    @Option(names = "--sizes", split = ",", paramLabel = "BYTES",
            description = "Frame sizes. Default: 64,1500 (with --log: 64,1024).")
    List<Integer> sizes;

    @Option(names = "--match", split = ",", paramLabel = "PERCENT",
            description = "With --log: percent of frames the filter matches. Default: 10,100 (with --workers: 10, the first one given).")
    List<Integer> match;

    @Option(names = "--durability", split = ",", paramLabel = "MODE",
            description = "With --log: sync, batch, async. Default: batch.")
    List<String> durability = new ArrayList<>(List.of("batch"));

    @Option(names = "--storage", split = ",", paramLabel = "KIND",
            description = "With --log: tmpfs (the --dir) and/or disk (the --disk-dir). Default: tmpfs,disk.")
    List<String> storage = new ArrayList<>(List.of("tmpfs", "disk"));

    @Option(names = "--repeat", paramLabel = "N",
            description = "With --log or --workers: rounds of the interleaved variants (A B C D, A B C D, ...). Default: 5.")
    int repeat = 5;

    @Option(names = "--disk-dir", paramLabel = "DIR",
            description = "With --log: the directory on a disk file system. Default: /var/tmp/pswitch-bench.")
    Path diskDir = Path.of("/var/tmp", "pswitch-bench");

    @Option(names = "--segment-log-size", paramLabel = "SIZE",
            description = {"With --log on a disk: the zero-copy log's segment tier size (--log-size), e.g. 256M.",
                    "Given, each run warms up until the log has wrapped (oldest segment recycled), so the measured",
                    "window is the log's steady state. Default: 2G, and no wait (a short run does not wrap)."})
    String segmentLogSize;

    @Option(names = "--ports", split = ",", paramLabel = "N", description = "Port counts (even). Default: 2,4.")
    List<Integer> ports = new ArrayList<>(List.of(2, 4));

    @Option(names = "--duration", paramLabel = "DURATION", description = "Measured time per case. Default: 5s (with --log: 3s).")
    String duration;

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Warm-up per case. Default: 2s (with --log: 1s).")
    String warmup;

    @Option(names = "--out", paramLabel = "FILE",
            description = "JSON results. Default: bench-results/forwarding.json (with --log: bench-results/logging.json)")
    Path out;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the pool file goes. Default: /dev/shm (tmpfs).")
    Path dir = Path.of("/dev/shm");

    @Option(names = "--pool-dir", paramLabel = "DIR",
            description = {"With --log: every variant's buffer pool goes here (the zero-copy log's as its --pool-dir),",
                    "e.g. a hugetlbfs mount to compare 2 MiB pages with /dev/shm's 4 KiB ones. Default: the zero-copy",
                    "log's pool where the switch puts it (in --dir on tmpfs), the other variants' on /dev/shm."})
    Path poolDir;

    @Option(names = "--export", description = {"Run the log export benchmark instead (against tcpdump/editcap);",
            "results go to bench-results/export.json unless --out is given."})
    boolean export;

    @Option(names = "--records", paramLabel = "N", description = "With --export: records in the log. Default: 1000000.")
    int records = 1_000_000;

    @Option(names = "--runs", paramLabel = "N", description = "With --export: runs per case, best taken. Default: 3.")
    int runs = 3;

    @Option(names = "--workers", split = ",", paramLabel = "N",
            description = {"Run the worker-scaling benchmark instead: these worker counts (e.g. 1,2), interleaved --repeat times,",
                    "4 pcapfile ports replaying from --dir at top speed (results: bench-results/workers.json);",
                    "with --log: forwarding, the filter only and logging for each count (see --log)."})
    List<Integer> workers;

    @Override
    public Integer call() throws Exception {
        if (logging && workers != null) {
            return WorkerLoggingRuns.run(workers, repeat, sizes == null ? 64 : sizes.getFirst(), match == null ? 10 : match.getFirst(),
                    TimeSpec.duration(warmup == null ? "1s" : warmup).toNanos() / 1e9,
                    TimeSpec.duration(duration == null ? "3s" : duration).toNanos() / 1e9, dir,
                    out == null ? Path.of("bench-results", "workers-logging.json") : out, System.out);
        }
        if (logging) {
            return callLogging();
        }
        if (workers != null) {
            return WorkerScalingRuns.run(workers, repeat, sizes == null ? 64 : sizes.getFirst(),
                    TimeSpec.duration(warmup == null ? "1s" : warmup).toNanos() / 1e9,
                    TimeSpec.duration(duration == null ? "3s" : duration).toNanos() / 1e9, dir,
                    out == null ? Path.of("bench-results", "workers.json") : out, System.out);
        }
        if (sizes == null) {
            sizes = List.of(64, 1500);
        }
        duration = duration == null ? "5s" : duration;
        warmup = warmup == null ? "2s" : warmup;
        out = out == null ? Path.of("bench-results", "forwarding.json") : out;
        PrintStream o = System.out;
        if (export) {
            Path exportOut = out.equals(Path.of("bench-results", "forwarding.json")) ? Path.of("bench-results", "export.json") : out;
            return ExportBench.run(dir, records, Math.max(1, runs), exportOut, o);
        }
        double secs = TimeSpec.duration(duration).toNanos() / 1e9;
        double warm = TimeSpec.duration(warmup).toNanos() / 1e9;
        for (int p : ports) {
            if (p < 2 || p % 2 != 0) {
                throw new IllegalArgumentException("--ports " + p + ": port counts must be even and at least 2");
            }
        }
        for (int s : sizes) {
            if (s < 60 || s > 2048) {
                throw new IllegalArgumentException("--sizes " + s + ": frame sizes must be between 60 and 2048");
            }
        }
        ObjectMapper json = BenchJson.mapper();
        ObjectNode root = BenchJson.root(json, "forwarding");
        root.put("seconds", secs);
        ArrayNode results = root.putArray("results");
        o.printf("%-6s %-6s %12s %12s %10s %10s%n", "size", "ports", "sent", "forwarded", "Mpps", "Gb/s");
        for (int p : ports) {
            for (int s : sizes) {
                ForwardingBench.Result r = ForwardingBench.run(dir, s, p, warm, secs);
                o.printf(Locale.ROOT, "%-6d %-6d %12d %12d %10.2f %10.2f%n", s, p, r.sent(), r.received(), r.mpps(), r.gbps());
                ObjectNode n = results.addObject();
                n.put("frameSize", s);
                n.put("ports", p);
                n.put("seconds", r.seconds());
                n.put("sent", r.sent());
                n.put("forwarded", r.received());
                n.put("dropped", r.dropped());
                n.put("mpps", r.mpps());
                n.put("gbps", r.gbps());
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        json.writeValue(out.toFile(), root);
        o.println("results written to " + out);
        return 0;
    }

    private Integer callLogging() throws Exception {
        PrintStream o = System.out;
        if (sizes == null) {
            sizes = List.of(64, 1024);
        }
        if (match == null) {
            match = List.of(10, 100);
        }
        double secs = TimeSpec.duration(duration == null ? "3s" : duration).toNanos() / 1e9;
        double warm = TimeSpec.duration(warmup == null ? "1s" : warmup).toNanos() / 1e9;
        Path file = out == null ? Path.of("bench-results", "logging.json") : out;
        for (int s : sizes) {
            if (s < LoggingTraffic.MIN_SIZE || s > 2048) {
                throw new IllegalArgumentException("--sizes " + s + ": frame sizes must be between "
                        + LoggingTraffic.MIN_SIZE + " and 2048 with --log (UDP frames with a sequence number)");
            }
        }
        for (int m : match) {
            if (m < 1 || m > 100) {
                throw new IllegalArgumentException("--match " + m + ": a percentage between 1 and 100");
            }
        }
        List<Durability> modes = new ArrayList<>();
        for (String d : durability) {
            modes.add(Durability.parse(d.trim()));
        }
        Map<String, Path> storages = new LinkedHashMap<>();
        for (String st : storage) {
            switch (st.trim().toLowerCase(Locale.ROOT)) {
                case "tmpfs" -> storages.put("tmpfs", dir);
                case "disk" -> storages.put("disk", diskDir);
                default -> throw new IllegalArgumentException("--storage '" + st + "' is not one of tmpfs, disk");
            }
        }
        ObjectMapper json = BenchJson.mapper();
        ObjectNode root = BenchJson.root(json, "logging");
        root.put("seconds", secs);
        root.put("warmupSeconds", warm);
        root.put("filter", LoggingTraffic.FILTER);
        root.put("repeat", repeat);
        root.put("loadAverageAtStart", loadAverage());
        ObjectNode dirs = root.putObject("storageDirs");
        storages.forEach((k, v) -> dirs.put(k, v.toAbsolutePath().toString()));
        o.println("load average: " + loadAverage() + "; durability: " + modes + "; filter: " + LoggingTraffic.FILTER);
        long segmentLogBytes = segmentLogSize == null ? LoggingCase.DEFAULT_SEGMENT_LOG_BYTES
                : io.pswitch.pktlog.tier.ByteSize.parse("--segment-log-size", segmentLogSize);
        root.put("segmentLogBytes", segmentLogBytes);
        root.put("segmentLogUntilWrapped", segmentLogSize != null);
        o.println("segment tier (disk): " + (segmentLogBytes >> 20) + " MiB log, " + (segmentLogSize != null
                ? "each zero-copy run warmed up until it wrapped (steady state: new segments are recycled files)"
                : "not wrapping in a run (new segments are fresh preallocated files)"));
        Map<String, double[]> limits = new LinkedHashMap<>();
        ObjectNode limitsJson = root.putObject("physicalLimitsMBps");
        for (Map.Entry<String, Path> st : storages.entrySet()) {
            Files.createDirectories(st.getValue());
            // The disk's own sequential O_DIRECT write rate (1 MiB writes): what a log on it can reach
            // at best, into fresh preallocated blocks (new segments) and into written ones (recycled segments).
            SegmentBandwidthProbe.Bandwidth b = SegmentBandwidthProbe.measureBoth(st.getValue(), 1L << 30);
            limits.put(st.getKey(), new double[] {b.freshBps() / 1e6, b.writtenBps() / 1e6});
            limitsJson.put(st.getKey(), b.freshBps() / 1e6);
            limitsJson.put(st.getKey() + "WrittenBlocks", b.writtenBps() / 1e6);
            o.printf(Locale.ROOT, "%s (%s): O_DIRECT sequential write (1 MiB writes, 1 GiB): %.0f MB/s into fresh preallocated"
                    + " blocks, %.0f MB/s into written blocks%n", st.getKey(), st.getValue(), b.freshBps() / 1e6, b.writtenBps() / 1e6);
        }
        if (poolDir != null) {
            Files.createDirectories(poolDir);
            root.put("poolDir", poolDir.toAbsolutePath().toString());
            root.put("poolPageSize", io.pswitch.pktlog.pool.HugePages.mappingPageSize(poolDir));
            o.println("pools: every variant's in " + poolDir.toAbsolutePath() + " ("
                    + io.pswitch.pktlog.pool.HugePages.label(io.pswitch.pktlog.pool.HugePages.mappingPageSize(poolDir)) + " pages)");
        }
        new LoggingBench(warm, secs, repeat, o, poolDir, segmentLogBytes, segmentLogSize != null).runMatrix(storages, limits, sizes, match, modes, root);
        root.put("loadAverageAtEnd", loadAverage());
        o.println("load average: " + loadAverage());
        Files.createDirectories(file.toAbsolutePath().getParent());
        json.writeValue(file.toFile(), root);
        o.println("results written to " + file);
        return 0;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}

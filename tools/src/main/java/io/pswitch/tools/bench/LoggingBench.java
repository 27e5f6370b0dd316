package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.dataplane.logging.Durability;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The logging benchmark's matrix. For every storage, frame size, match ratio and durability mode,
 * four variants run <b>interleaved</b>, {@code repeat} rounds of A B C D: forwarding alone (the
 * reference), the filter alone (nothing persisted), the zero-copy tiered log, and the copy
 * baseline. Interleaving spreads this VM's noise (another tenant, a GC, the page cache writing
 * back) over all variants instead of one; each figure is the median with its min–max.
 *
 * <p>The cost of persisting is measured against the same round's filter-only rate, so the filter's
 * own cost is not counted as logging's. Before a storage's cases the benchmark measures its
 * physical limit (the disk's O_DIRECT sequential write bandwidth) and prints it beside the results.
 */
public final class LoggingBench {
    private final double warmupSec;
    private final double seconds;
    private final int repeat;
    private final PrintStream out;
    private final Path poolDir;
    private final long segmentLogBytes;
    private final boolean untilWrapped;

    /** @param repeat rounds of the interleaved variants (at least 1; 5 or more for figures worth keeping) */
    public LoggingBench(double warmupSec, double seconds, int repeat, PrintStream out) {
        this(warmupSec, seconds, repeat, out, null);
    }

    /** @param poolDir where every variant's pool goes, or null (see {@link LoggingCase#poolDir()}) */
    public LoggingBench(double warmupSec, double seconds, int repeat, PrintStream out, Path poolDir) {
        this(warmupSec, seconds, repeat, out, poolDir, LoggingCase.DEFAULT_SEGMENT_LOG_BYTES, false);
    }

    /**
     * @param segmentLogBytes the zero-copy log's segment tier size on a disk
     * @param untilWrapped warm up each zero-copy run on a disk until its segment tier has wrapped
     *     (see {@link LoggingCase#untilWrapped()})
     */
    public LoggingBench(double warmupSec, double seconds, int repeat, PrintStream out, Path poolDir, long segmentLogBytes,
                        boolean untilWrapped) {
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat " + repeat + " must be at least 1");
        }
        this.warmupSec = warmupSec;
        this.seconds = seconds;
        this.repeat = repeat;
        this.out = out;
        this.poolDir = poolDir;
        this.segmentLogBytes = segmentLogBytes;
        this.untilWrapped = untilWrapped;
    }

    private LoggingCase of(LoggingCase.Variant v, int size, int match, Durability d, String label, Path dir) {
        return new LoggingCase(v, size, match, d, label, dir, poolDir, segmentLogBytes, untilWrapped);
    }

    /** Runs every case once per round, round after round (A B C D A B C D ...); results by case, in round order. */
    public List<List<LoggingResult>> interleaved(List<LoggingCase> cases) throws IOException, InterruptedException {
        List<List<LoggingResult>> byCase = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            byCase.add(new ArrayList<>());
        }
        for (int round = 0; round < repeat; round++) {
            for (int i = 0; i < cases.size(); i++) {
                try (LoggingRun run = LoggingRun.open(cases.get(i))) {
                    byCase.get(i).add(run.measure(warmupSec, seconds, 0));
                }
            }
        }
        return byCase;
    }

    /**
     * @param storages label ("tmpfs", "disk") to the directory the logs go to
     * @param limits label to the storage's measured physical limits in MB/s: into fresh
     *     preallocated blocks and into written ones ({0, 0} when not measured)
     */
    public void runMatrix(Map<String, Path> storages, Map<String, double[]> limits, List<Integer> sizes, List<Integer> matches,
                          List<Durability> durabilities, ObjectNode root) throws IOException, InterruptedException {
        ArrayNode groups = root.putArray("groups");
        // What each column measures, so that a reader compares like with like.
        out.println("fwd: forwarding alone. filter: the filter on every frame, nothing kept. zero-copy: the switch's log in place"
                + " (a matching frame's pool buffer becomes its record's, a spare buffer takes its ring slot; index record with"
                + " CRC; FIFO retention hands the oldest buffers back). copy: each matching frame copied out of its buffer into"
                + " a preallocated mapped file (header, CRC), flushed on the same durability window; no index, no buffer held.");
        out.printf("%-5s %-5s %-5s %-5s | %-19s %-19s %-19s %-19s | %6s %7s | %11s %8s | %-15s %s%n", "store", "size", "match",
                "dur", "fwd Mpps", "filter Mpps", "zero-copy Mpps", "copy Mpps", "zc/cp", "zc cost", "logged MB/s", "of limit",
                "commit p50/p99", "skipped");
        for (Map.Entry<String, Path> storage : storages.entrySet()) {
            Files.createDirectories(storage.getValue());
            double[] limit = limits.getOrDefault(storage.getKey(), new double[2]);
            for (int size : sizes) {
                for (int match : matches) {
                    for (Durability d : durabilities) {
                        String label = storage.getKey();
                        Path dir = storage.getValue();
                        List<LoggingCase> cases = List.of(
                                of(LoggingCase.Variant.FORWARD, size, match, null, label, dir),
                                of(LoggingCase.Variant.FILTER_ONLY, size, match, null, label, dir),
                                of(LoggingCase.Variant.ZERO_COPY, size, match, d, label, dir),
                                of(LoggingCase.Variant.COPY, size, match, d, label, dir));
                        List<List<LoggingResult>> r = interleaved(cases);
                        row(groups.addObject(), r, limit);
                    }
                }
            }
        }
    }

    private void row(ObjectNode n, List<List<LoggingResult>> r, double[] limits) {
        // The limit that matches the blocks the run wrote to: recycled files once the log wrapped
        // before the window, fresh preallocated ones otherwise (both when the runs differ: then
        // the fresh one, the lower, and the line below says so).
        long wrapped = r.get(2).stream().filter(LoggingResult::segmentsWrapped).count();
        boolean allWrapped = wrapped == r.get(2).size();
        double limitMBps = allWrapped && limits[1] > 0 ? limits[1] : limits[0];
        Spread fwd = Spread.of(r.get(0), LoggingResult::mpps);
        Spread flt = Spread.of(r.get(1), LoggingResult::mpps);
        Spread zc = Spread.of(r.get(2), LoggingResult::mpps);
        Spread cp = Spread.of(r.get(3), LoggingResult::mpps);
        // Per round, so that each ratio compares runs made next to each other.
        Spread ratio = Spread.ofPairs(r.get(2), r.get(3), (a, b) -> a.mpps() / b.mpps());
        Spread cost = Spread.ofPairs(r.get(2), r.get(1), (a, b) -> 1 - a.mpps() / b.mpps());
        Spread loggedMBps = Spread.of(r.get(2), LoggingResult::loggedMBps);
        Spread p50 = Spread.of(r.get(2), x -> x.commitP50Ns() / 1e3);
        Spread p99 = Spread.of(r.get(2), x -> x.commitP99Ns() / 1e3);
        Spread skipped = Spread.of(r.get(2), x -> (double) x.skippedStorageBehind());
        LoggingCase c = r.get(2).getFirst().c();
        out.printf(Locale.ROOT, "%-5s %-5d %4d%% %-5s | %-19s %-19s %-19s %-19s | %5.2fx %6.1f%% | %11.0f %7s | %6.0f/%-6.0fµs %.0f%n",
                c.storage(), c.frameSize(), c.match(), c.durabilityLabel(), fwd.text(2), flt.text(2), zc.text(2), cp.text(2),
                ratio.median(), 100 * cost.median(), loggedMBps.median(),
                limitMBps > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * loggedMBps.median() / limitMBps) : "-",
                p50.median(), p99.median(), skipped.median());
        // Only a log on a disk has a segment tier (in place on tmpfs, the hot tier is the log).
        if (limits[0] > 0 && !"tmpfs".equals(c.storage())) {
            out.printf(Locale.ROOT, "%-5s %-5s %-5s %-5s | segment tier: wrapped before the window in %d of %d runs;"
                            + " logged %.0f%% of the fresh-block limit (%.0f MB/s), %.0f%% of the written-block limit (%.0f MB/s)%n",
                    "", "", "", "", wrapped, r.get(2).size(), 100 * loggedMBps.median() / limits[0], limits[0],
                    limits[1] > 0 ? 100 * loggedMBps.median() / limits[1] : 0, limits[1]);
        }
        n.put("segmentsWrappedRuns", wrapped);
        n.put("physicalLimitFreshMBps", limits[0]);
        n.put("physicalLimitWrittenMBps", limits[1]);
        Spread fwdCycle = Spread.of(r.get(0), LoggingResult::cycleNsPerFrame);
        Spread fltCycle = Spread.of(r.get(1), LoggingResult::cycleNsPerFrame);
        Spread zcCycle = Spread.of(r.get(2), LoggingResult::cycleNsPerFrame);
        Spread cpCycle = Spread.of(r.get(3), LoggingResult::cycleNsPerFrame);
        Spread cycleRatio = Spread.ofPairs(r.get(3), r.get(2), (a, b) -> a.cycleNsPerFrame() / b.cycleNsPerFrame());
        // The dataplane's own cost per frame (median cycle): what the rates above mean with the
        // machine's other load taken out; copy/zero-copy > 1 means the zero-copy log is cheaper.
        out.printf(Locale.ROOT, "%-5s %-5s %-5s %-5s | cycle ns/frame: fwd %s, filter %s, zero-copy %s, copy %s; copy/zc %.2fx%n",
                "", "", "", "", fwdCycle.text(0), fltCycle.text(0), zcCycle.text(0), cpCycle.text(0), cycleRatio.median());
        fwdCycle.put(n.putObject("forwardCycleNsPerFrame"));
        fltCycle.put(n.putObject("filterOnlyCycleNsPerFrame"));
        zcCycle.put(n.putObject("zeroCopyCycleNsPerFrame"));
        cpCycle.put(n.putObject("copyCycleNsPerFrame"));
        cycleRatio.put(n.putObject("copyOverZeroCopyCycleNs"));
        n.put("storage", c.storage());
        n.put("storageClassOfZeroCopyPool", r.get(2).getFirst().storageClass());
        n.put("frameSize", c.frameSize());
        n.put("matchPercent", c.match());
        n.put("durability", c.durabilityLabel());
        n.put("rounds", repeat);
        n.put("physicalLimitMBps", limitMBps);
        fwd.put(n.putObject("forwardMpps"));
        flt.put(n.putObject("filterOnlyMpps"));
        zc.put(n.putObject("zeroCopyMpps"));
        cp.put(n.putObject("copyMpps"));
        ratio.put(n.putObject("zeroCopyOverCopy"));
        cost.put(n.putObject("zeroCopyCostOfFilterOnly"));
        loggedMBps.put(n.putObject("zeroCopyLoggedMBps"));
        Spread.of(r.get(3), LoggingResult::loggedMBps).put(n.putObject("copyLoggedMBps"));
        p50.put(n.putObject("zeroCopyCommitP50Us"));
        p99.put(n.putObject("zeroCopyCommitP99Us"));
        Spread.of(r.get(3), x -> x.commitP99Ns() / 1e3).put(n.putObject("copyCommitP99Us"));
        skipped.put(n.putObject("zeroCopySkippedStorageBehind"));
        Spread.of(r.get(2), x -> (double) x.skippedNoBuffer()).put(n.putObject("zeroCopySkippedNoBuffer"));
        Spread.of(r.get(0), LoggingResult::busyNsPerFrame).put(n.putObject("forwardBusyNsPerFrame"));
        Spread.of(r.get(1), LoggingResult::busyNsPerFrame).put(n.putObject("filterOnlyBusyNsPerFrame"));
        Spread.of(r.get(2), LoggingResult::busyNsPerFrame).put(n.putObject("zeroCopyBusyNsPerFrame"));
        Spread.of(r.get(3), LoggingResult::busyNsPerFrame).put(n.putObject("copyBusyNsPerFrame"));
        Spread.of(r.get(2), LoggingResult::agentCpuShare).put(n.putObject("zeroCopyAgentCpuShare"));
    }
}

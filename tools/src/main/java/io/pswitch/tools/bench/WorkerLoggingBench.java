package io.pswitch.tools.bench;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.tier.TieredLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * Logging with several workers: the worker-scaling switch ({@link WorkerScalingBench}: 4
 * {@code pcapfile} ports replaying preloaded captures at top speed, no output, no generator thread,
 * so on a 2-core machine 2 workers have the cores to themselves) whose captures carry
 * {@link LoggingTraffic}'s UDP frames, {@code match} percent of them selected by
 * {@link LoggingTraffic#FILTER}. Port {@code i} sends known unicast to its partner
 * ({@link WorkerScalingBench.Traffic}: {@code cross}, on another worker, so every frame crosses a handoff
 * queue; {@code local}, on the same worker, so only the log's hand-overs cross). Either way every match
 * of a worker other than 0 is handed to worker 0, the log's one writer. Three variants:
 * <ul>
 *   <li>{@link Variant#FORWARD}: no filter, the reference;</li>
 *   <li>{@link Variant#FILTER}: every worker runs the filter on each of its frames, nothing kept (what
 *       the filter itself costs, to keep it out of logging's cost);</li>
 *   <li>{@link Variant#LOG}: the switch's log, in place in a hot tier on the data directory ({@code
 *       dir}, tmpfs), {@code batch} durability, FIFO retention.</li>
 * </ul>
 * The figure is frames transmitted per second over all ports, and frames logged per second.
 */
final class WorkerLoggingBench {
    private static final int RING_SIZE = 1024;
    private static final int BATCH = 256;
    private static final int PORTS = 4;
    private static final int FRAMES_PER_CAPTURE = 65_536;
    /** Buffers the log may hold beyond the rings' and the workers' spares (as {@link LoggingRun}'s). */
    private static final int LOG_BUFFERS = 32_768;

    enum Variant {
        FORWARD, FILTER, LOG;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One measured run. */
    record Result(int workers, WorkerScalingBench.Traffic traffic, Variant variant, double seconds, long forwarded, double mpps, long logged, double loggedMpps,
                  long skipped, double[] busy, String drops) {
    }

    private WorkerLoggingBench() {
    }

    /** Port {@code port}'s capture: LoggingTraffic's frames, re-addressed from its station to its partner's. */
    static Path capture(Path dir, String tag, int port, int partner, int size, int match) {
        Path file = dir.resolve(tag + "-in" + port + ".pcap");
        try (PcapWriter w = PcapWriter.create(file)) {
            for (int i = 0; i < FRAMES_PER_CAPTURE; i++) {
                byte[] f = LoggingTraffic.frame(size, match, i);
                f[5] = (byte) (partner + 1);   // dst 02:00:00:00:00:partner
                f[11] = (byte) (port + 1);     // src 02:00:00:00:00:port
                w.write(i * 1_000L, f);
            }
        }
        return file;
    }

    static Result run(Path dir, int workers, WorkerScalingBench.Traffic traffic, Variant variant, int size, int match,
                      double warmupSec, double seconds) throws Exception {
        String tag = "wlbench" + ProcessHandle.current().pid() + "-" + workers + "-" + traffic + "-" + variant.label();
        List<Path> files = new ArrayList<>();
        int buffers = 4 + 2 * RING_SIZE * PORTS + 4096 + workers * (workers - 1) * RING_SIZE
                + (variant == Variant.LOG ? LOG_BUFFERS : 0);
        TieredLog tiered = null;
        BufferPool pool;
        Path dataDir = dir.resolve(tag);
        if (variant == Variant.LOG) {
            // The switch's own log on tmpfs: the hot tier in place in the pool, no segment tier.
            files.add(dataDir);
            tiered = TieredLog.open(new TieredLog.Settings(dataDir, null, 2048, buffers, PacketLogConfig.of(LoggingRun.LOG_CAPACITY),
                    0, 0, LoggingRun.drainPolicy(Durability.parse("batch"))));
            files.add(tiered.layout().poolFile().getParent());
            pool = tiered.pool();
        } else {
            Path poolFile = dir.resolve(tag + ".pool");
            files.add(poolFile);
            pool = BufferPool.open(poolFile, 2048, buffers);
        }
        List<Port> ports = new ArrayList<>();
        try {
            PortDrivers drivers = PortDrivers.installed();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < PORTS; i++) {
                Path in = capture(dir, tag, i, WorkerScalingBench.partner(i, traffic), size, match);
                files.add(in);
                names.add("p" + i);
                PortContext ctx = new PortContext(pool, RING_SIZE, BATCH, io.pswitch.dataplane.counters.CountersFile.inMemory(),
                        SwitchAgent.ownerOf(i, workers));
                ports.add(drivers.open("p" + i + "=pcapfile:" + in + ",loop=0", ctx));
            }
            FilterSet filters = FilterSet.compile(List.of(Filter.of(1, "bench", LoggingTraffic.FILTER)), names::indexOf);
            SwitchConfig config = SwitchConfig.defaults().withBatchSize(BATCH).withWorkers(workers).withHandoffCapacity(RING_SIZE);
            SystemEpochNanoClock clock = new SystemEpochNanoClock();
            SwitchAgent agent = variant == Variant.LOG
                    ? new SwitchAgent(config, pool, ports, clock, tiered.hot(), Durability.parse("batch"), filters)
                    : new SwitchAgent(config, pool, ports, clock);
            FilterOnlyObserver[] filterOnly = new FilterOnlyObserver[workers];
            if (variant == Variant.FILTER) {
                // One per worker: an observer's filter match is scratch memory of one thread.
                for (int w = 0; w < workers; w++) {
                    filterOnly[w] = new FilterOnlyObserver(pool, filters);
                    agent.batchObserver(w, filterOnly[w]);
                }
            }
            if (tiered != null) {
                tiered.startDrain();
            }
            AgentRunner[] runners = new AgentRunner[workers];
            for (int w = 0; w < workers; w++) {
                runners[w] = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null, agent.worker(w));
                AgentRunner.startOnThread(runners[w]);
            }
            try {
                Thread.sleep((long) (warmupSec * 1000));
                long tx0 = WorkerScalingBench.transmitted(agent);
                long logged0 = logged(agent, filterOnly);
                long skipped0 = skipped(agent);
                long start = System.nanoTime();
                Thread.sleep((long) (seconds * 1000));
                long tx1 = WorkerScalingBench.transmitted(agent);
                long logged1 = logged(agent, filterOnly);
                long skipped1 = skipped(agent);
                double elapsed = (System.nanoTime() - start) / 1e9;
                double[] busy = new double[workers];
                for (int w = 0; w < workers; w++) {
                    busy[w] = agent.workerLoad(w).busyFraction();
                }
                long forwarded = tx1 - tx0;
                return new Result(workers, traffic, variant, elapsed, forwarded, forwarded / elapsed / 1e6, logged1 - logged0,
                        (logged1 - logged0) / elapsed / 1e6, skipped1 - skipped0, busy, WorkerScalingBench.drops(agent));
            } finally {
                // Worker 0 last: the others may have handed it matches to append.
                for (int w = workers - 1; w >= 0; w--) {
                    runners[w].close();
                }
                agent.releaseWorkerBuffers();
            }
        } finally {
            for (Port p : ports) {
                p.close();
            }
            if (tiered != null) {
                tiered.close();
            } else {
                pool.close();
            }
            for (Path f : files) {
                delete(f);
            }
        }
    }

    /** Records appended (the log), or frames the filter matched (filter only), summed over the workers. */
    private static long logged(SwitchAgent agent, FilterOnlyObserver[] filterOnly) {
        if (agent.logging() != null) {
            return agent.logging().counters().frames();
        }
        long n = 0;
        for (FilterOnlyObserver o : filterOnly) {
            n += o == null ? 0 : o.matched();
        }
        return n;
    }

    private static long skipped(SwitchAgent agent) {
        return agent.logging() == null ? 0
                : agent.logging().counters().skippedNoBuffer() + agent.logging().counters().skippedStorageBehind();
    }

    private static void delete(Path f) throws IOException {
        if (!Files.exists(f)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(f)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

package io.pswitch.tools.bench;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.LatencyHistogram;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.sched.StorageThreads;
import io.pswitch.pktlog.tier.DrainPolicy;
import io.pswitch.pktlog.tier.TieredLog;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * One case of the logging benchmark, set up and torn down: a switch with two shm ports on its own
 * busy-spinning thread, with the zero-copy log, the copy baseline or neither (see {@link LoggingCase}),
 * and this thread generating {@link LoggingTraffic} on port 0 and sinking it on port 1.
 *
 * <p>{@link #measure} stops the switch once all sent frames have been through it, so afterwards the
 * log, the baseline and the pool can be inspected ({@link #log()}, {@link #baseline()}) before
 * {@link #close()} removes the files.
 */
public final class LoggingRun implements AutoCloseable {
    public static final int BURST = 256;
    public static final int RING_SIZE = 1024;
    /** Pool buffers left for the zero-copy log to hold (beyond the rings' and the shm ports'). */
    public static final int LOG_BUFFERS = 32768;
    public static final int LOG_CAPACITY = 32768;
    /** The copy log's file: about what the zero-copy log's buffers take. */
    public static final long COPY_LOG_BYTES = 64L << 20;
    private static final int PORTS = 2;
    private static final long DRAIN_TIMEOUT_NS = 10_000_000_000L;
    private static final long QUIET_NS = 20_000_000L;
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final LoggingCase c;
    private final List<Path> files = new ArrayList<>();
    private final List<Port> ports = new ArrayList<>();
    private final List<ShmEndpoint> peers = new ArrayList<>();
    private BufferPool pool;
    private TieredLog tiered;
    private PacketLog log;
    private CopyLogBaseline baseline;
    private FilterOnlyObserver filterOnly;
    private SwitchAgent agent;
    private AgentRunner runner;
    private BusyTimeAgent busy;

    private final MemorySegment plain;
    private final MemorySegment marked;
    private long seq;
    private long received;
    private long rxBefore;

    private final long copyLogBytes;
    /** Deletes the files if the JVM exits (Ctrl-C) before {@link #close()}: tmpfs space is memory. */
    private final Thread cleanup = new Thread(this::deleteFiles, "benchlog-cleanup");

    private LoggingRun(LoggingCase c, long copyLogBytes) {
        this.c = c;
        this.copyLogBytes = copyLogBytes;
        this.plain = MemorySegment.ofArray(LoggingTraffic.template(c.frameSize(), false));
        this.marked = MemorySegment.ofArray(LoggingTraffic.template(c.frameSize(), true));
    }

    /** Creates the files and starts the switch. */
    public static LoggingRun open(LoggingCase c) throws IOException {
        return open(c, COPY_LOG_BYTES);
    }

    /** With a copy log of another size (tests: a small one wraps). */
    static LoggingRun open(LoggingCase c, long copyLogBytes) throws IOException {
        LoggingRun run = new LoggingRun(c, copyLogBytes);
        try {
            run.start();
            return run;
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    private void start() throws IOException {
        Runtime.getRuntime().addShutdownHook(cleanup);
        Files.createDirectories(c.dir());
        String tag = "benchlog" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
        int buffers = 4 + 2 * RING_SIZE * PORTS + 4096 + LOG_BUFFERS;
        if (c.variant() == LoggingCase.Variant.ZERO_COPY) {
            // The switch's own log: a hot tier in place (the pool in memory, or on the data
            // directory when that is tmpfs or dax), drained into segments when the directory is a disk.
            Path dataDir = c.dir().resolve(tag);
            files.add(dataDir);
            boolean disk = !io.pswitch.pktlog.pool.HotTierStorage.canHold(c.dir());
            tiered = TieredLog.open(new TieredLog.Settings(dataDir, c.poolDir(), 2048, buffers, PacketLogConfig.of(LOG_CAPACITY),
                    disk ? c.segmentLogBytes() : 0, 0, drainPolicy(c.durability())));
            // As pswitch run has them: the storage threads' CPU share is part of what is measured.
            tiered.storageThreads(StorageThreads.atNice(StorageThreads.defaultNice(
                    c.durability().mode() == io.pswitch.dataplane.logging.Durability.Mode.SYNC)));
            files.add(tiered.layout().poolFile().getParent());
            pool = tiered.pool();
            log = tiered.hot();
        } else {
            // The pool of the other variants lives in memory too: on a disk, a mapped pool would
            // make the kernel write back every received frame, and that is no baseline's cost.
            Path poolPath = (c.poolDir() != null ? c.poolDir() : scratchDir()).resolve(tag + ".pool");
            files.add(poolPath);
            pool = BufferPool.open(poolPath, 2048, buffers);
        }
        PortDrivers drivers = PortDrivers.installed();
        PortContext ctx = new PortContext(pool, RING_SIZE, BURST);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < PORTS; i++) {
            names.add("p" + i);
            ports.add(drivers.open("p" + i + "=shm:" + tag + "-" + i + ",slots=4096", ctx));
            peers.add(ShmEndpoint.attach(tag + "-" + i));
        }
        SwitchConfig config = SwitchConfig.defaults().withBatchSize(BURST);
        SystemEpochNanoClock clock = new SystemEpochNanoClock();
        FilterSet filters = c.variant() == LoggingCase.Variant.FORWARD ? FilterSet.EMPTY
                : FilterSet.compile(List.of(Filter.of(1, "bench", LoggingTraffic.FILTER)), names::indexOf);
        switch (c.variant()) {
            case FORWARD -> agent = new SwitchAgent(config, pool, ports, clock);
            case FILTER_ONLY -> {
                agent = new SwitchAgent(config, pool, ports, clock);
                filterOnly = new FilterOnlyObserver(pool, filters);
                agent.batchObserver(filterOnly);
            }
            case ZERO_COPY -> agent = new SwitchAgent(config, pool, ports, clock, log, c.durability(), filters);
            case COPY -> {
                agent = new SwitchAgent(config, pool, ports, clock);
                Path copyPath = c.dir().resolve(tag + ".copylog");
                files.add(copyPath);
                baseline = CopyLogBaseline.create(copyPath, copyLogBytes, pool, filters, c.durability());
                agent.batchObserver(baseline);
            }
        }
        if (tiered != null) {
            tiered.startDrain();
        }
        busy = new BusyTimeAgent(agent, agent.counters(0));
        runner = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null, busy);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Warms up, measures, then sends nothing more and waits until the switch has taken every frame
     * sent, and stops it.
     *
     * @param frameLimit when positive: send exactly this many frames (no warm-up, no deadline), for tests
     */
    public LoggingResult measure(double warmupSec, double seconds, long frameLimit) throws InterruptedException {
        ShmEndpoint tx = peers.get(0);
        ShmEndpoint rx = peers.get(1);
        learnStations();
        rxBefore = agent.counters(0).rxFrames();
        if (frameLimit <= 0) {
            pump(tx, rx, System.nanoTime() + (long) (warmupSec * 1e9), 0);
            long giveUp = System.nanoTime() + WRAP_TIMEOUT_NS;
            // Only a run with a segment tier has one to wrap (the other variants warm up as told).
            boolean hasSegments = tiered != null && tiered.segments() != null;
            while (c.untilWrapped() && hasSegments && !segmentsWrapped() && System.nanoTime() < giveUp) {
                pump(tx, rx, System.nanoTime() + 50_000_000L, 0);
            }
        }
        boolean wrapped = segmentsWrapped();
        long sent0 = seq;
        long rx0 = received;
        long logged0 = logged();
        long loggedBytes0 = loggedBytes();
        long behind0 = skippedStorageBehind();
        long drops0 = drops();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long agentTid = runner.thread().threadId();
        long agentCpu0 = threads.getThreadCpuTime(agentTid);
        long genCpu0 = threads.getCurrentThreadCpuTime();
        long busy0 = busy.busyNs();
        long switched0 = agent.counters(0).rxFrames();
        long start = System.nanoTime();
        busy.recording();
        pump(tx, rx, frameLimit > 0 ? Long.MAX_VALUE : start + (long) (seconds * 1e9), frameLimit);
        long end = System.nanoTime();
        busy.stopRecording();
        // How much of the window each spinning thread actually ran: below ~0.9 the machine's other
        // load took its core away for a while, and the rate says more about that than about the switch.
        double agentCpuShare = (threads.getThreadCpuTime(agentTid) - agentCpu0) / (double) (end - start);
        double generatorCpuShare = (threads.getCurrentThreadCpuTime() - genCpu0) / (double) (end - start);
        long busyNs = busy.busyNs() - busy0;
        long switched = agent.counters(0).rxFrames() - switched0;
        double busyNsPerFrame = switched == 0 ? 0 : busyNs / (double) switched;
        long sent = seq - sent0;
        long forwarded = received - rx0;
        long logged = logged() - logged0;
        long loggedBytes = loggedBytes() - loggedBytes0;
        long behind = skippedStorageBehind() - behind0;
        long dropped = drops() - drops0;
        drain(rx);
        runner.close();
        long skipped = 0;
        LatencyHistogram h = null;
        long commits = 0;
        long loggedTotal = 0;
        if (log != null) {
            LoggingStage stage = agent.logging();
            skipped = stage.counters().skippedNoBuffer();
            // Tiered: a record is committed when the drain made it durable in its segment.
            h = tiered.drain() != null ? tiered.drain().syncLatency() : log.commitLatency();
            commits = h.count();
            loggedTotal = stage.counters().frames();
        } else if (baseline != null) {
            baseline.flush();
            h = baseline.flushLatency();
            commits = h.count();
            loggedTotal = baseline.frames();
        } else if (filterOnly != null) {
            loggedTotal = filterOnly.matched();
        }
        return new LoggingResult(c, pool.memory(), (end - start) / 1e9, sent, forwarded, dropped, logged,
                loggedTotal, skipped, commits, h == null ? 0 : h.p50(), h == null ? 0 : h.p99(), h == null ? 0 : h.max(),
                agentCpuShare, generatorCpuShare, busyNsPerFrame, busy.medianCycleNsPerFrame(), behind, loggedBytes, wrapped);
    }

    /** One broadcast from each port (not UDP: never logged), so the switch knows where 02::01 and 02::02 are. */
    private void learnStations() throws InterruptedException {
        for (int i = 0; i < PORTS; i++) {
            byte[] hello = new byte[60];
            for (int k = 0; k < 6; k++) {
                hello[k] = (byte) 0xff;
            }
            hello[6] = 0x02;
            hello[11] = (byte) (i + 1);
            hello[12] = (byte) 0x88;
            hello[13] = (byte) 0xb5;
            while (!peers.get(i).send(hello, 0, hello.length)) {
                Thread.onSpinWait();
            }
        }
        Thread.sleep(200);
        for (ShmEndpoint p : peers) {
            int got;
            while ((got = p.poll(BURST)) > 0) {
                p.release(got);
            }
        }
    }

    /** Generates on port 0 and sinks on port 1 until the deadline, or until {@code limit} frames were sent in all. */
    private void pump(ShmEndpoint tx, ShmEndpoint rx, long deadline, long limit) {
        int size = c.frameSize();
        int match = c.match();
        MemorySegment seg = tx.segment();
        int iter = 0;
        while (true) {
            int want = limit > 0 ? (int) Math.min(BURST, limit - seq) : BURST;
            int n = want > 0 ? tx.claim(want) : 0;
            if (n > 0) {
                for (int k = 0; k < n; k++) {
                    long s = seq + k;
                    long off = tx.claimedOffset(k);
                    MemorySegment.copy(LoggingTraffic.marked(s, match) ? marked : plain, 0, seg, off, size);
                    seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off + LoggingTraffic.SEQ_OFFSET, s);
                    tx.claimedLength(k, size);
                }
                tx.commit(n);
                seq += n;
            }
            int r = rx.poll(BURST);
            if (r > 0) {
                rx.release(r);
                received += r;
            }
            if (limit > 0 && seq >= limit) {
                return;
            }
            if ((++iter & 63) == 0 && System.nanoTime() >= deadline) {
                return;
            }
        }
    }

    /** Until the switch has received every frame sent and the sink has been quiet for a while, or a timeout. */
    private void drain(ShmEndpoint rx) {
        long now = System.nanoTime();
        long deadline = now + DRAIN_TIMEOUT_NS;
        long lastFrame = now;
        while (now < deadline) {
            int r = rx.poll(BURST);
            if (r > 0) {
                rx.release(r);
                received += r;
                lastFrame = now;
            } else if (agent.counters(0).rxFrames() - rxBefore >= seq && now - lastFrame > QUIET_NS) {
                return;
            }
            Thread.onSpinWait();
            now = System.nanoTime();
        }
        throw new IllegalStateException("the switch took " + (agent.counters(0).rxFrames() - rxBefore) + " of " + seq
                + " frames sent within " + DRAIN_TIMEOUT_NS / 1_000_000_000L + " s");
    }

    private long logged() {
        if (log != null) {
            return agent.logging().counters().frames();
        }
        if (baseline != null) {
            return baseline.frames();
        }
        return filterOnly != null ? filterOnly.matched() : 0;
    }

    private long loggedBytes() {
        if (log != null) {
            return agent.logging().counters().bytes();
        }
        return baseline != null ? baseline.bytes() : 0;
    }

    private long skippedStorageBehind() {
        return log != null ? agent.logging().counters().skippedStorageBehind() : 0;
    }

    /** How long a warm-up {@link LoggingCase#untilWrapped() until the log wrapped} may take at most. */
    private static final long WRAP_TIMEOUT_NS = 60_000_000_000L;

    /**
     * Whether the segment tier has wrapped: its first segment is no longer there under its name
     * (recycled as a newer one, or deleted). A name in the directory, so no writer state is read
     * from this thread.
     */
    private boolean segmentsWrapped() {
        if (tiered == null || tiered.segments() == null) {
            return false;
        }
        Path dir = tiered.layout().segmentsDir();
        if (Files.exists(dir.resolve(io.pswitch.pktlog.segment.SegmentDescriptor.fileName(1)))) {
            return false;
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> io.pswitch.pktlog.segment.SegmentDescriptor.segmentNumber(p.getFileName().toString()) > 1);
        } catch (IOException e) {
            return false;
        }
    }

    static DrainPolicy drainPolicy(io.pswitch.dataplane.logging.Durability d) {
        return switch (d.mode()) {
            case SYNC -> DrainPolicy.EVERY_WRITE;
            case BATCH, ASYNC -> new DrainPolicy(d.maxRecords(), d.maxDelayNs());
        };
    }

    private static Path scratchDir() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private long drops() {
        long d = 0;
        for (int p = 0; p < PORTS; p++) {
            d += agent.counters(p).totalDrops();
        }
        return d;
    }

    /** Frames sent since the switch learned the stations (sequence numbers 0 .. sent-1). */
    public long sent() {
        return seq;
    }

    public SwitchAgent agent() {
        return agent;
    }

    /** The zero-copy log, or null. */
    public PacketLog log() {
        return log;
    }

    /** The copy baseline, or null. */
    public CopyLogBaseline baseline() {
        return baseline;
    }

    public BufferPool pool() {
        return pool;
    }

    /** Stops the switch (if still running), closes the ports and the logs, and deletes the files. */
    @Override
    public void close() throws IOException {
        if (runner != null) {
            runner.close();
        }
        for (ShmEndpoint p : peers) {
            p.close();
        }
        for (Port p : ports) {
            p.close();
        }
        if (tiered != null) {
            tiered.close();
        }
        if (baseline != null) {
            baseline.close();
        }
        if (pool != null && tiered == null) {
            pool.close();
        }
        deleteFiles();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException | IllegalArgumentException alreadyExitingOrRemoved) {
            // the hook runs or ran: nothing left to do
        }
    }

    private void deleteFiles() {
        for (Path f : files) {
            try (var walk = Files.exists(f) ? Files.walk(f) : java.util.stream.Stream.<Path>empty()) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                System.err.println("benchlog: cannot delete " + f + ": " + e.getMessage());
            }
        }
    }
}

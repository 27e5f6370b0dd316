package io.pswitch.control.assembly;

import io.pswitch.control.assembly.SwitchView;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.counters.CountersFileDescriptor;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.agent.Worker;
import io.pswitch.dataplane.idle.PortWaitIdleStrategy;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.filters.FilterService;
import io.pswitch.control.filters.FilterStore;
import io.pswitch.control.log.LogStatus;
import io.pswitch.control.log.ReloadStatus;
import io.pswitch.control.warmup.DataplaneWarmup;
import io.pswitch.control.warmup.DriverWarmup;
import io.pswitch.control.warmup.WarmupMode;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.logging.FilterCounters;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.filter.FilterSyntaxException;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.HotTierStorage;
import io.pswitch.pktlog.sched.StorageThreads;
import io.pswitch.pktlog.sched.ThreadScheduling;
import io.pswitch.pktlog.tier.ByteSize;
import io.pswitch.pktlog.tier.DrainPolicy;
import io.pswitch.pktlog.tier.TieredLog;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * Puts a switch together from {@link RunSettings}: locks the data directory, maps the pool, opens
 * and recovers the packet log (before any ring takes a buffer: recovery claims the buffers its
 * records point at), compiles the filters, opens every port, runs each worker of the
 * {@link SwitchAgent} on its own thread. Serving it (the REST API) is the caller's job ({@code control.run.ServedSwitch}): the
 * REST layer depends on this package, never the reverse. Closing stops the agent (which commits the log),
 * then closes the ports (flushing their outputs), then the log, then unmaps the pool — the reverse
 * of opening, so no buffer is touched after its pool is gone.
 *
 * <p>Filters: the start-up set is the settings' filters when given (they then replace the stored
 * ones), else those stored in the data directory ({@link FilterStore}). {@link #replaceFilters}
 * compiles, stores and installs a new set; the dataplane applies it from its next batch.
 */
public final class SwitchAssembly implements SwitchView, FilterService.Target, AutoCloseable {
    private final RunSettings settings;
    private final DataDirLock lock;
    private final CountersFile counters;
    private final TieredLog tiers;
    private final BufferPool pool;
    private final PacketLog log;
    private final FilterStore filterStore;
    private final FilterService filterService = new FilterService(this);
    private final List<Port> ports;
    private final SwitchAgent agent;
    /** One per worker, each on its own thread. */
    private final AgentRunner[] runners;
    private final CommitOracle oracle;
    /** What the start-up warm-up did, or null when there was none. */
    private final DataplaneWarmup.Report warmup;
    /** What the drivers' warm-up did, or null when there was none (no live driver port, or no warm-up). */
    private final DriverWarmup.Report driverWarmup;
    private volatile Throwable agentError;
    private volatile ReloadStatus reload;
    private volatile boolean started;
    private volatile boolean closed;

    private SwitchAssembly(RunSettings settings) {
        this.settings = settings;
        this.lock = DataDirLock.acquire(settings.dataDir());
        // Under the lock: a counters file already there was left by a killed switch and is replaced.
        try {
            this.counters = CountersFile.create(countersFile(settings.dataDir()), CountersFile.DEFAULT_CAPACITY);
        } catch (java.io.UncheckedIOException e) {
            lock.close();
            throw new ConfigException(e.getMessage(), e);
        }
        List<Port> opened = new ArrayList<>();
        TieredLog t = null;
        BufferPool p = null;
        PacketLog l = null;
        CommitOracle o = null;
        this.filterStore = new FilterStore(settings.dataDir());
        try {
            PortDrivers drivers = PortDrivers.installed();
            for (PortSpec spec : settings.ports()) {
                drivers.factory(spec);
            }
            List<Filter> filters = settings.log().filters() != null ? settings.log().filters() : filterStore.load();
            FilterSet filterSet = compile(filters, settings);
            SwitchConfig config = SwitchConfig.defaults()
                    .withBatchSize(settings.batch())
                    .withFdbCapacity(settings.fdbCapacity())
                    .withFdbAgeingNs(settings.ageing().toNanos())
                    .withWorkers(settings.workers())
                    .withHandoffCapacity(settings.handoffCapacity());
            // Pool, hot tier and segments, recovered, before any ring takes a buffer.
            t = TieredLog.open(tierSettings(settings));
            // Before the dataplane's logging stage starts the commit agent, and before the drain.
            t.storageThreads(StorageThreads.atNice(settings.log().storageNice()));
            p = t.pool();
            l = t.hot();
            if (settings.log().filters() != null) {
                filterStore.save(filters);
            }
            writeCatalog(settings, filters);
            for (int i = 0; i < settings.ports().size(); i++) {
                // The port's counters are keyed by the worker that will own it (their one writer).
                PortContext context = new PortContext(p, settings.ringSize(), settings.batch(), counters,
                        SwitchAgent.ownerOf(i, settings.workers()));
                opened.add(drivers.open(settings.ports().get(i), context));
            }
            // After the real ports are open (their driver classes loaded, so the JIT does not compile the
            // warm-up's calls on ports as if the warm-up's port class were the only one, and then throw
            // that code away when a driver class loads), before their worker runs. The throw-away switch
            // has no handle on the real pool, log, counters or table.
            this.warmup = settings.warmup() == WarmupMode.AUTO
                    ? DataplaneWarmup.run(new DataplaneWarmup.Plan(settings.ports().size(), config, settings.ringSize(),
                            settings.log().durability(), filterSet, DataplaneWarmup.DEFAULT_FRAMES))
                    : null;
            // Then the live drivers' own frame paths, on a veth pair in a private network namespace.
            this.driverWarmup = settings.warmup() == WarmupMode.AUTO
                    ? DriverWarmup.run(settings.ports(), config, settings.ringSize(), settings.log().durability(),
                            DriverWarmup.DEFAULT_FRAMES)
                    : null;
            this.agent = new SwitchAgent(config, p, opened, new SystemEpochNanoClock(), l, settings.log().durability(),
                    filterSet, counters, 0);
            if (settings.log().commitOracle() != null) {
                // Before the first append; the dataplane thread's start publishes it (and, through
                // the hand-over of each commit, to the log's committer thread).
                o = CommitOracle.open(settings.log().commitOracle(), l);
                l.commitListener(o);
            }
        } catch (RuntimeException e) {
            if (o != null) {
                o.close();
            }
            for (Port port : opened) {
                port.close();
            }
            if (t != null) {
                t.close();
            }
            counters.close();
            lock.close();
            throw e;
        }
        this.tiers = t;
        this.pool = p;
        this.log = l;
        this.ports = opened;
        this.oracle = o;
        this.runners = new AgentRunner[agent.workerCount()];
        for (int w = 0; w < runners.length; w++) {
            Worker worker = agent.worker(w);
            runners[w] = new AgentRunner(idleStrategy(settings.idle(), worker), this::onAgentError, null, worker);
        }
    }

    /**
     * Retention starts before the pool runs dry: the low-water mark leaves a batch of spares for the
     * logging stage plus room for flood copies. Retiring 1/16 of the index at a time amortises the
     * marker's flush, and gives the committer (which flushes it ahead of need) time to do so while
     * appends go on.
     */
    private static PacketLogConfig logConfig(RunSettings settings) {
        int records = settings.log().records();
        // Several workers: worker 0 also keeps a batch of spares queued for each other worker.
        return new PacketLogConfig(records, Math.max(64, 2 * settings.batch() * Math.max(1, settings.workers())), Math.max(1, Math.min(4096, records / 16)));
    }

    private static TieredLog.Settings tierSettings(RunSettings settings) {
        LogSettings log = settings.log();
        Path dir = settings.dataDir();
        long logSize;
        try {
            String spec = log.logSize() != null ? log.logSize() : HotTierStorage.canHold(dir) ? null : LogSettings.DEFAULT_LOG_SIZE;
            logSize = spec == null ? 0 : ByteSize.parse("--log-size", spec, dir);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        Durability d = log.durability();
        DrainPolicy drain = switch (d.mode()) {
            case SYNC -> DrainPolicy.EVERY_WRITE;
            case BATCH, ASYNC -> new DrainPolicy(d.maxRecords(), d.maxDelayNs());
        };
        return new TieredLog.Settings(dir, log.poolDir(), settings.bufferSize(), settings.buffers(), logConfig(settings), logSize,
                log.segmentSize(), drain);
    }

    /** Port names resolve to their index in the settings, which is the agent's port order. */
    private static FilterSet compile(List<Filter> filters, RunSettings settings) {
        List<String> names = settings.ports().stream().map(PortSpec::name).toList();
        for (Filter f : filters) {
            for (String port : f.ports()) {
                if (!names.contains(port)) {
                    throw new ConfigException("filter '" + f.name() + "' names port '" + port + "', which this switch does not have (ports: "
                            + String.join(", ", names) + ")");
                }
            }
        }
        try {
            return FilterSet.compile(filters, names::indexOf);
        } catch (FilterSyntaxException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Compiles {@code filters}, stores them in the data directory, and hands them to the dataplane,
     * which applies them from its next batch. Cold path; one caller at a time.
     *
     * @return the generation to wait for with {@link LoggingStage#appliedGeneration()}
     * @throws ConfigException (or {@code FilterSyntaxException}, with libpcap's message) and changes nothing
     */
    @Override
    public synchronized long replaceFilters(List<Filter> filters) {
        FilterSet set = compile(filters, settings);
        filterStore.save(filters);
        writeCatalog(settings, filters);
        return agent.logging().filters(set);
    }

    /**
     * Tells the log tools what the numbers in records mean: port names by index, filter names by
     * id. Filters removed since are kept (their records keep their names); ports are this run's.
     */
    private static void writeCatalog(RunSettings settings, List<Filter> filters) {
        Path dir = settings.dataDir();
        Map<Integer, LogCatalog.FilterEntry> byId = new TreeMap<>();
        try {
            for (LogCatalog.FilterEntry f : LogCatalogDescriptor.read(dir).filters()) {
                byId.put(f.id(), f);
            }
        } catch (RuntimeException e) {
            // A damaged catalog is rewritten from what the switch knows now; names are a convenience.
        }
        for (Filter f : filters) {
            byId.put(f.id(), new LogCatalog.FilterEntry(f.id(), f.name(), f.expression()));
        }
        List<LogCatalog.PortEntry> ports = new ArrayList<>();
        for (int i = 0; i < settings.ports().size(); i++) {
            ports.add(new LogCatalog.PortEntry(i, settings.ports().get(i).name()));
        }
        LogCatalogDescriptor.write(dir, new LogCatalog(ports, new ArrayList<>(byId.values())));
    }

    /** The id a new filter gets: never one given before in this data directory. */
    @Override
    public synchronized int nextFilterId() {
        return filterStore.nextId();
    }

    @Override
    public FilterService filterService() {
        return filterService;
    }

    @Override
    public LogStatus logStatus() {
        return LogStatus.of(log, agent.logging(), pool, tiers, reload);
    }

    /** Publishes the outcome of a config reload ({@code control.reload}) for the log status. */
    public void reloadStatus(ReloadStatus status) {
        this.reload = status;
    }

    /** The filters installed now (enabled or not), in order. */
    @Override
    public List<Filter> filters() {
        return agent.logging().filters().filters();
    }

    @Override
    public FilterCounters filterCounters(int id) {
        return agent.logging().filterCounters(id);
    }

    @Override
    public PacketLog log() {
        return log;
    }

    @Override
    public LoggingStage logging() {
        return agent.logging();
    }

    private static IdleStrategy idleStrategy(RunSettings.IdleMode mode, Worker agent) {
        return switch (mode) {
            case WAIT -> new PortWaitIdleStrategy(agent);
            case BUSY -> new BusySpinIdleStrategy();
            case YIELD -> new YieldingIdleStrategy();
            case BACKOFF -> backoff();
            case AUTO -> {
                PortWaitIdleStrategy wait = new PortWaitIdleStrategy(agent);
                yield wait.sleepsInPoll() ? wait : backoff();
            }
        };
    }

    private static IdleStrategy backoff() {
        return new BackoffIdleStrategy(100, 10, 1_000, 100_000);
    }

    private void onAgentError(Throwable t) {
        agentError = t;
    }

    /** Opens everything and starts the dataplane thread; {@code settings.api()} is not served here. */
    public static SwitchAssembly start(RunSettings settings) {
        return start(settings, tiers -> { });
    }

    /**
     * As {@link #start(RunSettings)}; {@code beforeStart} sees the log's tiers opened and recovered
     * before the drain or the dataplane runs (the archive tier installs its hold on segment
     * retention there, so that no segment can go before it is archived).
     */
    public static SwitchAssembly start(RunSettings settings, java.util.function.Consumer<TieredLog> beforeStart) {
        SwitchAssembly a = new SwitchAssembly(settings);
        try {
            beforeStart.accept(a.tiers);
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        a.tiers.startDrain();
        int priority = settings.rtPriority();
        for (AgentRunner runner : a.runners) {
            if (priority == 0) {
                AgentRunner.startOnThread(runner);
            } else {
                startRealtime(a, runner, priority);
            }
        }
        a.started = true;
        return a;
    }

    /**
     * Starts the dataplane thread, which first puts itself under SCHED_FIFO (a thread can only be
     * given a policy by its own id; the calling thread waits for the outcome, so a refusal is this
     * start's one-line error, not a switch running without what was asked).
     */
    private static void startRealtime(SwitchAssembly a, AgentRunner runner, int priority) {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        AgentRunner.startOnThread(runner, runnable -> new Thread(() -> {
            String refused = ThreadScheduling.realtimeCurrentThread(priority);
            outcome.complete(refused);
            if (refused == null) {
                runnable.run();
            }
        }));
        String refused = outcome.join();
        if (refused != null) {
            a.close();
            throw new ConfigException("--rt-priority " + priority + ": the kernel refused SCHED_FIFO for the dataplane thread ("
                    + refused + "): run as root or with CAP_SYS_NICE, or leave --rt-priority out");
        }
    }

    @Override
    public boolean started() {
        return started && !closed;
    }

    @Override
    public SwitchAgent agent() {
        return agent;
    }

    @Override
    public BufferPool pool() {
        return pool;
    }

    /** The log's tiers: where they live, the drain, the segment writer. */
    @Override
    public TieredLog tiers() {
        return tiers;
    }

    public RunSettings settings() {
        return settings;
    }

    /** What the start-up warm-up did ({@link DataplaneWarmup}), or null with {@code --warmup none}. */
    public DataplaneWarmup.Report warmup() {
        return warmup;
    }

    /** What the drivers' warm-up did ({@link DriverWarmup}), or null without one. */
    public DriverWarmup.Report driverWarmup() {
        return driverWarmup;
    }

    /** The first error the dataplane thread hit (or the commit oracle), or null. */
    @Override
    public Throwable agentError() {
        Throwable t = agentError;
        if (t == null && oracle != null) {
            t = oracle.failure();
        }
        return t;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Worker 0 last: in sync mode another worker may be waiting for it to append and commit its matches.
        for (int w = runners.length - 1; w >= 0; w--) {
            runners[w].close();
        }
        // Every worker stopped: their spares and what sat in the queues between them go back to the pool.
        agent.releaseWorkerBuffers();
        for (Port port : ports) {
            port.close();
        }
        // The drain writes and syncs what the dataplane published, then the hot tier commits and the pool unmaps.
        tiers.close();
        if (oracle != null) {
            // After the log's last commit (and its committer), which the oracle records too.
            oracle.close();
        }
        // After every writer (the agent, the ports' close) is done: a clean stop leaves no counters file.
        counters.close();
        lock.close();
    }

    /** Where a switch on {@code dataDir} keeps its counters ({@code pswitch stat} reads it). */
    public static Path countersFile(Path dataDir) {
        return dataDir.resolve(CountersFileDescriptor.FILE_NAME);
    }

    /** The switch's counters file. */
    public CountersFile counters() {
        return counters;
    }
}

package io.pswitch.control.run;

import io.pswitch.control.archive.ArchiveOptions;
import io.pswitch.control.archive.ArchiveTier;
import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.reload.ConfigReload;
import io.pswitch.control.reload.ReloadOnSighup;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.config.SwitchConfigFile;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.control.warmup.WarmupMode;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.index.IndexFile;
import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.HugePages;
import io.pswitch.pktlog.sched.StorageThreads;
import io.pswitch.pktlog.tier.ByteSize;
import io.pswitch.pktlog.tier.TierLayout;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pswitch run}: runs the switch until SIGINT/SIGTERM; SIGHUP reloads the config file ({@code control.reload}). */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the switch on the given ports until interrupted (Ctrl-C, SIGTERM).",
                "SIGHUP re-reads --config FILE: filters apply live; other changes are named as needing a restart.", "",
                "Port specs are name=driver:argument[,option=value...]:",
                "  pcap:<interface>[,snaplen=N][,bufsize=B]       live interface (root or CAP_NET_RAW)",
                "  afpacket:<interface>[,fanout=<group-id>[:hash|cpu|lb]][,bufsize=B][,rx=v3|v2]  live interface, AF_PACKET rings",
                "  pcapfile:<in.pcap>[,out=<out.pcap>][,speed=top|original|Nx][,loop=N]",
                "  shm:<name>[,slots=N][,slotsize=B]              shared-memory rings for local apps and 'gen'",
                "",
                "The REST API (/api/v1, /metrics) listens on 127.0.0.1:8080 unless --api says otherwise;",
                "binding any other address needs --api-token-file.",
                ""},
        footer = {"", "Example: ./pswitch run --port a=shm:a --port b=shm:b --data-dir /tmp/psw"})
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "SPEC", description = "A port (repeatable).")
    List<String> ports = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; flags override it.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the buffer pool (and log) live. Default: ./pswitch-data")
    Path dataDir;

    @Option(names = "--workers", paramLabel = "N|auto", description = "Dataplane worker threads sharing the ports (port i belongs to "
            + "worker i mod N); auto = the cores minus one, at least 1, at most the ports. Logging filters need 1. Default: 1.")
    String workers;

    @Option(names = "--buffers", paramLabel = "N", description = "Pool buffers. Default: 65536.")
    Integer buffers;

    @Option(names = "--buffer-size", paramLabel = "BYTES", description = "Pool buffer size, power of two up to 16384 (jumbo). Default: 2048.")
    Integer bufferSize;

    @Option(names = "--ring-size", paramLabel = "SLOTS", description = "Slots per ring. Default: 1024.")
    Integer ringSize;

    @Option(names = "--batch", paramLabel = "N", description = "Frames per port per sync. Default: 256.")
    Integer batch;

    @Option(names = "--idle", paramLabel = "MODE", description = "auto (default: wait when every port is a live interface, else backoff), busy, yield, backoff or wait (sleep in poll on the ports until a frame comes, or another worker queues work for it) when there is no traffic.")
    String idle;

    @Option(names = "--rt-priority", paramLabel = "N", description = "Run the dataplane thread under SCHED_FIFO at "
            + "priority N (1-99; needs root or CAP_SYS_NICE), so that a frame wakes it at once; use with --idle wait. "
            + "Default: 0 (normal scheduling).")
    Integer rtPriority;

    @Option(names = "--storage-nice", paramLabel = "N", description = "Nice value of the log's storage threads (drain, "
            + "segment syncer and preparer, commit agent), -20..19: they then run as soon as their I/O completes instead of "
            + "queueing behind the dataplane's busy threads; they sleep in I/O most of the time, so the dataplane loses "
            + "only their own CPU time. Below 0 needs root or CAP_SYS_NICE (else one start-up line says they run at "
            + "normal priority). 0: normal priority. Default: -10 with --durability sync (a logged frame waits for them), "
            + "0 otherwise (nothing waits for them; they would take CPU from forwarding on a machine with few cores).")
    Integer storageNice;

    @Option(names = "--warmup", paramLabel = "MODE", description = "auto (default): before the first real frame, push 60,000 "
            + "synthetic frames through throw-away switches of the same dataplane code (own pools, logs, counters and tables, "
            + "deleted after; about half a second), and, with afxdp or afpacket ports, 20,000 frames through ports of those "
            + "drivers on a veth pair in a private network namespace (never the real interfaces), so that the first frames run "
            + "on JIT-compiled code; none: start at once "
            + "(the first seconds of traffic are slower).")
    String warmup;

    @Option(names = "--fdb-size", paramLabel = "N", description = "Forwarding table capacity. Default: 65536.")
    Integer fdbSize;

    @Option(names = "--ageing", paramLabel = "DURATION", description = "Forwarding table ageing time. Default: 300s.")
    String ageing;

    @Option(names = "--status-interval", paramLabel = "DURATION", description = "Status line period. Default: 5s.")
    String statusInterval;

    @Option(names = {"-q", "--quiet"}, description = "No status line.")
    boolean quiet;

    @Option(names = "--filter", paramLabel = "NAME=EXPR",
            description = {"A logging filter in tcpdump syntax (repeatable), e.g. --filter 'ping=icmp or arp'.",
                    "Given filters replace those stored in the data directory; without, the stored ones apply."})
    List<String> filters = new ArrayList<>();

    @Option(names = "--durability", paramLabel = "MODE",
            description = {"When logged records become durable: sync (before the frame is transmitted),",
                    "batch (every --commit-records or --commit-interval; default), async (bounded lag, default 1s)."})
    String durability;

    @Option(names = "--log-records", paramLabel = "N", description = "Index capacity in records; the oldest retire beyond it. Default: 65536.")
    Integer logRecords;

    @Option(names = "--log-size", paramLabel = "SIZE",
            description = {"The log's capacity on disk, the segment tier (e.g. 20G, or 10%% of the data directory's",
                    "file system); the oldest segments go beyond it. Default: 1G when the data directory is on a disk;",
                    "none on tmpfs or dax (the pool in place is the log, bounded by --log-records)."})
    String logSize;

    @Option(names = "--segment-size", paramLabel = "SIZE", description = "Bytes per segment file (a multiple of 1M). Default: 64M.")
    String segmentSize;

    @Option(names = "--pool-dir", paramLabel = "DIR",
            description = {"Where the buffer pool (the hot tier) lives when the data directory is on a disk:",
                    "memory (tmpfs, hugetlbfs). Default: /dev/shm, in pswitch-<log id>/."})
    Path poolDir;

    @Option(names = "--commit-records", paramLabel = "N", description = "batch/async: commit after N records. Default: 1024 (async: 65536).")
    Integer commitRecords;

    @Option(names = "--commit-interval", paramLabel = "DURATION", description = "batch/async: commit when the oldest pending record is this old. Default: 1ms (async: 1s).")
    String commitInterval;

    @Option(names = "--api", paramLabel = "HOST:PORT", description = "REST API and /metrics address, or 'off'. Default: 127.0.0.1:8080.")
    String api;

    @Option(names = "--api-token-file", paramLabel = "FILE", description = "Bearer token clients must send (required to bind a non-loopback address).")
    Path apiTokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve the API over TLS with this certificate chain.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Unencrypted PKCS#8 private key for --tls-cert.")
    Path tlsKey;

    @Option(names = "--commit-oracle", paramLabel = "FILE",
            description = {"Test/diagnostic aid: after every commit, append one line per committed record",
                    "(seq, stored and wire length, CRC32C of the stored bytes) to FILE, read back through the log.",
                    "Crash tests compare it with what recovery finds. Slows the dataplane; not for production."})
    Path commitOracle;

    @Option(names = "--name", paramLabel = "NAME", description = "This switch's name: its archive objects go under prefix/NAME/. Default: the host name.")
    String name;

    @Option(names = "--archive", paramLabel = "s3://BUCKET/PREFIX",
            description = {"Upload every sealed segment to S3-compatible object storage (credentials and region",
                    "from the AWS SDK's default chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, profiles, roles)."})
    String archive;

    @Option(names = "--archive-endpoint", paramLabel = "URL", description = "S3-compatible endpoint (MinIO, Ceph RGW): path-style addressing.")
    String archiveEndpoint;

    @Option(names = "--archive-retention", paramLabel = "DURATION", description = "Delete archived objects older than this (e.g. 30d). Default: keep.")
    String archiveRetention;

    private final PrintStream out;

    public RunCommand() {
        this(System.out);
    }

    public RunCommand(PrintStream out) {
        this.out = out;
    }

    /** Runs the switch alone (system tests start it so, as a child process); {@code ./pswitch run} is the usual way. */
    public static void main(String[] args) {
        picocli.CommandLine cl = commandLine(new RunCommand());
        cl.setExecutionExceptionHandler(new io.pswitch.control.cli.OneLineErrors());
        System.exit(cl.execute(args));
    }

    /**
     * The parser {@code run} uses everywhere. A flag given twice takes its last value, as in most
     * Unix tools: a wrapper (a unit file, a benchmark harness) sets defaults first and the operator's
     * own arguments after them override them.
     */
    public static picocli.CommandLine commandLine(RunCommand cmd) {
        picocli.CommandLine cl = new picocli.CommandLine(cmd);
        cl.setOverwrittenOptionsAllowed(true);
        return cl;
    }

    /** Merges defaults, the config file and the flags (flags win). */
    public RunSettings settings() {
        SwitchConfigFile file = config == null ? new SwitchConfigFile() : SwitchConfigFile.read(config);
        List<String> specs = ports.isEmpty() ? file.ports : ports;
        List<PortSpec> parsed = new ArrayList<>();
        for (String s : specs) {
            parsed.add(PortSpec.parse(s));
        }
        SwitchConfigFile.Pool pool = file.pool == null ? new SwitchConfigFile.Pool() : file.pool;
        SwitchConfigFile.Fdb fdb = file.fdb == null ? new SwitchConfigFile.Fdb() : file.fdb;
        SwitchConfigFile.Api apiFile = file.api == null ? new SwitchConfigFile.Api() : file.api;
        Path dir = dataDir != null ? dataDir : file.dataDir != null ? Path.of(file.dataDir) : RunSettings.DEFAULT_DATA_DIR;
        String onHugePages = HugePages.dataDirRefusal(dir);
        if (onHugePages != null) {
            throw new ConfigException(onHugePages);
        }
        // A data directory in use keeps the sizes it was created with unless a flag or the file says otherwise.
        BufferPool.Geometry stored = BufferPool.geometry(TierLayout.forReading(dir).poolFile());
        return new RunSettings(
                dir,
                RunSettings.parseWorkers(first(workers, file.workers, "1"), parsed.size()),
                first(buffers, pool.buffers, stored != null ? stored.bufferCount() : RunSettings.DEFAULT_BUFFERS),
                first(bufferSize, pool.bufferSize, stored != null ? stored.bufferSize() : RunSettings.DEFAULT_BUFFER_SIZE),
                first(ringSize, file.ringSize, RunSettings.DEFAULT_RING_SIZE),
                first(batch, file.batch, RunSettings.DEFAULT_BATCH),
                RunSettings.IdleMode.parse(first(idle, file.idle, "auto")),
                first(fdbSize, fdb.capacity, RunSettings.DEFAULT_FDB_CAPACITY),
                TimeSpec.duration(first(ageing, fdb.ageing, "300s")),
                TimeSpec.duration(first(statusInterval, file.statusInterval, "5s")),
                quiet,
                parsed,
                logSettings(file.log == null ? new SwitchConfigFile.Log() : file.log, dir),
                ApiSettings.parse(first(api, apiFile.address, ApiSettings.DEFAULT_ADDRESS),
                        first(apiTokenFile, path(apiFile.tokenFile), null),
                        first(tlsCert, path(apiFile.tlsCert), null),
                        first(tlsKey, path(apiFile.tlsKey), null)),
                first(rtPriority, file.rtPriority, 0),
                WarmupMode.parse(first(warmup, file.warmup, "auto")));
    }

    private LogSettings logSettings(SwitchConfigFile.Log file, Path dir) {
        Durability d;
        try {
            d = Durability.parse(first(durability, file.durability, "batch"));
            Integer records = first(commitRecords, file.commitRecords, null);
            String interval = first(commitInterval, file.commitInterval, null);
            if (records != null || interval != null) {
                if (d.mode() == Durability.Mode.SYNC) {
                    throw new ConfigException("--commit-records/--commit-interval apply to batch and async durability, not sync");
                }
                d = d.withWindow(records != null ? records : d.maxRecords(),
                        interval != null ? TimeSpec.duration(interval) : java.time.Duration.ofNanos(d.maxDelayNs()));
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        List<Filter> fs = null;
        if (!filters.isEmpty()) {
            fs = new ArrayList<>();
            for (String f : filters) {
                fs.add(LogSettings.parseFilterFlag(f, fs.size() + 1));
            }
        } else if (file.filters != null) {
            fs = new ArrayList<>();
            for (SwitchConfigFile.LogFilter f : file.filters) {
                try {
                    fs.add(new Filter(fs.size() + 1, f.name, f.expression, f.snaplen == null ? 0 : f.snaplen,
                            f.ports == null ? Set.of() : new LinkedHashSet<>(f.ports), f.enabled == null || f.enabled));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("config file: log.filters[" + fs.size() + "]: " + e.getMessage());
                }
            }
        }
        int storedRecords = IndexFile.storedCapacity(TierLayout.forReading(dir).indexFile());
        long segBytes;
        try {
            String seg = first(segmentSize, file.segmentSize, null);
            segBytes = seg == null ? 0 : ByteSize.parse("--segment-size", seg);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        return new LogSettings(fs, d, first(logRecords, file.records, storedRecords > 0 ? storedRecords : LogSettings.DEFAULT_RECORDS),
                commitOracle, first(logSize, file.size, null), segBytes, first(poolDir, path(file.poolDir), null),
                first(storageNice, file.storageNice, StorageThreads.defaultNice(d.mode() == Durability.Mode.SYNC)));
    }

    private static Path path(String s) {
        return s == null ? null : Path.of(s);
    }

    private static <T> T first(T flag, T file, T dflt) {
        return flag != null ? flag : file != null ? file : dflt;
    }

    /** The archive tier's settings from the flags and the config file, or null without --archive. */
    public ArchiveOptions archiveOptions() {
        SwitchConfigFile file = config == null ? new SwitchConfigFile() : SwitchConfigFile.read(config);
        SwitchConfigFile.Archive a = file.archive == null ? new SwitchConfigFile.Archive() : file.archive;
        return ArchiveOptions.parse(first(archive, a.location, null), first(archiveEndpoint, a.endpoint, null),
                first(archiveRetention, a.retention, null), first(name, file.name, null));
    }

    @Override
    public Integer call() throws InterruptedException {
        RunSettings settings = settings();
        ArchiveOptions archiveOptions = archiveOptions();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            runUntilStopped(settings, archiveOptions, stop, stopped);
            // Printed before the hook is released: once it returns, the JVM may halt at any moment.
            out.println("pswitch: stopped");
            out.flush();
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    private void runUntilStopped(RunSettings settings, ArchiveOptions archiveOptions, CountDownLatch stop, CountDownLatch stopped)
            throws InterruptedException {
        // The archive tier holds segments from before the drain's first write: none goes unarchived.
        ArchiveTier[] archive = new ArchiveTier[1];
        try (ServedSwitch served = ServedSwitch.start(settings, tiers -> {
                 if (archiveOptions != null) {
                     archive[0] = ArchiveTier.start(archiveOptions, tiers, settings.dataDir());
                 }
             });
             ArchiveTier archiveTier = archive[0];
             // Before the start-up lines: once the API address is out, SIGHUP reloads, never stops.
             ReloadOnSighup reloads = ReloadOnSighup.start(new ConfigReload(config, this::settings, filters.isEmpty(),
                     served.assembly(), out, System.err), System.err)) {
            SwitchAssembly sw = served.assembly();
            // The hook only signals and waits: closing happens on this thread, in order, so outputs
            // are complete before the JVM exits.
            Thread hook = new Thread(() -> {
                stop.countDown();
                try {
                    stopped.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "pswitch-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            out.printf("pswitch: running %d port(s) (%s), pool %s (%s, %d x %d B), data dir %s%n",
                    settings.ports().size(), String.join(", ", settings.ports().stream().map(PortSpec::text).toList()),
                    sw.pool().path(), sw.pool().memory(), sw.pool().bufferCount(), sw.pool().bufferSize(),
                    settings.dataDir());
            PacketLog log = sw.log();
            out.printf("pswitch: log storage class %s, durability %s, index %d records; %s%n",
                    sw.pool().storageClass().label(), settings.log().durability(), log.capacity(), log.recoveryReport());
            for (String line : sw.tiers().report()) {
                out.printf("pswitch: %s%n", line);
            }
            if (sw.warmup() != null) {
                out.printf("pswitch: %s%n", sw.warmup().line());
            }
            if (sw.driverWarmup() != null) {
                out.printf("pswitch: %s%n", sw.driverWarmup().line());
            }
            out.printf("pswitch: counters %s (read live with: pswitch stat --data-dir %s)%s%n", sw.counters().path(),
                    settings.dataDir(), sw.counters().replacedPid() > 0
                            ? "; replaced the stale file of a stopped switch (pid " + sw.counters().replacedPid() + ")" : "");
            out.printf("pswitch: filters: %s%n", sw.filters().isEmpty() ? "none (nothing is logged)"
                    : String.join(", ", sw.filters().stream().map(f -> f.name() + "='" + f.expression() + "'"
                            + (f.enabled() ? "" : " (disabled)")).toList()));
            if (archiveTier != null) {
                out.printf("pswitch: archive: sealed segments to %s/%s/ (%s)%s%n", archiveOptions.location(), archiveOptions.name(),
                        archiveOptions.endpoint() == null ? "AWS S3" : archiveOptions.endpoint(),
                        archiveOptions.retention() == null ? "" : ", kept " + archiveOptions.retention());
            }
            if (served.api() != null) {
                out.printf("pswitch: API at %s (/api/v1/ports, /api/v1/fdb, /metrics, /api/v1/openapi.json)%n", served.api().url());
            }
            out.flush();
            StatusLine status = new StatusLine(sw.agent(), sw.log());
            long intervalMs = Math.max(100, settings.statusInterval().toMillis());
            while (!stop.await(intervalMs, TimeUnit.MILLISECONDS)) {
                if (sw.agentError() != null) {
                    throw new IllegalStateException("dataplane stopped: " + sw.agentError(), sw.agentError());
                }
                if (!settings.quiet()) {
                    out.println(status.next());
                    out.flush();
                }
            }
            out.println("pswitch: stopping");
            out.flush();
            reloads.close();
            // Closing commits the log (the dataplane's last act); say what it holds, so an operator (or
            // a test) can check it against what the next start recovers.
            served.close();
            PacketLog closed = sw.log();
            out.printf("pswitch: log closed: %d records (seq %d..%d), committed through seq %d%n", closed.liveRecords(),
                    closed.oldestSeq(), closed.appendedSeq(), closed.committedSeq());
            if (archiveTier != null) {
                // The open segment was sealed at close; its upload gets a bounded time, the rest resumes at the next start.
                boolean done = archiveTier.finish();
                var st = archiveTier.status();
                out.printf("pswitch: archive: %d object(s) uploaded, backlog %d segment(s)%s%n", st.uploaded(), st.backlogSegments(),
                        done ? "" : " (left for the next start" + (st.lastError() == null ? "" : ": " + st.lastError()) + ")");
            }
        }
    }
}

package io.pswitch.control.run;

import io.pswitch.control.config.DurationParser;
import io.pswitch.control.config.SwitchConfigFile;
import io.pswitch.control.rest.ApiSettings;
import io.pswitch.dataplane.port.PortSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pswitch run}: runs the switch until SIGINT/SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the switch on the given ports until interrupted (Ctrl-C, SIGTERM).", "",
                "Port specs are name=driver:argument[,option=value...]:",
                "  pcap:<interface>[,snaplen=N][,bufsize=B]       live interface (root or CAP_NET_RAW)",
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

    @Option(names = "--workers", paramLabel = "N", description = "Dataplane worker threads (this version: 1).")
    Integer workers;

    @Option(names = "--buffers", paramLabel = "N", description = "Pool buffers. Default: 65536.")
    Integer buffers;

    @Option(names = "--buffer-size", paramLabel = "BYTES", description = "Pool buffer size, power of two up to 16384 (jumbo). Default: 2048.")
    Integer bufferSize;

    @Option(names = "--ring-size", paramLabel = "SLOTS", description = "Slots per ring. Default: 1024.")
    Integer ringSize;

    @Option(names = "--batch", paramLabel = "N", description = "Frames per port per sync. Default: 256.")
    Integer batch;

    @Option(names = "--idle", paramLabel = "MODE", description = "busy, yield or backoff (default) when there is no traffic.")
    String idle;

    @Option(names = "--fdb-size", paramLabel = "N", description = "Forwarding table capacity. Default: 65536.")
    Integer fdbSize;

    @Option(names = "--ageing", paramLabel = "DURATION", description = "Forwarding table ageing time. Default: 300s.")
    String ageing;

    @Option(names = "--status-interval", paramLabel = "DURATION", description = "Status line period. Default: 5s.")
    String statusInterval;

    @Option(names = {"-q", "--quiet"}, description = "No status line.")
    boolean quiet;

    @Option(names = "--api", paramLabel = "HOST:PORT", description = "REST API and /metrics address, or 'off'. Default: 127.0.0.1:8080.")
    String api;

    @Option(names = "--api-token-file", paramLabel = "FILE", description = "Bearer token clients must send (required to bind a non-loopback address).")
    Path apiTokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve the API over TLS with this certificate chain.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Unencrypted PKCS#8 private key for --tls-cert.")
    Path tlsKey;

    private final PrintStream out;

    public RunCommand() {
        this(System.out);
    }

    public RunCommand(PrintStream out) {
        this.out = out;
    }

    /** Runs the switch alone (system tests start it so, as a child process); {@code ./pswitch run} is the usual way. */
    public static void main(String[] args) {
        picocli.CommandLine cl = new picocli.CommandLine(new RunCommand());
        cl.setExecutionExceptionHandler(new io.pswitch.control.cli.OneLineErrors());
        System.exit(cl.execute(args));
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
        return new RunSettings(
                dataDir != null ? dataDir : file.dataDir != null ? Path.of(file.dataDir) : RunSettings.DEFAULT_DATA_DIR,
                first(workers, file.workers, 1),
                first(buffers, pool.buffers, RunSettings.DEFAULT_BUFFERS),
                first(bufferSize, pool.bufferSize, RunSettings.DEFAULT_BUFFER_SIZE),
                first(ringSize, file.ringSize, RunSettings.DEFAULT_RING_SIZE),
                first(batch, file.batch, RunSettings.DEFAULT_BATCH),
                RunSettings.IdleMode.parse(first(idle, file.idle, "backoff")),
                first(fdbSize, fdb.capacity, RunSettings.DEFAULT_FDB_CAPACITY),
                DurationParser.parse(first(ageing, fdb.ageing, "300s")),
                DurationParser.parse(first(statusInterval, file.statusInterval, "5s")),
                quiet,
                parsed,
                ApiSettings.parse(first(api, apiFile.address, ApiSettings.DEFAULT_ADDRESS),
                        first(apiTokenFile, path(apiFile.tokenFile), null),
                        first(tlsCert, path(apiFile.tlsCert), null),
                        first(tlsKey, path(apiFile.tlsKey), null)));
    }

    private static Path path(String s) {
        return s == null ? null : Path.of(s);
    }

    private static <T> T first(T flag, T file, T dflt) {
        return flag != null ? flag : file != null ? file : dflt;
    }

    @Override
    public Integer call() throws InterruptedException {
        RunSettings settings = settings();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            runUntilStopped(settings, stop, stopped);
            // Printed before the hook is released: once it returns, the JVM may halt at any moment.
            out.println("pswitch: stopped");
            out.flush();
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    private void runUntilStopped(RunSettings settings, CountDownLatch stop, CountDownLatch stopped) throws InterruptedException {
        try (SwitchAssembly sw = SwitchAssembly.start(settings)) {
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
                    sw.pool().path(), sw.pool().storageClass(), sw.pool().bufferCount(), sw.pool().bufferSize(),
                    settings.dataDir());
            if (sw.api() != null) {
                out.printf("pswitch: API at %s (/api/v1/ports, /api/v1/fdb, /metrics, /api/v1/openapi.json)%n", sw.api().url());
            }
            out.flush();
            StatusLine status = new StatusLine(sw.agent());
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
        }
    }
}

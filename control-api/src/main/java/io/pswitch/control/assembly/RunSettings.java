package io.pswitch.control.assembly;

import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.warmup.WarmupMode;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.sched.ThreadScheduling;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything a running switch is configured with, after defaults, the config file and flags have
 * been merged (flags win). Validated as a whole so a bad combination fails before anything opens.
 */
public record RunSettings(
        Path dataDir,
        int workers,
        int buffers,
        int bufferSize,
        int ringSize,
        int batch,
        IdleMode idle,
        int fdbCapacity,
        Duration ageing,
        Duration statusInterval,
        boolean quiet,
        List<PortSpec> ports,
        LogSettings log,
        ApiSettings api,
        int rtPriority,
        WarmupMode warmup) {

    public static final Path DEFAULT_DATA_DIR = Path.of("pswitch-data");
    public static final int DEFAULT_BUFFERS = 65536;
    public static final int DEFAULT_BUFFER_SIZE = 2048;
    public static final int DEFAULT_RING_SIZE = 1024;
    public static final int DEFAULT_BATCH = 256;
    public static final int DEFAULT_FDB_CAPACITY = 65536;
    public static final Duration DEFAULT_AGEING = Duration.ofSeconds(300);
    public static final Duration DEFAULT_STATUS_INTERVAL = Duration.ofSeconds(5);

    /**
     * What an idle dataplane thread does. {@code AUTO} (the default) is {@code WAIT} for a worker
     * whose every port has a descriptor to sleep on (live interfaces: a frame wakes it, it costs no
     * CPU while idle), else {@code BACKOFF} (capture files, shared-memory ports: nothing to poll).
     */
    public enum IdleMode {
        BUSY, YIELD, BACKOFF, WAIT, AUTO;

        public static IdleMode parse(String s) {
            for (IdleMode m : values()) {
                if (m.name().equalsIgnoreCase(s)) {
                    return m;
                }
            }
            throw new ConfigException("idle strategy '" + s + "' is not one of auto, busy, yield, backoff, wait");
        }
    }

    /**
     * Settings without a start-up warm-up (what programs that assemble a switch themselves get;
     * {@code pswitch run} warms up unless told not to).
     */
    public RunSettings(Path dataDir, int workers, int buffers, int bufferSize, int ringSize, int batch, IdleMode idle,
            int fdbCapacity, Duration ageing, Duration statusInterval, boolean quiet, List<PortSpec> ports, LogSettings log,
            ApiSettings api, int rtPriority) {
        this(dataDir, workers, buffers, bufferSize, ringSize, batch, idle, fdbCapacity, ageing, statusInterval, quiet, ports,
                log, api, rtPriority, WarmupMode.NONE);
    }

    /** Settings with the dataplane thread under normal scheduling ({@code rtPriority} 0). */
    public RunSettings(Path dataDir, int workers, int buffers, int bufferSize, int ringSize, int batch, IdleMode idle,
            int fdbCapacity, Duration ageing, Duration statusInterval, boolean quiet, List<PortSpec> ports, LogSettings log,
            ApiSettings api) {
        this(dataDir, workers, buffers, bufferSize, ringSize, batch, idle, fdbCapacity, ageing, statusInterval, quiet, ports,
                log, api, 0);
    }

    public RunSettings {
        ports = List.copyOf(ports);
        if (rtPriority != 0 && (rtPriority < ThreadScheduling.MIN_RT_PRIORITY || rtPriority > ThreadScheduling.MAX_RT_PRIORITY)) {
            throw new ConfigException("--rt-priority " + rtPriority + " must be between " + ThreadScheduling.MIN_RT_PRIORITY
                    + " and " + ThreadScheduling.MAX_RT_PRIORITY + " (SCHED_FIFO), or 0 for normal scheduling");
        }
        if (warmup == null) {
            warmup = WarmupMode.NONE;
        }
        if (log == null) {
            log = LogSettings.defaults();
        }
        if (api == null) {
            api = ApiSettings.off();
        }
        if (ports.isEmpty()) {
            throw new ConfigException("no ports: give at least one --port name=driver:argument (or 'ports:' in the config file)");
        }
        Set<String> names = new HashSet<>();
        for (PortSpec p : ports) {
            if (!names.add(p.name())) {
                throw new ConfigException("port name '" + p.name() + "' is used twice");
            }
        }
        if (workers < 1 || workers > SwitchConfig.MAX_WORKERS) {
            throw new ConfigException("--workers " + workers + " must be between 1 and " + SwitchConfig.MAX_WORKERS + " (or auto)");
        }
        if (workers > ports.size()) {
            throw new ConfigException("--workers " + workers + ": more workers than ports (" + ports.size()
                    + "); a worker owns whole ports, so give at most " + ports.size());
        }
        if (ringSize < 8 || Integer.bitCount(ringSize) != 1 || ringSize > 65536) {
            throw new ConfigException("ring size " + ringSize + " must be a power of two between 8 and 65536");
        }
        if (batch < 1 || batch > ringSize) {
            throw new ConfigException("batch " + batch + " must be between 1 and the ring size (" + ringSize + ")");
        }
        if (fdbCapacity < 16) {
            throw new ConfigException("forwarding table size " + fdbCapacity + " must be at least 16");
        }
        if (ageing.isNegative() || ageing.isZero()) {
            throw new ConfigException("ageing time must be positive");
        }
        if (log.records() < 2 * batch) {
            throw new ConfigException("a log of " + log.records() + " records is too small for batches of " + batch
                    + ": give --log-records of at least " + 2 * batch);
        }
        long needed = 2L + 2L * ringSize * ports.size() + 2L * ringSize + (long) workers * (workers - 1) * ringSize;
        if (buffers < needed) {
            throw new ConfigException("a pool of " + buffers + " buffers is too small for " + ports.size() + " ports with rings of "
                    + ringSize + " slots" + (workers > 1 ? " and " + workers + " workers" : "") + ": it needs at least " + needed
                    + " (raise --buffers or lower --ring-size)");
        }
    }

    public static final String POOL_FILE_NAME = "pool";

    /**
     * A worker count as the operator writes it: a number, or {@code auto} (the cores minus one, at
     * least 1, and no more than the ports: a worker owns whole ports).
     */
    public static int parseWorkers(String text, int portCount) {
        String t = text.trim();
        if (t.equalsIgnoreCase("auto")) {
            int cores = Runtime.getRuntime().availableProcessors();
            return Math.max(1, Math.min(cores - 1, Math.max(1, portCount)));
        }
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new ConfigException("--workers '" + text + "' is not a number of worker threads or 'auto'");
        }
    }

    /** Frames one worker may queue for another: as many as a ring holds (each worker keeps that many spares per other worker). */
    public int handoffCapacity() {
        return ringSize;
    }

    public Path poolFile() {
        return dataDir.resolve(POOL_FILE_NAME);
    }
}

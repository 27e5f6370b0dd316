package io.pswitch.control.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pcap.LinkType;
import io.pswitch.pktlog.pcap.PcapWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a real {@link SwitchAssembly} whose ports are all {@code pcapfile} ports, waits until every
 * input has been read and the counters have stopped moving, closes it (which completes the outputs)
 * and reports, per port, the frames it transmitted and its drops by cause.
 */
final class ScenarioSwitch {
    static final int BUFFER_SIZE = 2048;
    private static final Duration QUIET_FOR = Duration.ofMillis(60);
    private static final Duration WAIT_AT_MOST = Duration.ofSeconds(5);

    /** What one port of a finished run transmitted and dropped. */
    record PortReport(String name, List<byte[]> out, long rxFrames, long txFrames, Map<DropCause, Long> drops) {
        long drops(DropCause cause) {
            return drops.getOrDefault(cause, 0L);
        }

        /** Drops with a non-zero count, for messages and exact comparisons. */
        Map<DropCause, Long> nonZeroDrops() {
            Map<DropCause, Long> m = new EnumMap<>(DropCause.class);
            drops.forEach((c, v) -> {
                if (v != 0) {
                    m.put(c, v);
                }
            });
            return m;
        }
    }

    /** A port of the scenario: a name, its input capture and any extra pcapfile options. */
    record PortInput(String name, Path input, String options) {
    }

    private ScenarioSwitch() {
    }

    /** The settings the scenarios run with: a small pool, YIELD idling, quiet, no status lines, no API. */
    static RunSettings settings(Path dataDir, List<PortSpec> ports) {
        return settings(dataDir, ports, 1);
    }

    /** As {@link #settings(Path, List)}, with {@code workers} dataplane workers sharing the ports. */
    static RunSettings settings(Path dataDir, List<PortSpec> ports, int workers) {
        return settings(dataDir, ports, workers, null);
    }

    /** As {@link #settings(Path, List, int)}, logging with {@code log} (null: the defaults, no filters). */
    static RunSettings settings(Path dataDir, List<PortSpec> ports, int workers, LogSettings log) {
        // Each worker keeps a ring's worth of spare buffers per other worker.
        return new RunSettings(dataDir, workers, 4096 + workers * (workers - 1) * 256, BUFFER_SIZE, 256, 32,
                RunSettings.IdleMode.YIELD, 1024, Duration.ofSeconds(300), Duration.ofHours(1), true, ports, log, ApiSettings.off());
    }

    /** What the log did in a run with filters: counters read once the switch was quiet, records appended, buffers it kept. */
    record LogOutcome(long logged, long skippedNoBuffer, long skippedStorageBehind, long appended, long liveRecords) {
    }

    /**
     * Runs the ports to the end of their inputs. Each port writes its transmitted frames to
     * {@code <dir>/<name>.out.pcap}.
     */
    static Map<String, PortReport> run(Path dir, List<PortInput> inputs) throws Exception {
        return run(dir, inputs, 1);
    }

    /**
     * As {@link #run(Path, List)} with {@code workers} workers; after the switch closed, checks the
     * buffer ledger across them: with nothing logged, every buffer the rings, the workers' spares and
     * the queues between workers held is back on the free list.
     */
    static Map<String, PortReport> run(Path dir, List<PortInput> inputs, int workers) throws Exception {
        return run(dir, inputs, workers, null, null);
    }

    /**
     * As {@link #run(Path, List, int)}, logging with {@code log} (null: no filters); {@code outcome[0]}
     * gets what the log did. The ledger then allows for the buffers of the records the hot tier keeps.
     */
    static Map<String, PortReport> run(Path dir, List<PortInput> inputs, int workers, LogSettings log, LogOutcome[] outcome)
            throws Exception {
        List<PortSpec> specs = new ArrayList<>();
        for (PortInput in : inputs) {
            String text = in.name() + "=pcapfile:" + in.input() + ",out=" + out(dir, in.name())
                    + (in.options().isEmpty() ? "" : "," + in.options());
            specs.add(PortSpec.parse(text));
        }
        Path dataDir = Files.createDirectories(dir.resolve("data"));
        Map<String, PortReport> reports = new LinkedHashMap<>();
        long[][] counters;
        BufferPool pool;
        PacketLog hot;
        long[] logged = new long[3];
        try (SwitchAssembly assembly = SwitchAssembly.start(settings(dataDir, specs, workers, log))) {
            pool = assembly.pool();
            hot = assembly.logging().log();
            SwitchAgent agent = assembly.agent();
            awaitQuiet(assembly);
            counters = new long[inputs.size()][];
            for (int p = 0; p < inputs.size(); p++) {
                PortCounters c = agent.counters(p);
                Map<DropCause, Long> drops = new EnumMap<>(DropCause.class);
                for (DropCause cause : DropCause.VALUES) {
                    drops.put(cause, c.drops(cause));
                }
                reports.put(inputs.get(p).name(), new PortReport(inputs.get(p).name(), null, c.rxFrames(), c.txFrames(), drops));
            }
            assertThat(assembly.agentError()).as("dataplane thread error").isNull();
            LogCounters logCounters = assembly.logging().counters();
            logged[0] = logCounters.frames();
            logged[1] = logCounters.skippedNoBuffer();
            logged[2] = logCounters.skippedStorageBehind();
        }
        // Every buffer the rings, the workers' spares and the queues between workers held is back on
        // the free list; the log keeps those of the records its hot tier still holds (none without filters).
        long kept = hot.liveRecords();
        if (pool.bufferCount() - 2 - pool.freeCount() != kept) {
            throw new AssertionError("buffer ledger: " + (pool.bufferCount() - 2 - pool.freeCount())
                    + " buffers not back on the free list after close, the log holds " + kept + " (" + workers + " workers)");
        }
        if (outcome != null) {
            outcome[0] = new LogOutcome(logged[0], logged[1], logged[2], hot.appendedCount(), kept);
        }
        Map<String, PortReport> done = new LinkedHashMap<>();
        for (PortReport r : reports.values()) {
            done.put(r.name(), new PortReport(r.name(), readFrames(out(dir, r.name())), r.rxFrames(), r.txFrames(), r.drops()));
        }
        return done;
    }

    private static Path out(Path dir, String port) {
        return dir.resolve(port + ".out.pcap");
    }

    /** Every port INPUT_ENDED and rx/tx/drop totals unchanged for {@link #QUIET_FOR}, within a bounded wait. */
    private static void awaitQuiet(SwitchAssembly assembly) throws InterruptedException {
        SwitchAgent agent = assembly.agent();
        long deadline = System.nanoTime() + WAIT_AT_MOST.toNanos();
        long last = -1;
        long stableSince = System.nanoTime();
        long endedSince = -1;
        while (System.nanoTime() < deadline) {
            boolean ended = true;
            long sum = 0;
            for (int p = 0; p < agent.portCount(); p++) {
                ended &= agent.port(p).state() == PortState.INPUT_ENDED;
                PortCounters c = agent.counters(p);
                // Every frame the driver read was taken by the agent (its RX count is published at the
                // end of the cycle that forwarded it): a busy machine that stalls the dataplane thread
                // longer than QUIET_FOR between reading a frame and forwarding it cannot end the wait.
                Long read = c.driverCounterValues().get("frames_read");
                ended &= read != null && read == c.rxFrames();
                sum += c.rxFrames() * 31 + c.txFrames() * 17 + c.totalDrops();
            }
            long now = System.nanoTime();
            // The quiet window counts from when every input was seen ended, not from the last change:
            // with paced inputs the totals sit still for long stretches before the last frames come.
            // Nothing may wait in a queue between workers: a worker the machine did not run for the
            // whole quiet window would otherwise leave its queued frames for close to discard.
            ended &= agent.queuedBetweenWorkers() == 0;
            endedSince = !ended ? -1 : endedSince < 0 ? now : endedSince;
            if (sum != last) {
                last = sum;
                stableSince = now;
            } else if (ended && now - Math.max(stableSince, endedSince) >= QUIET_FOR.toNanos()) {
                return;
            }
            if (assembly.agentError() != null) {
                throw new AssertionError("dataplane thread failed", assembly.agentError());
            }
            Thread.sleep(5);
        }
        StringBuilder states = new StringBuilder();
        for (int p = 0; p < agent.portCount(); p++) {
            states.append(agent.port(p).name()).append('=').append(agent.port(p).state()).append(' ');
        }
        throw new AssertionError("switch did not go quiet within " + WAIT_AT_MOST + ": " + states);
    }

    /** The Ethernet frames of a capture, in file order (records of other link types skipped, as the driver does). */
    static List<byte[]> readFrames(Path capture) {
        List<byte[]> frames = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(capture)) {
            while (r.next()) {
                if (r.linkType() == LinkType.ETHERNET) {
                    frames.add(r.data());
                }
            }
        }
        return frames;
    }

    /** Writes frames to a nanosecond pcap, {@code gapNs} apart from {@code firstNs}. */
    static Path writeCapture(Path file, long firstNs, long gapNs, List<byte[]> frames) {
        try (PcapWriter w = PcapWriter.create(file)) {
            long ts = firstNs;
            for (byte[] f : frames) {
                w.write(ts, f);
                ts += gapNs;
            }
        }
        return file;
    }

    /** Writes frames at the given timestamps (nanoseconds), pairwise. */
    static Path writeTimed(Path file, long[] timestampsNs, List<byte[]> frames) {
        try (PcapWriter w = PcapWriter.create(file)) {
            for (int i = 0; i < frames.size(); i++) {
                w.write(timestampsNs[i], frames.get(i));
            }
        }
        return file;
    }

    static Path emptyCapture(Path file) {
        return writeCapture(file, 0, 0, List.of());
    }
}

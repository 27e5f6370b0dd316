package io.pswitch.tools.gen;

import io.pswitch.drivers.shm.ShmAttachException;
import io.pswitch.tools.wire.Ipv4Address;
import io.pswitch.tools.wire.MacAddress;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pswitch gen}: a traffic generator attached to the shm ports of a running switch. */
@Command(name = "gen", mixinStandardHelpOptions = true,
        description = {"Send UDP test traffic into shm ports of a running switch and count what comes back.",
                "Example: gen --tx p0 --rx p1 --size 64 --duration 10s --rate 1000000 --flows 16"})
public final class GenCommand implements Callable<Integer> {
    private static final long SECOND = 1_000_000_000L;

    @Spec
    CommandSpec spec;

    @Option(names = "--tx", paramLabel = "NAME", required = true, description = "shm port to send from (repeatable)")
    List<String> tx = new ArrayList<>();

    @Option(names = "--rx", paramLabel = "NAME", description = "shm port to count arrivals on (repeatable)")
    List<String> rx = new ArrayList<>();

    @Option(names = "--size", paramLabel = "B", defaultValue = "64", description = "frame length, 64 up to the port's slot size (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "frames to send (0 = until --duration)")
    long count;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "how long to send, e.g. 10s, 500ms (default 10s when --count is not given)")
    Long durationNs;

    @Option(names = "--rate", paramLabel = "PPS", defaultValue = "0", description = "total frames per second (0 = as fast as possible)")
    long rate;

    @Option(names = "--flows", paramLabel = "N", defaultValue = "1", description = "distinct MAC/IP/UDP-port flows (default ${DEFAULT-VALUE})")
    int flows;

    @Option(names = "--src-mac", paramLabel = "MAC", defaultValue = "02:00:00:00:01:00", description = "base source MAC, +1 per flow (default ${DEFAULT-VALUE})")
    String srcMac;

    @Option(names = "--dst-mac", paramLabel = "MAC", defaultValue = "02:00:00:00:02:00", description = "base destination MAC, +1 per flow (default ${DEFAULT-VALUE})")
    String dstMac;

    @Option(names = "--src-ip", paramLabel = "IP", defaultValue = "10.0.1.1", description = "base source IPv4 (default ${DEFAULT-VALUE})")
    String srcIp;

    @Option(names = "--dst-ip", paramLabel = "IP", defaultValue = "10.0.2.1", description = "base destination IPv4 (default ${DEFAULT-VALUE})")
    String dstIp;

    @Option(names = "--vlan", paramLabel = "VID", description = "802.1Q VLAN id to tag frames with")
    Integer vlan;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "frames per port per cycle (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--no-learn", description = "do not let the RX ports announce the destination MACs first (frames are flooded until learnt)")
    boolean noLearn;

    @Option(names = "--json", description = "print the final summary as one JSON line")
    boolean json;

    @Option(names = "--quiet", description = "no per-second lines")
    boolean quiet;

    @Override
    public Integer call() {
        GenConfig config;
        try {
            long duration = durationNs != null ? durationNs : (count == 0 ? 10 * SECOND : 0);
            config = new GenConfig(tx, rx, size, count, duration, rate, flows, MacAddress.parse(srcMac), MacAddress.parse(dstMac),
                    vlan == null ? -1 : vlan, Ipv4Address.parse(srcIp), Ipv4Address.parse(dstIp), batch, !noLearn);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrafficGenerator gen;
        try {
            gen = TrafficGenerator.attach(config);
        } catch (ShmAttachException | IllegalArgumentException e) {
            err.println("gen: " + e.getMessage());
            err.flush();
            return 1;
        }
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            gen.stop();
            try {
                finished.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "gen-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            run(gen, out);
            printSummary(gen, out);
        } finally {
            gen.close();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // Already shutting down: the hook is running and waits for the latch above.
            }
        }
        return 0;
    }

    private void run(TrafficGenerator gen, PrintWriter out) {
        long start = System.nanoTime();
        long nextReport = start + SECOND;
        long lastSent = 0;
        long lastReceived = 0;
        int idle = 0;
        while (!gen.done()) {
            long now = System.nanoTime();
            if (gen.doWork(now) > 0) {
                idle = 0;
            } else if (++idle > 100) {
                // Back off between batches when nothing is due; never a sleep per frame.
                LockSupport.parkNanos(idle > 1000 ? 100_000 : 10_000);
            } else {
                Thread.onSpinWait();
            }
            if (now >= nextReport) {
                if (!quiet) {
                    long s = gen.sent();
                    long r = gen.received();
                    out.printf(Locale.ROOT, "%6.1fs  sent %,d (%s)  received %,d (%s)  lost %,d%n", (now - start) / 1e9, s,
                            pps(s - lastSent), r, pps(r - lastReceived), gen.lost());
                    out.flush();
                    lastSent = s;
                    lastReceived = r;
                }
                nextReport += SECOND;
            }
        }
    }

    private static String pps(double perSecond) {
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2f Mpps", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1f kpps", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f pps", perSecond);
    }

    private void printSummary(TrafficGenerator gen, PrintWriter out) {
        double seconds = Math.max(1e-9, gen.sendingNs(System.nanoTime()) / 1e9);
        double txPps = gen.sent() / seconds;
        double rxPps = gen.received() / seconds;
        if (json) {
            out.printf(Locale.ROOT, "{\"sent\":%d,\"received\":%d,\"lost\":%d,\"out_of_order\":%d,\"seconds\":%.3f,"
                    + "\"tx_pps\":%.1f,\"rx_pps\":%.1f,\"tx_bps\":%.1f,\"size\":%d,\"flows\":%d,"
                    + "\"latency_avg_ns\":%d,\"latency_max_ns\":%d}%n",
                    gen.sent(), gen.received(), gen.lost(), gen.outOfOrder(), seconds, txPps, rxPps,
                    gen.sentBytes() * 8 / seconds, gen.config().size(), gen.config().flows(), gen.latencyAvgNs(), gen.latencyMaxNs());
        } else {
            out.printf(Locale.ROOT, "sent %,d in %.3fs (%s, %.1f Mbit/s)%n", gen.sent(), seconds, pps(txPps), gen.sentBytes() * 8 / seconds / 1e6);
            if (!gen.config().rxPorts().isEmpty()) {
                out.printf(Locale.ROOT, "received %,d (%s), lost %,d (%.3f%%), out of order %,d, latency avg %.1f us max %.1f us%n",
                        gen.received(), pps(rxPps), gen.lost(), gen.sent() == 0 ? 0.0 : 100.0 * gen.lost() / gen.sent(),
                        gen.outOfOrder(), gen.latencyAvgNs() / 1e3, gen.latencyMaxNs() / 1e3);
            }
        }
        out.flush();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new GenCommand()).execute(args));
    }
}

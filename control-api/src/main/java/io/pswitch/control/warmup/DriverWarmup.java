package io.pswitch.control.warmup;

import io.pswitch.control.warmup.netns.PrivateNetns;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.pktlog.filter.FilterSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The second half of the start-up warm-up: the drivers' own frame paths ({@code rxSync}, {@code
 * txSync}, their rings, {@code sendto}/{@code sendmmsg}, completions), which {@link DataplaneWarmup}
 * cannot reach because its ports' wire is memory. Only for runs with {@code afxdp} or {@code afpacket}
 * ports, after {@link DataplaneWarmup}.
 *
 * <p>It opens ports of the run's own driver classes, through {@link PortDrivers} as the real ports
 * are opened and with their options where they mean something on a veth (AF_XDP's {@code mode};
 * AF_PACKET's {@code rx} and {@code bufsize}), on the two ends of a veth pair in a private network
 * namespace ({@link PrivateNetns}): never on the operator's interfaces, and nothing of it is visible
 * from the switch's namespace. Two throw-away switches of two ports each, a memory port and a driver
 * port, sit on either end of the pair:
 * <pre>
 *   memory → [switch S] → driver port on A ═ veth ═ driver port on B → [switch T] → memory
 *   memory ← [switch S] ← driver port on A ═ veth ═ driver port on B ← [switch T] ← memory
 * </pre>
 * A two-port switch sends everything it does not drop to its other port, so the chain has no loop.
 * Frames go both ways in the light-traffic batch sizes ({@code BURSTS}: mostly 1 to 4 frames, as a
 * ping or a request does), with the switches run until neither has work, so each driver port
 * receives, transmits and completes, and idles between frames as the real switch does. With one
 * live driver in the run both ends are of that driver; with both, A is the first one named.
 *
 * <p>Bounded by a frame count, never by time. A failure (no CAP_SYS_ADMIN for the namespace, no
 * {@code ip}, XDP refused on the private veth) is the start-up report's "skipped" line, never a failed
 * start. Its scratch pools go the way of {@link DataplaneWarmup}'s.
 */
public final class DriverWarmup {
    /** Frames of an {@code auto} driver warm-up, both directions together. */
    public static final int DEFAULT_FRAMES = 20_000;
    /** Interface names in the private namespace: {@code pwu<pid>a}, {@code pwu<pid>b} (at most 15 characters). */
    static final String INTERFACE_PREFIX = "pwu";
    static final String THREAD_NAME = "pswitch-driver-warmup";
    /** Live drivers this warm-up knows how to open on a veth. */
    static final List<String> DRIVERS = List.of("afxdp", "afpacket");
    /** Options of the real port carried to the warm-up's port (the rest name things of the real interface). */
    private static final Map<String, List<String>> CARRIED = Map.of("afxdp", List.of("mode"), "afpacket", List.of("rx", "bufsize"));
    /** Frames per feed, in turn: the single frames of light traffic, a few small bursts. */
    private static final int[] BURSTS = {1, 1, 1, 2, 1, 1, 1, 4, 1, 1, 3, 1, 1, 2, 1, 1};
    /** The most switch rounds per feed while frames are still moving; the drain's bound at the end. */
    private static final int MAX_ROUNDS = 64;

    /** What the driver warm-up did; {@code skipped} says why it did nothing, or is null. */
    public record Report(List<String> drivers, long frames, long crossed, long millis, String skipped) {
        public String line() {
            if (skipped != null) {
                return "driver warm-up: skipped (" + skipped + "); the " + String.join(", ", drivers)
                        + " frame paths run on code the JIT has not compiled yet for their first frames";
            }
            return String.format("driver warm-up: %,d frames through %s ports on a veth pair in a private network namespace"
                    + " (%,d crossed it), %d ms", frames, String.join(" and ", drivers), crossed, millis);
        }
    }

    private DriverWarmup() {
    }

    /** The live drivers among the real ports that this warm-up warms, in the order first named. */
    static List<String> liveDrivers(List<PortSpec> ports) {
        List<String> out = new ArrayList<>();
        for (PortSpec p : ports) {
            if (DRIVERS.contains(p.driver()) && !out.contains(p.driver())) {
                out.add(p.driver());
            }
        }
        return out;
    }

    /**
     * Runs the driver warm-up for the real ports, or returns null when none of them is a live driver
     * it warms. Never throws: a failure is a report.
     */
    public static Report run(List<PortSpec> realPorts, SwitchConfig config, int ringSize, Durability durability, int frames) {
        List<String> drivers = liveDrivers(realPorts);
        if (drivers.isEmpty()) {
            return null;
        }
        long start = System.nanoTime();
        String tag = INTERFACE_PREFIX + Long.toString(ProcessHandle.current().pid(), 36);
        String a = tag + "a";
        String b = tag + "b";
        PortSpec specA = warmupSpec("wa", a, first(realPorts, drivers.getFirst()));
        PortSpec specB = warmupSpec("wb", b, first(realPorts, drivers.getLast()));
        Path dir = null;
        try {
            dir = DataplaneWarmup.scratchDirectory();
            Path scratch = dir;
            long[] done = PrivateNetns.withVethPair(THREAD_NAME, a, b,
                    () -> drive(scratch, specA, specB, config, ringSize, durability, frames));
            return new Report(drivers, done[0], done[1], (System.nanoTime() - start) / 1_000_000, null);
        } catch (PrivateNetns.Unavailable | RuntimeException e) {
            return new Report(drivers, 0, 0, (System.nanoTime() - start) / 1_000_000, String.valueOf(e.getMessage()));
        } finally {
            if (dir != null) {
                DataplaneWarmup.delete(dir);
            }
        }
    }

    private static PortSpec first(List<PortSpec> ports, String driver) {
        return ports.stream().filter(p -> p.driver().equals(driver)).findFirst().orElseThrow();
    }

    /** The real port's driver on the private interface, with the options that mean something there. */
    static PortSpec warmupSpec(String name, String ifname, PortSpec real) {
        StringBuilder text = new StringBuilder(name).append('=').append(real.driver()).append(':').append(ifname);
        for (String key : CARRIED.getOrDefault(real.driver(), List.of())) {
            String value = real.options().get(key);
            if (value != null) {
                text.append(',').append(key).append('=').append(value);
            }
        }
        return PortSpec.parse(text.toString());
    }

    /**
     * On the private thread: opens both switches (the driver ports in the private namespace), drives
     * the frames, closes everything (the driver ports detach their XDP programs) before the thread ends.
     *
     * @return {frames fed, frames that crossed the veth and reached the far memory port}
     */
    private static long[] drive(Path dir, PortSpec specA, PortSpec specB, SwitchConfig config, int ringSize,
                                Durability durability, int frames) throws IOException {
        PortDrivers drivers = PortDrivers.installed();
        Path sDir = Files.createDirectory(dir.resolve("switchS"));
        Path tDir = Files.createDirectory(dir.resolve("switchT"));
        try (WarmupSwitch s = new WarmupSwitch(sDir, 2, config, ringSize, durability, FilterSet.EMPTY,
                (i, context) -> i == 0 ? WarmupPort.of(0, "memS", context) : drivers.open(specA, context));
             WarmupSwitch t = new WarmupSwitch(tDir, 2, config, ringSize, durability, FilterSet.EMPTY,
                     (i, context) -> i == 1 ? WarmupPort.of(1, "memT", context) : drivers.open(specB, context))) {
            WarmupPort inS = s.port(0);
            WarmupPort inT = t.port(1);
            // Stations "on port 0" live behind S's memory port, those "on port 1" behind T's.
            byte[][] fromS = DataplaneWarmup.traffic(0, 2);
            byte[][] fromT = DataplaneWarmup.traffic(1, 2);
            int batch = config.batchSize();
            long fed = 0;
            int cs = 0;
            int ct = 0;
            for (int i = 0; fed < frames; i++) {
                boolean forward = (i & 1) == 0;
                int n = (int) Math.min(Math.min(BURSTS[(i >>> 1) % BURSTS.length], batch), frames - fed);
                for (int k = 0; k < n; k++) {
                    if (forward) {
                        inS.feed(fromS[cs]);
                        cs = cs + 1 == fromS.length ? 0 : cs + 1;
                    } else {
                        inT.feed(fromT[ct]);
                        ct = ct + 1 == fromT.length ? 0 : ct + 1;
                    }
                }
                fed += n;
                settle(s, t);
            }
            settle(s, t);
            return new long[] {fed, inS.transmitted() + inT.transmitted()};
        }
    }

    /**
     * Runs both switches until two rounds in a row found no work: a frame crossing a veth is in the
     * other end's ring by the time the sending system call returns (the kernel runs the peer's
     * receive in the softirq that the send raised), so a quiet round means the frames are through.
     */
    private static void settle(WarmupSwitch s, WarmupSwitch t) {
        int quiet = 0;
        for (int r = 0; r < MAX_ROUNDS && quiet < 2; r++) {
            int work = s.agent().doWork() + t.agent().doWork();
            quiet = work == 0 ? quiet + 1 : 0;
        }
    }
}

package io.pswitch.control.warmup;

import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.pktlog.filter.FilterSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The start-up warm-up of {@code pswitch run}: before the real worker starts, a few tens of thousands
 * of synthetic frames ({@link WarmupFrames}) go through <b>throw-away switches</b> built of the same
 * dataplane classes (the {@link io.pswitch.dataplane.agent.SwitchAgent} and its workers, the classify
 * and forward passes, rings, forwarding table, the logging stage over a log, the run's own compiled
 * {@link FilterSet}), with the run's worker count, port count, batch and durability, on ports whose
 * wire is memory.
 *
 * <p>Why: a freshly started JVM runs the frame path interpreted, then in profiling code, and the
 * JIT compiles it only after thousands of frames; a lightly loaded switch (a ping every 10 ms) would
 * answer its first seconds of traffic at a multiple of its warm latency. Worse, a real switch that
 * idles first has its duty cycle compiled with the frame branches never taken, so the first frames
 * deoptimize it. After the warm-up the duty cycle's profile has seen unicast, flood, learning, drops,
 * logging, deferred and immediate transmit completions and several batch sizes, and the JIT has
 * compiled it or is compiling it (in the background: the last compilations may end after the warm-up).
 * What it cannot warm is a driver's own frame path: that needs frames on an interface, and {@link
 * DriverWarmup} runs it next, on a veth pair in a private network namespace.
 *
 * <p>Three switches, each with ports of another {@link WarmupPort} class, run in turn: with one
 * class, the JIT would inline that class's syncs into the duty cycle behind a class check that the
 * real driver fails, and throw the compiled duty cycle away at the real switch's first cycle.
 *
 * <p>Leaves no trace: each switch has its own pool and log in a temporary directory (on
 * {@code /dev/shm} where there is one), deleted afterwards, its own in-memory counters and its own
 * forwarding table; none of the real switch's files, counters, stations or buffers is touched. The
 * filter set is shared because it is immutable (and its compiled classes are what must get warm);
 * the frames matching it go to the throw-away logs.
 *
 * <p>Bounded by a frame count, never by time (so it does the same work on any machine). Cold path,
 * on the starting thread, after the real ports are open and before the real agent exists.
 */
public final class DataplaneWarmup {
    /** Frames of an {@code auto} warm-up. */
    public static final int DEFAULT_FRAMES = 60_000;
    /** Stations per port. */
    private static final int HOSTS = 8;
    /** Frames per duty cycle, in turn: mostly the single frames of light traffic, some bursts. */
    private static final int[] BURSTS = {1, 1, 1, 2, 1, 1, 1, 4, 1, 1, 1, 1, 8, 1, 1, 3, 1, 1, 1, 32, 1, 1, 2, 1, 1, 1,
        1, 1, 1, 16, 1, 1};
    /** Every this many cycles, one full batch. */
    private static final int FULL_BATCH_EVERY = 256;
    /** Throw-away switches, each with ports of its own {@link WarmupPort} class. */
    private static final int KINDS = 3;
    /** Scratch directories are {@code pswitch-warmup-<pid>-<random>}. */
    static final String SCRATCH_PREFIX = "pswitch-warmup-";

    /**
     * What the warm-up switch copies of the real one.
     *
     * @param ports the real switch's port count (filters name ports by index)
     * @param config the real agent's configuration (batch, table, workers)
     * @param ringSize the real rings' slots (the warm-up's rings have at most 256, or a batch)
     * @param durability the real log's durability mode
     * @param filters the real start-up filter set (may be empty)
     * @param frames how many frames to push through
     */
    public record Plan(int ports, SwitchConfig config, int ringSize, Durability durability, FilterSet filters, int frames) {
        public Plan {
            if (ports < 1 || frames < 0) {
                throw new IllegalArgumentException("warm-up of " + ports + " ports and " + frames + " frames");
            }
        }
    }

    /** What the warm-up did, for the start-up report; {@code skipped} says why it did nothing, or is null. */
    public record Report(long frames, long cycles, long forwarded, long logged, long millis, String skipped) {
        public String line() {
            if (skipped != null) {
                return "warm-up: skipped (" + skipped + "); the first frames run on code the JIT has not compiled yet";
            }
            return String.format("warm-up: %,d synthetic frames in %,d duty cycles on throw-away switches, %d ms"
                    + " (--warmup none skips it)", frames, cycles, millis);
        }
    }

    private DataplaneWarmup() {
    }

    /**
     * Runs the warm-up. A failure (no room for the scratch pools, say) is reported, never thrown: the
     * switch starts anyway, only slower for its first frames.
     */
    public static Report run(Plan plan) {
        long start = System.nanoTime();
        Path dir = null;
        try {
            dir = scratchDirectory();
            return run(plan, dir, start);
        } catch (RuntimeException e) {
            return new Report(0, 0, 0, 0, (System.nanoTime() - start) / 1_000_000, String.valueOf(e.getMessage()));
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
    }

    private static Report run(Plan plan, Path dir, long start) {
        List<WarmupSwitch> switches = new ArrayList<>();
        try {
            for (int kind = 0; kind < KINDS; kind++) {
                Path own = dir.resolve("switch" + kind);
                createDirectory(own);
                switches.add(new WarmupSwitch(own, kind, plan.ports(), plan.config(), plan.ringSize(), plan.durability(),
                        plan.filters()));
            }
            long[] done = drive(switches, plan);
            long forwarded = 0;
            long logged = 0;
            for (WarmupSwitch s : switches) {
                forwarded += s.transmitted();
                logged += s.logged();
            }
            return new Report(done[0], done[1], forwarded, logged, (System.nanoTime() - start) / 1_000_000, null);
        } finally {
            for (WarmupSwitch s : switches) {
                s.close();
            }
        }
    }

    /**
     * Feeds the frames in duty cycles of the {@link #BURSTS} sizes, port after port and switch after
     * switch, with an idle cycle now and then (a real switch mostly idles between frames). With
     * filters, the last third runs without them, as after an operator removes them.
     *
     * @return {frames, cycles}
     */
    private static long[] drive(List<WarmupSwitch> switches, Plan plan) {
        int portCount = plan.ports();
        int batch = plan.config().batchSize();
        byte[][][] traffic = new byte[portCount][][];
        for (int p = 0; p < portCount; p++) {
            traffic[p] = traffic(p, portCount);
        }
        int[] cursor = new int[portCount];
        boolean filtered = !plan.filters().isEmpty();
        long frames = 0;
        long cycles = 0;
        for (int i = 0; frames < plan.frames(); i++) {
            if (filtered && frames >= 2L * plan.frames() / 3) {
                for (WarmupSwitch s : switches) {
                    s.agent().logging().filters(FilterSet.EMPTY);
                }
                filtered = false;
            }
            WarmupSwitch sw = switches.get(i % switches.size());
            int p = (i / switches.size()) % portCount;
            int burst = i % FULL_BATCH_EVERY == FULL_BATCH_EVERY - 1 ? batch : BURSTS[i % BURSTS.length];
            int n = (int) Math.min(Math.min(burst, batch), plan.frames() - frames);
            byte[][] mine = traffic[p];
            for (int k = 0; k < n; k++) {
                sw.port(p).feed(mine[cursor[p]]);
                cursor[p] = cursor[p] + 1 == mine.length ? 0 : cursor[p] + 1;
            }
            frames += n;
            sw.agent().doWork();
            cycles++;
            if ((i & 3) == 3) {
                sw.agent().doWork();
                cycles++;
            }
        }
        // What is still in the rings or between workers goes out, as at any stop.
        for (WarmupSwitch s : switches) {
            for (int k = 0; k < 4 || s.waiting() > 0; k++) {
                s.agent().doWork();
                cycles++;
            }
        }
        return new long[] {frames, cycles};
    }

    /**
     * What the stations on port {@code p} send, in order: ARP resolution, ping, UDP and TCP to
     * stations on the other ports (learned: unicast), frames to stations never heard of (flooded),
     * IPv6 multicast, a VLAN, and now and then a frame to drop.
     */
    static byte[][] traffic(int p, int portCount) {
        List<byte[]> out = new ArrayList<>();
        for (int h = 0; h < HOSTS; h++) {
            int q = portCount == 1 ? p : (p + 1 + h % (portCount - 1)) % portCount;
            long src = WarmupFrames.mac(p, h);
            int srcIp = WarmupFrames.ip(p, h);
            long dst = WarmupFrames.mac(q, h);
            int dstIp = WarmupFrames.ip(q, h);
            out.add(WarmupFrames.arpRequest(src, srcIp, dstIp));
            out.add(WarmupFrames.arpReply(src, srcIp, dst, dstIp));
            for (int seq = 0; seq < 4; seq++) {
                out.add(WarmupFrames.icmpEcho(src, srcIp, dst, dstIp, 8, seq));
                out.add(WarmupFrames.icmpEcho(src, srcIp, dst, dstIp, 0, seq));
                out.add(WarmupFrames.udp(src, srcIp, dst, dstIp, 9, 60));
                out.add(WarmupFrames.tcp(src, srcIp, dst, dstIp, 0x18, 1514));
                out.add(WarmupFrames.tcp(src, srcIp, dst, dstIp, 0x10, 66));
            }
            out.add(WarmupFrames.udp(src, srcIp, dst, dstIp, 5001, 1514));
            out.add(WarmupFrames.udp(src, srcIp, dst, dstIp, 53, 512));
            out.add(WarmupFrames.taggedUdp(src, srcIp, dst, dstIp, 9, 64, 10 + h));
            out.add(WarmupFrames.tcp(src, srcIp, dst, dstIp, 0x02, 74));
            out.add(WarmupFrames.udp(src, srcIp, WarmupFrames.unknownMac(p * HOSTS + h), dstIp, 9, 60));
            out.add(WarmupFrames.ipv6Multicast(src));
        }
        out.add(WarmupFrames.lldp(WarmupFrames.mac(p, 0)));
        out.add(WarmupFrames.runt());
        out.add(WarmupFrames.multicastSource(WarmupFrames.mac(p, 1)));
        return out.toArray(new byte[0][]);
    }

    /**
     * A new directory in memory where there is some ({@code /dev/shm}), else in the JVM's temporary
     * directory, named after this process. Those of switches that were killed during their warm-up
     * ({@code kill -9} leaves them) go first.
     */
    static Path scratchDirectory() {
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        removeStale(base);
        try {
            return Files.createTempDirectory(base, SCRATCH_PREFIX + ProcessHandle.current().pid() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory in " + base + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the scratch directories under {@code base} whose process is gone. */
    static void removeStale(Path base) {
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> all = Files.list(base)) {
            for (Path p : all.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(SCRATCH_PREFIX)) {
                    continue;
                }
                int end = name.indexOf('-', SCRATCH_PREFIX.length());
                try {
                    long pid = Long.parseLong(name.substring(SCRATCH_PREFIX.length(), end < 0 ? name.length() : end));
                    if (ProcessHandle.of(pid).isEmpty()) {
                        stale.add(p);
                    }
                } catch (NumberFormatException e) {
                    // Not one of ours: left alone.
                }
            }
        } catch (IOException e) {
            return; // nothing listed, nothing removed: the warm-up goes on
        }
        for (Path p : stale) {
            delete(p);
        }
    }

    private static void createDirectory(Path dir) {
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // A scratch file left in a temporary directory is harmless; the switch starts anyway.
        }
    }
}

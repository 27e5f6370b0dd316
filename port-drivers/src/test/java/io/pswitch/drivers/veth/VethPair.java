package io.pswitch.drivers.veth;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A veth pair for the live drivers' tests, named {@code <prefix><pid>x<n>a}/{@code …b} (the prefix
 * is the driver's, so that a leftover interface says whose test left it), up, IPv6 off (no router
 * solicitations or DAD frames on the wire), deleted on close. The far end is read and written with
 * {@link PcapPeer}: a libpcap handle, another code path than the driver under test. Needs root,
 * {@code ip} and libpcap; {@link #assumeUsable(String)} skips the test saying which is missing.
 */
public final class VethPair implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    public final String a;
    public final String b;

    private VethPair(String a, String b) {
        this.a = a;
        this.b = b;
    }

    /**
     * Skips the calling test, saying why, when veth pairs cannot be made here; {@code tests} names
     * them in the message (e.g. "afpacket tests").
     */
    public static void assumeUsable(String tests) {
        assumeTrue(isRoot(), "skipped: " + tests + " need root (uid 0) to create veth pairs and open sockets on them");
        assumeTrue(onPath("ip"), "skipped: the 'ip' command (iproute2) is not installed");
        assumeTrue(LibpcapLibrary.available(), "skipped: libpcap (the far end's peer in these tests) is not installed");
    }

    /**
     * A new pair; {@code prefix} is at most 3 letters: with the pid and a counter the name stays
     * within the kernel's 15 characters.
     */
    public static VethPair create(String prefix) throws Exception {
        if (prefix.length() > 3) {
            throw new IllegalArgumentException("veth prefix '" + prefix + "' longer than 3 characters");
        }
        String base = prefix + (ProcessHandle.current().pid() % 100_000) + "x" + COUNTER.incrementAndGet();
        VethPair pair = new VethPair(base + "a", base + "b");
        run("ip", "link", "add", pair.a, "type", "veth", "peer", "name", pair.b);
        try {
            for (String dev : new String[] {pair.a, pair.b}) {
                sysctlQuietly("net.ipv6.conf." + dev + ".disable_ipv6", "1");
                run("ip", "link", "set", dev, "up");
            }
        } catch (Exception e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    /** Runs a command, failing with its output unless it exits 0 within 10 s; returns the output. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static void sysctlQuietly(String key, String value) {
        try {
            Files.writeString(Path.of("/proc/sys/" + key.replace('.', '/')), value);
        } catch (IOException e) {
            // IPv6 may be absent altogether: then there is no noise to silence.
        }
    }

    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    public static boolean onPath(String cmd) {
        String path = System.getenv("PATH");
        String dirs = (path == null ? "" : path) + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : dirs.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        // Deleting one end deletes the pair; ignore "cannot find device" when a test already did it.
        Process p = new ProcessBuilder("ip", "link", "del", a).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

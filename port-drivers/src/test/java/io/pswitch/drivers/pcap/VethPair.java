package io.pswitch.drivers.pcap;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A veth pair with names unique to this JVM ({@code psw<pid><n>a}/{@code …b}), up, IPv6 off (no
 * router solicitations or DAD frames on the wire), deleted on close. Needs root and {@code ip}.
 */
final class VethPair implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final String a;
    final String b;

    private VethPair(String a, String b) {
        this.a = a;
        this.b = b;
    }

    /** Skips the calling test, saying why, when veth pairs cannot be made here. */
    static void assumeUsable() {
        assumeTrue(isRoot(), "skipped: live pcap tests need root (uid 0) to create veth pairs and capture");
        assumeTrue(onPath("ip"), "skipped: the 'ip' command (iproute2) is not installed");
        assumeTrue(LibpcapLibrary.available(), "skipped: libpcap is not installed");
    }

    static VethPair create() throws Exception {
        assumeUsable();
        String base = "psw" + (ProcessHandle.current().pid() % 1_000_000) + "x" + COUNTER.incrementAndGet();
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

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static void sysctlQuietly(String key, String value) {
        try {
            Files.writeString(Path.of("/proc/sys/" + key.replace('.', '/')), value);
        } catch (IOException e) {
            // IPv6 may be absent altogether: then there is no noise to silence.
        }
    }

    private static boolean isRoot() {
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

    private static boolean onPath(String cmd) {
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

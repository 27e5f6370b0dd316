package io.pswitch.drivers.afpacket;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A veth pair for the afpacket tests, named {@code apk<pid>x<n>a}/{@code …b} (unique to this JVM and
 * to this driver's tests), up, IPv6 off (no router solicitations or DAD frames on the wire),
 * deleted on close. Needs root and {@code ip}; the far end is read and written through libpcap.
 */
final class ApkVeth implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final String a;
    final String b;

    private ApkVeth(String a, String b) {
        this.a = a;
        this.b = b;
    }

    /** Skips the calling test, saying why, when the afpacket tests cannot run here. */
    static void assumeUsable() {
        assumeTrue(isRoot(), "skipped: afpacket tests need root (uid 0) to create veth pairs and open AF_PACKET sockets");
        assumeTrue(onPath("ip"), "skipped: the 'ip' command (iproute2) is not installed");
        assumeTrue(LibpcapLibrary.available(), "skipped: libpcap (the far end's peer) is not installed");
        assumeTrue(Files.exists(Path.of("/proc/net/packet")), "skipped: this kernel has no AF_PACKET sockets");
    }

    static ApkVeth create() throws Exception {
        assumeUsable();
        String base = "apk" + (ProcessHandle.current().pid() % 1_000_000) + "x" + COUNTER.incrementAndGet();
        ApkVeth pair = new ApkVeth(base + "a", base + "b");
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

    static boolean isRoot() {
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

    static boolean onPath(String cmd) {
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

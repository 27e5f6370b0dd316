package io.pswitch.drivers.afxdp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A veth pair for afxdp tests, named {@code axp<pid>x<n>a}/{@code …b} (the prefix is this driver's),
 * up, IPv6 off (no router solicitations or DAD frames on the wire), deleted on close. Needs root,
 * {@code ip} and a kernel with AF_XDP; {@link #assumeUsable()} skips the test saying which is missing.
 */
final class AxpVeth implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final String a;
    final String b;

    private AxpVeth(String a, String b) {
        this.a = a;
        this.b = b;
    }

    static void assumeUsable() {
        assumeTrue(isRoot(), "skipped: afxdp tests need root (uid 0) for veth pairs, XDP programs and AF_XDP sockets");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "skipped: the 'ip' command (iproute2) is not installed");
        assumeTrue(LibpcapLibrary.available(), "skipped: libpcap (the veth peer in these tests) is not installed");
        assumeTrue(kernelHasAfXdp(), "skipped: this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)");
    }

    static boolean kernelHasAfXdp() {
        try (Arena arena = Arena.ofConfined()) {
            LinuxCalls calls = new LinuxCalls(arena);
            int fd = calls.socket(LinuxCalls.AF_XDP, LinuxCalls.SOCK_RAW | LinuxCalls.SOCK_CLOEXEC, 0);
            if (fd >= 0) {
                calls.close(fd);
                return true;
            }
            return calls.errno() != LinuxCalls.EAFNOSUPPORT;
        }
    }

    static AxpVeth create() throws Exception {
        assumeUsable();
        String base = "axp" + (ProcessHandle.current().pid() % 100_000) + "x" + COUNTER.incrementAndGet();
        AxpVeth pair = new AxpVeth(base + "a", base + "b");
        run("ip", "link", "add", pair.a, "type", "veth", "peer", "name", pair.b);
        try {
            for (String dev : new String[] {pair.a, pair.b}) {
                try {
                    Files.writeString(Path.of("/proc/sys/net/ipv6/conf/" + dev + "/disable_ipv6"), "1");
                } catch (IOException e) {
                    // no IPv6: no noise to silence
                }
                run("ip", "link", "set", dev, "up");
            }
        } catch (Exception e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** Whether {@code ip link show} lists an XDP program (any mode) on the interface. */
    static boolean hasXdpProgram(String dev) throws IOException, InterruptedException {
        String out = run("ip", "-d", "link", "show", "dev", dev);
        return out.contains("prog/xdp") || out.contains(" xdp ") || out.contains("xdpgeneric") || out.contains("xdpdrv");
    }

    /** A fresh directory on /dev/shm (tmpfs) for a pool that is to be a UMEM. */
    static Path shmDirectory() throws IOException {
        return Files.createTempDirectory(Path.of("/dev/shm"), "axp-test-");
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
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

    @Override
    public void close() throws IOException {
        Process p = new ProcessBuilder("ip", "link", "del", a).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

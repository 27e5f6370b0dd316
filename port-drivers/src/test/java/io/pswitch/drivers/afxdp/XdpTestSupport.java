package io.pswitch.drivers.afxdp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.drivers.veth.VethPair;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What the afxdp tests need beyond a {@link VethPair} (whose names start with {@code axp}): a kernel
 * with AF_XDP, a look at the XDP program an interface carries, and a tmpfs directory for a pool
 * that is to be a UMEM.
 */
final class XdpTestSupport {
    static final String VETH_PREFIX = "axp";

    private XdpTestSupport() {}

    /** Skips the calling test, saying which of root, iproute2, libpcap or AF_XDP is missing. */
    static void assumeUsable() {
        VethPair.assumeUsable("afxdp tests (veth pairs, XDP programs and AF_XDP sockets)");
        assumeTrue(kernelHasAfXdp(), "skipped: this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)");
    }

    static VethPair veth() throws Exception {
        return VethPair.create(VETH_PREFIX);
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

    /** Whether {@code ip link show} lists an XDP program (any mode) on the interface. */
    static boolean hasXdpProgram(String dev) throws IOException, InterruptedException {
        String out = VethPair.run("ip", "-d", "link", "show", "dev", dev);
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
}

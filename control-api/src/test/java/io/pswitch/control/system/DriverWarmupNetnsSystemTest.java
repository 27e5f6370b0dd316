package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.warmup.DriverWarmup;
import io.pswitch.control.warmup.WarmupMode;
import io.pswitch.control.warmup.netns.ThreadNamespaces;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.PortSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver warm-up ({@link DriverWarmup}) of a switch with an {@code afpacket} and an {@code afxdp}
 * port: it runs the drivers' own frame paths on a veth pair in a private network namespace, and leaves
 * no trace of it: no interface in the switch's namespace but the operator's, no XDP program but the
 * real afxdp port's (and none after the stop), no thread of the process in another network namespace,
 * no scratch files; and the real switch forwards afterwards (hosts in two namespaces ping each other
 * through it). Needs root.
 */
@Timeout(180)
class DriverWarmupNetnsSystemTest {
    private static final Path SHM = Path.of("/dev/shm");
    /** {@code pwu…}: this test's and the warm-up's names. */
    private final String tag = "pwu" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    private Path dataDir;

    private String ns(int h) {
        return tag + "h" + h;
    }

    private String swIf(int h) {
        return tag + "s" + h;
    }

    private static String ip(int h) {
        return "10.213.9." + h;
    }

    @AfterEach
    void tearDown() throws IOException {
        for (String link : links) {
            Netns.quiet("ip", "link", "del", link);
        }
        for (String ns : namespaces) {
            Netns.quiet("ip", "netns", "del", ns);
        }
        if (dataDir != null && Files.exists(dataDir)) {
            try (Stream<Path> all = Files.walk(dataDir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Two hosts, each in a namespace with an eth0 whose other end is in this one. */
    private void hosts() throws Exception {
        assumeTrue(Netns.usable(), "needs root and 'ip netns' to build hosts in network namespaces; skipped");
        assumeTrue(Netns.run(10, "sh", "-c", "command -v ping").exitCode() == 0, "needs ping (iputils-ping); skipped");
        for (int h = 1; h <= 2; h++) {
            Netns.must("ip", "netns", "add", ns(h));
            namespaces.add(ns(h));
            Netns.must("ip", "link", "add", swIf(h), "type", "veth", "peer", "name", "eth0", "netns", ns(h));
            links.add(swIf(h));
            Netns.must("ip", "link", "set", swIf(h), "up");
            Netns.must(Netns.in(ns(h), "ip", "addr", "add", ip(h) + "/24", "dev", "eth0"));
            Netns.must(Netns.in(ns(h), "ip", "link", "set", "eth0", "up"));
        }
    }

    private RunSettings settings() {
        List<PortSpec> ports = List.of(PortSpec.parse("h1=afpacket:" + swIf(1)), PortSpec.parse("h2=afxdp:" + swIf(2)));
        return new RunSettings(dataDir, 1, 8192, 2048, 256, 32, RunSettings.IdleMode.YIELD, 1024, Duration.ofSeconds(300),
                Duration.ofHours(1), true, ports, new LogSettings(List.of(), Durability.parse("batch"), 1024), ApiSettings.off(), 0,
                WarmupMode.AUTO);
    }

    @Test
    void runsTheDriversOnAPrivateVethPairAndLeavesNoTrace() throws Exception {
        hosts();
        dataDir = Files.createTempDirectory(SHM, "pswitch-drvwarmtest-");
        Set<String> linksBefore = linkNames();
        String netnsBefore = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();

        try (SwitchAssembly sw = SwitchAssembly.start(settings())) {
            DriverWarmup.Report report = sw.driverWarmup();
            assertThat(report).isNotNull();
            assertThat(report.skipped()).as(report.line()).isNull();
            assertThat(report.drivers()).containsExactly("afpacket", "afxdp");
            assertThat(report.frames()).isEqualTo(DriverWarmup.DEFAULT_FRAMES);
            // The frames crossed the private veth: out of one driver port, into the other, both ways.
            assertThat(report.crossed()).isGreaterThan(report.frames() / 2);
            assertThat(report.line()).contains("driver warm-up: 20,000 frames through afpacket and afxdp ports");

            // Nothing of it in the switch's namespace: the same interfaces, no thread elsewhere.
            assertThat(linkNames()).isEqualTo(linksBefore);
            assertThat(ThreadNamespaces.settled()).as("network namespaces of this process's threads").containsOnly(netnsBefore);
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .doesNotContain("pswitch-driver-warmup");
            try (Stream<Path> shm = Files.list(SHM)) {
                assertThat(shm.map(p -> p.getFileName().toString()).toList())
                        .noneMatch(n -> n.startsWith("pswitch-warmup-" + ProcessHandle.current().pid() + "-"));
            }
            // Of the pwu… interfaces, only the real afxdp port's has an XDP program (other sessions' are not ours to judge).
            for (String line : Netns.must("ip", "-d", "-o", "link", "show").lines().toList()) {
                if (line.contains("prog/xdp") && line.contains(": pwu")) {
                    assertThat(line).as("the one XDP program is the real port's").contains(" " + swIf(2) + "@");
                }
            }

            // The real switch forwards: the hosts ping each other through it.
            for (int[] pair : new int[][] {{1, 2}, {2, 1}}) {
                Netns.Result r = Netns.run(30, Netns.in(ns(pair[0]), "ping", "-c", "3", "-i", "0.2", "-W", "2", ip(pair[1])));
                assertThat(r.exitCode()).as("ping %s -> %s\n%s", ns(pair[0]), ip(pair[1]), r.output()).isZero();
                assertThat(r.output()).contains("3 received");
            }
        }
        assertThat(linkNames()).isEqualTo(linksBefore);
        assertThat(Netns.must("ip", "-d", "-o", "link", "show").lines().filter(l -> l.contains(": pwu")).toList())
                .as("XDP programs on pwu… interfaces after the stop").noneMatch(l -> l.contains("prog/xdp"));
        assertThat(ThreadNamespaces.settled()).containsOnly(netnsBefore);
    }

    private static Set<String> linkNames() throws Exception {
        Set<String> names = new TreeSet<>();
        for (String line : Netns.must("ip", "-o", "link", "show").lines().toList()) {
            String[] f = line.split(":\\s+", 3);
            if (f.length >= 2) {
                names.add(f[1]);
            }
        }
        return names;
    }
}

package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole switch between three real hosts: three network namespaces, each with a veth whose
 * other end is a port of a running {@code pswitch run} (a child process), once per live-interface
 * driver ({@code pcap}, {@code afpacket}). Needs root.
 */
@Timeout(180)
class NetnsSwitchSystemTest {
    private static final int HOSTS = 3;
    @TempDir
    Path tmp;
    private final String tag = Long.toString(ProcessHandle.current().pid() % 100000, 36);
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    /** Names are unique per driver too ({@code psw…} for pcap, {@code apk…} for afpacket, {@code axp…} for afxdp). */
    private String prefix;

    private String ns(int h) {
        return prefix + tag + "h" + h;
    }

    private String swIf(int h) {
        return prefix + tag + "s" + h;
    }

    private static String ip(int h) {
        return "10.213.7." + h;
    }

    private static String mac(int h) {
        return "02:00:5e:10:00:0" + h;
    }

    private void hosts(String driver, int workers) throws Exception {
        prefix = switch (driver) {
            case "pcap" -> workers == 1 ? "psw" : "wkp";
            case "afxdp" -> workers == 1 ? "axp" : "wkx";
            default -> workers == 1 ? "apk" : "wka";
        };
        assumeTrue(Netns.usable(), "needs root and 'ip netns' to build hosts in network namespaces; skipped");
        assumeTrue(LibpcapLibrary.available(), "needs libpcap (apt-get install libpcap0.8); skipped");
        for (String tool : new String[] {"ethtool", "ping", "tcpdump", "python3"}) {
            assumeTrue(Netns.run(10, "sh", "-c", "command -v " + tool).exitCode() == 0,
                    "needs " + tool + " (see .ci/run for the packages); skipped");
        }
        for (int h = 1; h <= HOSTS; h++) {
            String ns = ns(h);
            Netns.must("ip", "netns", "add", ns);
            namespaces.add(ns);
            Netns.must("ip", "link", "add", swIf(h), "type", "veth", "peer", "name", "eth0", "netns", ns);
            links.add(swIf(h));
            Netns.must("sysctl", "-qw", "net.ipv6.conf." + swIf(h) + ".disable_ipv6=1");
            Netns.must("ip", "link", "set", swIf(h), "up");
            // Without offloads every frame on the wire is a real Ethernet frame of at most the MTU:
            // with TSO/GSO/GRO the switch would see 64 KiB super-frames and drop them as oversize.
            Netns.must("ethtool", "-K", swIf(h), "tso", "off", "gso", "off", "gro", "off", "tx", "off");
            Netns.must(Netns.in(ns, "ethtool", "-K", "eth0", "tso", "off", "gso", "off", "gro", "off", "tx", "off"));
            Netns.must(Netns.in(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"));
            Netns.must(Netns.in(ns, "ip", "link", "set", "eth0", "address", mac(h)));
            Netns.must(Netns.in(ns, "ip", "addr", "add", ip(h) + "/24", "dev", "eth0"));
            Netns.must(Netns.in(ns, "ip", "link", "set", "eth0", "up"));
            Netns.must(Netns.in(ns, "ip", "link", "set", "lo", "up"));
        }
    }

    @AfterEach
    void removeHosts() {
        for (String link : links) {
            Netns.quiet("ip", "link", "del", link);
        }
        for (String ns : namespaces) {
            Netns.quiet("ip", "netns", "del", ns);
        }
    }

    /**
     * Each driver under {@code --idle backoff}, and under {@code --idle wait --rt-priority}: the
     * dataplane thread then sleeps in poll on the ports and must be woken by every frame (a frame
     * that did not wake it would still arrive, 1 ms late, so this checks delivery, not the wake-up).
     * With 2 workers the three ports are shared over two dataplane threads: every host pair but one
     * crosses workers, through the handoff queues, and learning reaches both replicas. {@code auto}
     * (the default) must pick a strategy that every frame still gets through, at normal priority.
     */
    @ParameterizedTest(name = "{0} --idle {1} --workers {2}")
    @CsvSource({"pcap,backoff,1", "afpacket,backoff,1", "afxdp,backoff,1", "pcap,wait,1", "afpacket,wait,1", "afxdp,wait,1",
            "pcap,backoff,2", "afpacket,backoff,2", "afxdp,backoff,2", "afpacket,wait,2", "afxdp,auto,1"})
    void hostsPingEachOtherTransferDataIntactAndLearnedUnicastIsNotFlooded(String driver, String idle, int workers) throws Exception {
        hosts(driver, workers);
        List<String> args = new ArrayList<>(List.of("--data-dir", tmp.resolve("data").toString(), "--buffers", "16384",
                "--ring-size", "1024", "--status-interval", "1s", "--idle", idle, "--workers", Integer.toString(workers)));
        if (idle.equals("wait")) {
            args.addAll(List.of("--rt-priority", "10"));
        }
        for (int h = 1; h <= HOSTS; h++) {
            args.add("--port");
            args.add("h" + h + "=" + driver + ":" + swIf(h));
        }
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), args.toArray(String[]::new))) {
            sw.awaitOutput("pswitch: running", 30_000);

            for (int a = 1; a <= HOSTS; a++) {
                for (int b = 1; b <= HOSTS; b++) {
                    if (a != b) {
                        Netns.Result r = Netns.run(30, Netns.in(ns(a), "ping", "-c", "3", "-i", "0.2", "-W", "2", ip(b)));
                        assertThat(r.exitCode()).as("ping %s -> %s\n%s\n%s", ns(a), ip(b), r.output(), sw.output()).isZero();
                        assertThat(r.output()).contains("3 received");
                    }
                }
            }

            // A TCP transfer of 4 MiB from host 1 to host 2, checked end to end by SHA-256.
            Path server = tmp.resolve("server.py");
            Files.writeString(server, """
                    import hashlib, socket, sys
                    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((sys.argv[1], 5001)); s.listen(1); print("listening", flush=True)
                    c, _ = s.accept(); h = hashlib.sha256(); n = 0
                    while True:
                        d = c.recv(65536)
                        if not d: break
                        h.update(d); n += len(d)
                    print(n, h.hexdigest(), flush=True)
                    """);
            Path client = tmp.resolve("client.py");
            Files.writeString(client, """
                    import hashlib, socket, sys, random
                    data = random.Random(7).randbytes(4 << 20)
                    c = socket.create_connection((sys.argv[1], 5001), timeout=30); c.sendall(data); c.close()
                    print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
                    """);
            Process srv = new ProcessBuilder(Netns.in(ns(2), "python3", server.toString(), ip(2))).redirectErrorStream(true).start();
            try {
                byte[] first = srv.getInputStream().readNBytes("listening\n".length());
                assertThat(new String(first)).isEqualTo("listening\n");
                Netns.Result sent = Netns.run(60, Netns.in(ns(1), "python3", client.toString(), ip(2)));
                assertThat(sent.exitCode()).as(sent.output()).isZero();
                assertThat(srv.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                String received = new String(srv.getInputStream().readAllBytes()).trim();
                assertThat(received).as("bytes and SHA-256 at the receiver").isEqualTo(sent.output().trim());
            } finally {
                srv.destroyForcibly();
            }

            // Now that 1 and 2 are learned, their unicast must not reach host 3.
            Path pcap3 = tmp.resolve("h3.pcap");
            Process dump = new ProcessBuilder(Netns.in(ns(3), "tcpdump", "-i", "eth0", "-n", "-U", "-w", pcap3.toString(),
                    "ether host " + mac(1) + " and ether host " + mac(2)))
                    .redirectErrorStream(true).start();
            try {
                Thread.sleep(1000); // tcpdump attaches
                Netns.Result r = Netns.run(30, Netns.in(ns(1), "ping", "-c", "5", "-i", "0.2", ip(2)));
                assertThat(r.exitCode()).as(r.output()).isZero();
                Thread.sleep(500);
            } finally {
                dump.destroy();
                dump.waitFor();
            }
            Netns.Result seen = Netns.run(30, "tcpdump", "-n", "-r", pcap3.toString());
            assertThat(seen.output().lines().filter(l -> l.contains(" > ")).toList())
                    .as("frames between hosts 1 and 2 seen by host 3").isEmpty();

            // 143 = 128 + SIGTERM: the JVM reports a signal-initiated (clean, hooks run) shutdown so.
            assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
            assertThat(sw.output()).contains("pswitch: stopped");
        }
        if (driver.equals("afxdp")) {
            for (int h = 1; h <= HOSTS; h++) {
                Netns.Result r = Netns.run(10, "ip", "-d", "link", "show", "dev", swIf(h));
                assertThat(r.output()).as("XDP program left on %s after the switch stopped", swIf(h))
                        .doesNotContain("prog/xdp").doesNotContain("xdpgeneric").doesNotContain("xdpdrv");
            }
        }
    }
}

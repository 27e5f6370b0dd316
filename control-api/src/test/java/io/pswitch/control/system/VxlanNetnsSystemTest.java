package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code vxlan:} port whose real peer is a Linux VTEP: host A is a network namespace with a
 * kernel {@code vxlan} device (VNI 42) over a veth to the switch's side; host B is a second
 * namespace on a {@code pcap} port. A and B share one L2 segment only through the switch: the
 * switch decapsulates A's frames and encapsulates what it sends to A. Needs root.
 *
 * <p>MTU: the underlay veth carries 1500-byte IP packets, VXLAN over IPv4 costs 50 bytes (outer
 * Ethernet 14, IP 20, UDP 8, VXLAN 8), so A's vxlan device and B's interface have MTU 1450.
 */
@Timeout(180)
class VxlanNetnsSystemTest {
    private static final int VNI = 42;
    @TempDir
    Path tmp;
    private final String tag = Long.toString(ProcessHandle.current().pid() % 100000, 36);
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();

    private String nsA() {
        return "vxl" + tag + "a";
    }

    private String nsB() {
        return "vxl" + tag + "b";
    }

    /** The switch's end of A's underlay veth: the vxlan port binds its address. */
    private String underlay() {
        return "vxl" + tag + "u";
    }

    /** The switch's end of B's veth: a pcap port. */
    private String pcapIf() {
        return "vxl" + tag + "p";
    }

    private static final String UNDERLAY_SWITCH = "10.213.20.1";
    private static final String UNDERLAY_A = "10.213.20.2";
    private static final String INNER_A = "10.213.21.1";
    private static final String INNER_B = "10.213.21.2";

    @BeforeEach
    void hosts() throws Exception {
        assumeTrue(Netns.usable(), "needs root and 'ip netns' to build hosts in network namespaces; skipped");
        assumeTrue(LibpcapLibrary.available(), "needs libpcap (apt-get install libpcap0.8); skipped");
        for (String tool : new String[] {"ethtool", "ping", "python3"}) {
            assumeTrue(Netns.run(10, "sh", "-c", "command -v " + tool).exitCode() == 0,
                    "needs " + tool + " (see .ci/run for the packages); skipped");
        }
        Netns.must("ip", "netns", "add", nsA());
        namespaces.add(nsA());
        Netns.must("ip", "netns", "add", nsB());
        namespaces.add(nsB());
        Netns.Result vx = Netns.run(10, Netns.in(nsA(), "ip", "link", "add", "vxprobe", "type", "vxlan", "id", "1",
                "dstport", "4789"));
        assumeTrue(vx.exitCode() == 0, "the kernel has no vxlan device support (" + vx.output().trim() + "); skipped");
        Netns.must(Netns.in(nsA(), "ip", "link", "del", "vxprobe"));

        // Host A: underlay veth, and on it the kernel VTEP whose only remote is the switch's port.
        Netns.must("ip", "link", "add", underlay(), "type", "veth", "peer", "name", "eth0", "netns", nsA());
        links.add(underlay());
        quietRoot(underlay());
        Netns.must("ip", "addr", "add", UNDERLAY_SWITCH + "/24", "dev", underlay());
        Netns.must("ip", "link", "set", underlay(), "up");
        inA("ethtool", "-K", "eth0", "tso", "off", "gso", "off", "gro", "off", "tx", "off");
        inA("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        inA("ip", "addr", "add", UNDERLAY_A + "/24", "dev", "eth0");
        inA("ip", "link", "set", "eth0", "up");
        inA("ip", "link", "set", "lo", "up");
        inA("ip", "link", "add", "vx0", "type", "vxlan", "id", Integer.toString(VNI), "local", UNDERLAY_A,
                "remote", UNDERLAY_SWITCH, "dstport", "4789", "dev", "eth0");
        inA("ip", "link", "set", "vx0", "mtu", "1450", "address", "02:00:5e:21:00:01");
        inA("ethtool", "-K", "vx0", "tso", "off", "gso", "off", "gro", "off", "tx", "off");
        inA("ip", "addr", "add", INNER_A + "/24", "dev", "vx0");
        inA("ip", "link", "set", "vx0", "up");

        // Host B: a plain veth on a pcap port, at the same inner MTU.
        Netns.must("ip", "link", "add", pcapIf(), "type", "veth", "peer", "name", "eth0", "netns", nsB());
        links.add(pcapIf());
        quietRoot(pcapIf());
        Netns.must("ip", "link", "set", pcapIf(), "mtu", "1450", "up");
        inB("ethtool", "-K", "eth0", "tso", "off", "gso", "off", "gro", "off", "tx", "off");
        inB("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        inB("ip", "link", "set", "eth0", "mtu", "1450", "address", "02:00:5e:21:00:02");
        inB("ip", "addr", "add", INNER_B + "/24", "dev", "eth0");
        inB("ip", "link", "set", "eth0", "up");
        inB("ip", "link", "set", "lo", "up");
    }

    /** No IPv6 chatter and no segment offloads on the root-namespace end of a veth. */
    private static void quietRoot(String ifname) throws Exception {
        Netns.must("sysctl", "-qw", "net.ipv6.conf." + ifname + ".disable_ipv6=1");
        Netns.must("ethtool", "-K", ifname, "tso", "off", "gso", "off", "gro", "off", "tx", "off");
    }

    private void inA(String... cmd) throws Exception {
        Netns.must(Netns.in(nsA(), cmd));
    }

    private void inB(String... cmd) throws Exception {
        Netns.must(Netns.in(nsB(), cmd));
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

    @Test
    void aLinuxVtepAndAPcapHostPingAndTransferThroughTheSwitch() throws Exception {
        String[] args = {"--data-dir", tmp.resolve("data").toString(), "--buffers", "16384", "--ring-size", "1024",
                "--status-interval", "1s",
                "--port", "a=vxlan:" + UNDERLAY_SWITCH + ":4789,remote=" + UNDERLAY_A + ",vni=" + VNI,
                "--port", "b=pcap:" + pcapIf()};
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), args)) {
            sw.awaitOutput("pswitch: running", 30_000);

            Netns.Result ab = Netns.run(30, Netns.in(nsA(), "ping", "-c", "3", "-i", "0.2", "-W", "2", INNER_B));
            assertThat(ab.exitCode()).as("ping A -> B\n%s\n%s", ab.output(), sw.output()).isZero();
            assertThat(ab.output()).contains("3 received");
            Netns.Result ba = Netns.run(30, Netns.in(nsB(), "ping", "-c", "3", "-i", "0.2", "-W", "2", INNER_A));
            assertThat(ba.exitCode()).as("ping B -> A\n%s\n%s", ba.output(), sw.output()).isZero();
            assertThat(ba.output()).contains("3 received");
            // Full-size frames: 1422 bytes of ICMP payload fill the 1450-byte inner MTU exactly.
            Netns.Result big = Netns.run(30, Netns.in(nsB(), "ping", "-c", "3", "-i", "0.2", "-W", "2", "-M", "do",
                    "-s", "1422", INNER_A));
            assertThat(big.exitCode()).as("full-MTU ping B -> A\n%s\n%s", big.output(), sw.output()).isZero();

            transfer(nsA(), nsB(), INNER_B, sw);
            transfer(nsB(), nsA(), INNER_A, sw);

            // 143 = 128 + SIGTERM: the JVM reports a signal-initiated (clean, hooks run) shutdown so.
            assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
            assertThat(sw.output()).contains("pswitch: stopped");
        }
    }

    /** 4 MiB over TCP from {@code from} to a server in {@code to}, checked end to end by SHA-256. */
    private void transfer(String from, String to, String toAddress, ChildSwitch sw) throws Exception {
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
        Process srv = new ProcessBuilder(Netns.in(to, "python3", server.toString(), toAddress)).redirectErrorStream(true).start();
        try {
            byte[] first = srv.getInputStream().readNBytes("listening\n".length());
            assertThat(new String(first)).isEqualTo("listening\n");
            Netns.Result sent = Netns.run(90, Netns.in(from, "python3", client.toString(), toAddress));
            assertThat(sent.exitCode()).as("client in %s\n%s\n%s", from, sent.output(), sw.output()).isZero();
            assertThat(srv.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String received = new String(srv.getInputStream().readAllBytes()).trim();
            assertThat(received).as("bytes and SHA-256 at the receiver in %s", to).isEqualTo(sent.output().trim());
            assertThat(received).startsWith(Integer.toString(4 << 20) + " ");
        } finally {
            srv.destroyForcibly().waitFor();
        }
    }
}

package io.pswitch.control.scenario;

import static io.pswitch.control.scenario.PcapFileScenarioTest.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.control.scenario.ScenarioSwitch.PortInput;
import io.pswitch.control.scenario.ScenarioSwitch.PortReport;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortOpenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every third-party capture of {@code shared/pcaps} and every project capture of {@code test-pcaps}
 * fed into port {@code in} of a real switch with two more pcapfile ports ({@code b}, {@code c}, empty
 * inputs): the outcome each file's README promises, frame by frame.
 *
 * <p>All frames enter on one port, so a frame addressed to a station that an earlier frame of the
 * same file taught is a hairpin (SAME_PORT); a frame to a group or to a station never seen is
 * flooded to both other ports, byte for byte. The buffers are 2048 bytes.
 */
class SharedCapturesThroughSwitchTest {
    @TempDir
    Path dir;

    /**
     * What one capture does: the 1-based indices (file order, Ethernet records only) of the frames
     * flooded to b and c, the drops counted on {@code in}, or the text the open error must contain.
     */
    record Expectation(String file, int[] forwarded, Map<DropCause, Long> drops, String openError) {
        @Override
        public String toString() {
            return file;
        }
    }

    private static Expectation fwd(String file, int[] forwarded, Object... causeCounts) {
        Map<DropCause, Long> drops = new EnumMap<>(DropCause.class);
        for (int i = 0; i < causeCounts.length; i += 2) {
            drops.put((DropCause) causeCounts[i], ((Integer) causeCounts[i + 1]).longValue());
        }
        return new Expectation(file, forwarded, drops, null);
    }

    private static Expectation refused(String file, String error) {
        return new Expectation(file, null, Map.of(), error);
    }

    private static int[] frames(int... indices) {
        return indices;
    }

    private static final DropCause SAME = DropCause.SAME_PORT;

    /** shared/pcaps: see its README for what each file holds. */
    static final List<Expectation> SHARED = List.of(
            fwd("zeek-arp-who-has.pcap", frames(1), SAME, 1),
            fwd("zeek-icmp-ping.pcap", frames(1), SAME, 3),
            fwd("zeek-tcp-handshake-reorder.pcap", frames(1), SAME, 13),
            fwd("zeek-http-vlan-0.pcap", frames(1), SAME, 13),
            fwd("zeek-vlan-qinqinq.pcap", frames(1), SAME, 13),
            fwd("tcpdump-802.1ad_QinQ.pcap", frames(1), SAME, 1),
            fwd("zeek-ipv4-fragmented-1.pcap", frames(1, 2, 3)),
            fwd("zeek-ipv6-fragmented-dns.pcap", frames(1), SAME, 7),
            fwd("tcpdump-802.1D_spanning_tree.pcap", frames(), DropCause.LINK_LOCAL, 14),
            // 25 bytes hold the 14-byte header: not runts, but link-local.
            fwd("tcpdump-lldp_8021_linkagg.pcap", frames(), DropCause.LINK_LOCAL, 2),
            fwd("tcpdump-gso-ipv4.pcap", frames(), DropCause.OVERSIZE, 1),
            fwd("tcpdump-bigtcp-ipv4.pcap", frames(), DropCause.OVERSIZE, 1),
            refused("tcpdump-tcp-handshake-nano.pcap", "LINUX_SLL (113)"),
            // The 111 captured bytes are forwarded as they are.
            fwd("tcpdump-tcp_rst_data-trunc.pcap", frames(1)),
            // Source and destination are both 30:30:30:30:30:30: learned, then found on the ingress port.
            fwd("tcpdump-arp-too-long-tha.pcap", frames(), SAME, 1),
            fwd("zeek-trunc-hdr.pcap", frames(), DropCause.RUNT, 1),
            fwd("tcpdump-empty.pcapng", frames()),
            fwd("zeek-pcapng-multi-interface.pcapng", frames(1, 3), SAME, 4),
            refused("libpcap-pcap-invalid-version-1.pcap", "unsupported pcap version 1.4"),
            refused("libpcap-shb-option-too-long.pcapng", "trailer says 808464432"));

    /** test-pcaps: see its README (MACs :0a, :0b, :0c; 2 KiB buffers make jumbo.pcap oversize). */
    static final List<Expectation> PROJECT = List.of(
            fwd("arp.pcap", frames(1, 3), SAME, 1),
            fwd("icmp.pcap", frames(1), SAME, 3),
            fwd("tcp.pcap", frames(1), SAME, 9),
            fwd("udp.pcap", frames(1, 4), SAME, 2),
            fwd("ipv6.pcap", frames(1), SAME, 4),
            // Each VID is its own table: nothing learned on 10 helps on 20, 0 or 4094.
            fwd("vlan.pcap", frames(1, 2, 3, 4)),
            fwd("qinq.pcap", frames(1, 2, 4), SAME, 1),
            fwd("ipv4-fragments.pcap", frames(1, 2, 3)),
            fwd("jumbo.pcap", frames(), DropCause.OVERSIZE, 2),
            fwd("runts.pcap", frames(4, 5, 6, 7), DropCause.RUNT, 3),
            fwd("malformed.pcap", frames(1, 2, 3, 4)));

    static Stream<Expectation> shared() {
        return SHARED.stream();
    }

    static Stream<Expectation> project() {
        return PROJECT.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shared")
    void sharedCaptureHasItsDocumentedOutcome(Expectation e) throws Exception {
        check(sharedPcaps().resolve(e.file()), e);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("project")
    void projectCaptureHasItsDocumentedOutcome(Expectation e) throws Exception {
        check(projectRoot().resolve("test-pcaps").resolve(e.file()), e);
    }

    @Test
    void everyCaptureHasAnExpectation() throws IOException {
        assertThat(captures(sharedPcaps())).as("files in shared/pcaps").isEqualTo(names(SHARED));
        assertThat(captures(projectRoot().resolve("test-pcaps"))).as("files in test-pcaps").isEqualTo(names(PROJECT));
    }

    private void check(Path capture, Expectation e) throws Exception {
        assertThat(capture).exists();
        List<PortInput> inputs = List.of(
                new PortInput("in", capture, ""),
                new PortInput("b", ScenarioSwitch.emptyCapture(dir.resolve("b.in.pcap")), ""),
                new PortInput("c", ScenarioSwitch.emptyCapture(dir.resolve("c.in.pcap")), ""));
        if (e.openError() != null) {
            assertThatThrownBy(() -> ScenarioSwitch.run(dir, inputs))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessageContaining("port in")
                    .hasMessageContaining(e.openError());
            return;
        }
        List<byte[]> in = ScenarioSwitch.readFrames(capture);
        List<byte[]> expected = new ArrayList<>();
        for (int index : e.forwarded()) {
            expected.add(in.get(index - 1));
        }
        Map<String, PortReport> r = ScenarioSwitch.run(dir, inputs);

        PortReport ingress = r.get("in");
        assertThat(ingress.rxFrames()).as("frames received on in").isEqualTo(in.size());
        assertThat(ingress.nonZeroDrops()).as("drops on in").isEqualTo(e.drops());
        assertThat(ingress.out()).as("frames sent back out of in").isEmpty();
        for (String p : List.of("b", "c")) {
            assertThat(hex(r.get(p).out())).as("frames out of %s", p).containsExactlyElementsOf(hex(expected));
            assertThat(r.get(p).nonZeroDrops()).as("drops on %s", p).isEmpty();
        }
    }

    private static Set<String> names(List<Expectation> list) {
        Set<String> s = new TreeSet<>();
        list.forEach(e -> s.add(e.file()));
        return s;
    }

    private static Set<String> captures(Path folder) throws IOException {
        Set<String> s = new TreeSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".pcap") || n.endsWith(".pcapng"))
                    .forEach(s::add);
        }
        return s;
    }

    /** The repository root: system property {@code pswitch.root}, else the nearest ancestor with test-pcaps. */
    private static Path projectRoot() {
        Path root = Path.of(System.getProperty("pswitch.root", ".")).toAbsolutePath().normalize();
        for (Path p = root; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("test-pcaps"))) {
                return p;
            }
        }
        throw new AssertionError("no test-pcaps folder above " + root);
    }

    /** shared/pcaps in the nearest ancestor of the root that has it; skips the test when there is none. */
    private static Path sharedPcaps() {
        Path root = Path.of(System.getProperty("pswitch.root", ".")).toAbsolutePath().normalize();
        for (Path p = root; p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("pcaps");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        Assumptions.abort("third-party captures absent: no shared/pcaps above " + root);
        throw new AssertionError("unreachable");
    }
}

package io.pswitch.control.scenario;

import static io.pswitch.control.scenario.Frames.TPID_8021AD;
import static io.pswitch.control.scenario.Frames.TPID_8021Q;
import static io.pswitch.control.scenario.Frames.TPID_QINQ_LEGACY;
import static io.pswitch.control.scenario.Frames.cut;
import static io.pswitch.control.scenario.Frames.eth;
import static io.pswitch.control.scenario.Frames.tagged;
import static io.pswitch.control.scenario.Frames.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.scenario.ScenarioSwitch.PortInput;
import io.pswitch.control.scenario.ScenarioSwitch.PortReport;
import io.pswitch.dataplane.port.DropCause;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scenarios through a real switch of four {@code pcapfile} ports (a, b, c, d): each scenario writes
 * the inputs, runs the switch to the end of them, and asserts the exact frames each port sent.
 *
 * <p>Determinism: frames of one port are handled in file order, and a port's frames learn before
 * the next frame of the same batch is looked up. Across ports the order within a duty cycle is not
 * fixed, so a frame that must meet an entry learned from another port is replayed with
 * {@code speed=original} 300 ms after its file's first record — a runt, which starts the replay
 * clock and is dropped without being learned.
 */
@ParameterizedClass(name = "{0} worker(s)")
@ValueSource(ints = {1, 2, 3})
class PcapFileScenarioTest {
    /** Dataplane workers sharing the four ports: the same frames must come out of every port. */
    @Parameter
    int workers;

    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long LATER = 300_000_000L;

    private static final String A = "02:00:00:00:00:0a";
    private static final String B = "02:00:00:00:00:0b";
    private static final String C = "02:00:00:00:00:0c";
    private static final String X = "02:00:00:00:00:ee";
    private static final String Y = "02:00:00:00:00:ff";
    private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";

    @TempDir
    Path dir;

    /** A 1-byte runt: starts a paced file's replay clock, is dropped (RUNT) and teaches nothing. */
    private static final byte[] ANCHOR = {0x42};

    @Test
    void learnsTheSourceThenSendsUnicastOnlyToTheLearnedPort() throws Exception {
        byte[] aToB = eth(B, A, 1);
        byte[] bToA = eth(A, B, 2);
        byte[] cToA = eth(A, C, 3);
        Map<String, PortReport> r = run(
                List.of(aToB),
                paced(List.of(ANCHOR, bToA), 0, LATER),
                paced(List.of(ANCHOR, cToA), 0, 2 * LATER),
                List.of());

        // B was unknown when A's frame came: flooded. A was learned on a by then: unicast.
        assertFrames(r, "a", bToA, cToA);
        assertFrames(r, "b", aToB);
        assertFrames(r, "c", aToB);
        assertFrames(r, "d", aToB);
        assertThat(r.get("b").nonZeroDrops()).containsExactly(Map.entry(DropCause.RUNT, 1L));
        assertThat(r.get("c").nonZeroDrops()).containsExactly(Map.entry(DropCause.RUNT, 1L));
    }

    @Test
    void floodsBroadcastMulticastAndUnknownUnicastToAllButTheIngressPort() throws Exception {
        List<byte[]> in = List.of(
                eth(BROADCAST, A, 1),
                eth("01:00:5e:00:00:fb", A, 2),
                eth("33:33:ff:00:00:0b", A, 3),
                eth(B, A, 4),
                eth("01:80:c2:00:00:10", A, 5)); // just past the reserved block: ordinary multicast
        Map<String, PortReport> r = run(in, List.of(), List.of(), List.of());

        assertFrames(r, "a");
        assertFrames(r, "b", in.toArray(byte[][]::new));
        assertFrames(r, "c", in.toArray(byte[][]::new));
        assertFrames(r, "d", in.toArray(byte[][]::new));
        assertThat(r.get("a").rxFrames()).isEqualTo(5);
        assertThat(r.get("a").nonZeroDrops()).isEmpty();
    }

    @Test
    void keysTheTableByVlanSoOneMacLearnedOnTwoVlansReachesBothPorts() throws Exception {
        int m = 64;
        byte[] x10 = tagged(Y, X, vlan(10), 1, m);
        byte[] x20 = tagged(Y, X, vlan(20), 2, m);
        byte[] toX10 = tagged(X, C, vlan(10), 3, m);
        byte[] toX20 = tagged(X, C, vlan(20), 4, m);
        Map<String, PortReport> r = run(
                List.of(x10),
                paced(List.of(ANCHOR, x20), 0, LATER),
                paced(List.of(ANCHOR, toX10, toX20), 0, 2 * LATER, 2 * LATER),
                List.of());

        assertFrames(r, "a", x20, toX10);
        assertFrames(r, "b", x10, toX20);
        assertFrames(r, "c", x10, x20);
        assertFrames(r, "d", x10, x20);
    }

    @Test
    void neverForwardsTheReservedLinkLocalGroupAndCountsIt() throws Exception {
        List<byte[]> reserved = new ArrayList<>();
        for (int last : new int[] {0x00, 0x01, 0x02, 0x03, 0x0e, 0x0f}) {
            reserved.add(eth(String.format("01:80:c2:00:00:%02x", last), A, last));
        }
        byte[] tagged = tagged("01:80:c2:00:00:00", A, vlan(10), 9, 64);
        reserved.add(tagged);
        Map<String, PortReport> r = run(reserved, List.of(), List.of(), List.of());

        for (String p : List.of("a", "b", "c", "d")) {
            assertFrames(r, p);
        }
        assertThat(r.get("a").nonZeroDrops()).containsExactly(Map.entry(DropCause.LINK_LOCAL, 7L));
    }

    @Test
    void dropsRuntsMulticastSourcesOversizeAndHairpinsCountingEachCause() throws Exception {
        byte[] full = eth(B, A, 1);
        byte[] headerOnly = cut(full, 14);
        byte[] largest = tagged(B, A, new int[0], 2, ScenarioSwitch.BUFFER_SIZE);
        byte[] backToA = eth(A, C, 3); // A was learned on a by the frames before it
        List<byte[]> in = List.of(
                cut(full, 1),
                cut(full, 8),
                cut(full, 13),
                cut(tagged(B, A, vlan(10), 4, 64), 17), // announces a tag it does not hold whole
                headerOnly,
                eth(B, "01:00:5e:00:00:01", 5),
                eth(B, BROADCAST, 6),
                tagged(B, A, new int[0], 7, ScenarioSwitch.BUFFER_SIZE + 1),
                tagged(B, A, new int[0], 8, 9014),
                largest,
                backToA);
        Map<String, PortReport> r = run(in, List.of(), List.of(), List.of());

        assertFrames(r, "a");
        for (String p : List.of("b", "c", "d")) {
            assertFrames(r, p, headerOnly, largest);
        }
        assertThat(r.get("a").nonZeroDrops()).containsOnly(
                Map.entry(DropCause.RUNT, 4L),
                Map.entry(DropCause.BAD_SOURCE, 2L),
                Map.entry(DropCause.OVERSIZE, 2L),
                Map.entry(DropCause.SAME_PORT, 1L));
    }

    @Test
    void carriesTagsUnchangedByteForByte() throws Exception {
        List<byte[]> in = List.of(
                tagged(BROADCAST, A, new int[] {TPID_8021Q, 0x600a}, 1, 64), // PCP 3, VID 10
                tagged(B, A, new int[] {TPID_8021Q, 0xa000}, 2, 64), // priority tag: VID 0, PCP 5
                tagged(B, A, new int[] {TPID_8021AD, 100, TPID_8021Q, 10}, 3, 68),
                tagged(B, A, new int[] {TPID_8021Q, 30, TPID_8021Q, 20, TPID_8021Q, 10}, 4, 72),
                tagged(B, A, new int[] {TPID_QINQ_LEGACY, 200, TPID_8021Q, 0x1fff}, 5, 68), // DEI set, VID 4095
                tagged(B, A, new int[] {TPID_8021Q, 4094}, 6, 1522));
        Map<String, PortReport> r = run(in, List.of(), List.of(), List.of());

        assertFrames(r, "a");
        for (String p : List.of("b", "c", "d")) {
            assertFrames(r, p, in.toArray(byte[][]::new));
        }
    }

    @Test
    void forwardsEveryFrameWhenSeveralInputsEndInTheSameCycles() throws Exception {
        // More frames per port than a batch (32), on two ports read together: their inputs end while
        // frames they read are still waiting in the RX rings for a later batch.
        List<byte[]> fromA = new ArrayList<>();
        List<byte[]> fromB = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            fromA.add(eth(BROADCAST, A, 100 + i));
            fromB.add(eth(BROADCAST, B, 200 + i));
        }
        Map<String, PortReport> r = run(fromA, fromB, List.of(), List.of());

        assertThat(r.get("a").rxFrames()).as("frames received on a").isEqualTo(40);
        assertThat(r.get("b").rxFrames()).as("frames received on b").isEqualTo(40);
        assertThat(hex(r.get("c").out())).as("frames out of c").hasSize(80)
                .containsSubsequence(hex(fromA)).containsSubsequence(hex(fromB));
    }

    // ---- helpers

    /** A file for a paced port: frames at T0 + the given offsets. */
    private record Paced(List<byte[]> frames, long[] offsetsNs) {
    }

    private static Paced paced(List<byte[]> frames, long... offsetsNs) {
        return new Paced(frames, offsetsNs);
    }

    /** Each argument is a {@code List<byte[]>} (read at top speed) or a {@link Paced} file (speed=original). */
    private Map<String, PortReport> run(Object a, Object b, Object c, Object d) throws Exception {
        List<PortInput> inputs = new ArrayList<>();
        String[] names = {"a", "b", "c", "d"};
        Object[] files = {a, b, c, d};
        for (int i = 0; i < names.length; i++) {
            Path in = dir.resolve(names[i] + ".in.pcap");
            if (files[i] instanceof Paced p) {
                long[] ts = new long[p.offsetsNs().length];
                for (int k = 0; k < ts.length; k++) {
                    ts[k] = T0 + p.offsetsNs()[k];
                }
                ScenarioSwitch.writeTimed(in, ts, p.frames());
                inputs.add(new PortInput(names[i], in, "speed=original"));
            } else {
                @SuppressWarnings("unchecked")
                List<byte[]> frames = (List<byte[]>) files[i];
                ScenarioSwitch.writeCapture(in, T0, 1_000_000L, frames);
                inputs.add(new PortInput(names[i], in, ""));
            }
        }
        return ScenarioSwitch.run(dir, inputs, workers);
    }

    private static void assertFrames(Map<String, PortReport> r, String port, byte[]... expected) {
        PortReport report = r.get(port);
        assertThat(hex(report.out())).as("frames out of port %s", port).containsExactlyElementsOf(hex(List.of(expected)));
        assertThat(report.txFrames()).as("tx counter of port %s", port).isEqualTo(expected.length);
    }

    static List<String> hex(List<byte[]> frames) {
        List<String> s = new ArrayList<>();
        for (byte[] f : frames) {
            s.add(f.length + ":" + HexFormat.of().formatHex(f));
        }
        return s;
    }
}

package io.pswitch.drivers.afpacket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.pcap.LivePcapHandle;
import io.pswitch.drivers.veth.PcapPeer;
import io.pswitch.drivers.veth.VethPair;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour of the afpacket port beyond the shared contract, on a real veth pair (needs root). */
class AfPacketPortTest {
    private static final int BUFFER_SIZE = 2048;
    private static final int BUFFERS = 1024;

    @TempDir
    Path tmp;
    private BufferPool pool;
    private VethPair veth;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        AfPacketAssumptions.assumeUsable();
        pool = BufferPool.open(tmp.resolve("pool"), BUFFER_SIZE, BUFFERS);
        veth = VethPair.create("apk");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (veth != null) {
            veth.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    private AfPacketPort open(String spec) {
        AfPacketPort port = (AfPacketPort) new AfPacketPortFactory()
                .open(PortSpec.parse(spec), new PortContext(pool, 64, 16));
        toClose.add(port);
        return port;
    }

    private PcapPeer wire(String iface, int direction) throws Exception {
        PcapPeer w = new PcapPeer(iface, direction);
        toClose.add(w);
        return w;
    }

    static byte[] frame(int len, int seq) {
        byte[] f = new byte[len];
        f[0] = 0x02;
        f[5] = 0x01;
        f[6] = 0x02;
        f[11] = 0x02;
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        f[14] = (byte) (seq >>> 8);
        f[15] = (byte) seq;
        for (int i = 16; i < len; i++) {
            f[i] = (byte) (i * 7 + seq);
        }
        return f;
    }

    /** A frame with the given tags (TPID, TCI pairs) after the addresses, outermost first. */
    private static byte[] tagged(int len, int seq, int... tags) {
        byte[] plain = frame(len - 2 * tags.length, seq);
        byte[] f = new byte[len];
        System.arraycopy(plain, 0, f, 0, 12);
        int o = 12;
        for (int t : tags) {
            f[o++] = (byte) (t >>> 8);
            f[o++] = (byte) t;
        }
        System.arraycopy(plain, 12, f, o, plain.length - 12);
        return f;
    }

    private void queue(Ring tx, byte[] f) {
        int s = tx.head;
        MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f.length);
        tx.len[s] = f.length;
        tx.head = tx.cur = tx.next(s);
    }

    /** rxSyncs until {@code count} frames arrived or 5 s passed, releasing each; returns them. */
    private List<byte[]> receive(AfPacketPort port, int count) {
        Ring rx = port.rxRing();
        List<byte[]> got = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.size() < count && System.nanoTime() < deadline) {
            port.rxSync();
            for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
                byte[] b = new byte[Math.min(rx.len[s], BUFFER_SIZE)];
                MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[s]), b, 0, b.length);
                got.add(b);
            }
            rx.head = rx.cur = rx.tail;
        }
        return got;
    }

    /** One rxSync; returns what it brought, released. */
    private List<byte[]> take(AfPacketPort port) {
        Ring rx = port.rxRing();
        List<byte[]> got = new ArrayList<>();
        port.rxSync();
        for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
            byte[] b = new byte[Math.min(rx.len[s], BUFFER_SIZE)];
            MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[s]), b, 0, b.length);
            got.add(b);
        }
        rx.head = rx.cur = rx.tail;
        return got;
    }

    @ParameterizedTest(name = "rx={0}")
    @ValueSource(strings = {"v3", "v2"})
    void framesCrossBothWaysWithTheirBytesIntactAndCounted(String ring) throws Exception {
        AfPacketPort port = open("p0=afpacket:" + veth.a + ",rx=" + ring);
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            in.add(frame(60 + i * 14, i));
            assertThat(peer.send(in.get(i))).isTrue();
        }
        List<byte[]> got = receive(port, in.size());
        assertThat(got).hasSize(in.size());
        for (int i = 0; i < in.size(); i++) {
            assertThat(got.get(i)).as("frame %d into the port", i).isEqualTo(in.get(i));
        }
        Ring tx = port.txRing();
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            out.add(frame(1514 - i * 30, 1000 + i));
            queue(tx, out.get(i));
        }
        assertThat(port.txSync()).isEqualTo(40);
        List<byte[]> seen = peer.drainFor(200);
        assertThat(seen).hasSize(out.size());
        for (int i = 0; i < out.size(); i++) {
            assertThat(seen.get(i)).as("frame %d out of the port", i).isEqualTo(out.get(i));
        }
        assertThat(port.counters().rxFrames()).isEqualTo(100);
        assertThat(port.counters().txFrames()).isEqualTo(40);
        assertThat(port.counters().txErrors()).isZero();
    }

    @ParameterizedTest(name = "rx={0}")
    @ValueSource(strings = {"v3", "v2"})
    void vlanTagsTheKernelTookOffComeBackUnchanged(String ring) throws Exception {
        AfPacketPort port = open("p0=afpacket:" + veth.a + ",rx=" + ring);
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        byte[] dot1q = tagged(200, 1, 0x8100, 0x2064);
        byte[] qinq = tagged(300, 2, 0x88a8, 0x0123, 0x8100, 0x0456);
        assertThat(peer.send(dot1q)).isTrue();
        assertThat(peer.send(qinq)).isTrue();
        List<byte[]> got = receive(port, 2);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).isEqualTo(dot1q);
        assertThat(got.get(1)).isEqualTo(qinq);
    }

    @Test
    void receivesFramesWithWallClockNanosecondTimestamps() throws Exception {
        AfPacketPort port = open("p0=afpacket:" + veth.a);
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        long before = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < 10; i++) {
            assertThat(peer.send(frame(100, i))).isTrue();
        }
        Ring rx = port.rxRing();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (rx.userSlots() < 10 && System.nanoTime() < deadline) {
            port.rxSync();
        }
        long after = (System.currentTimeMillis() + 1) * 1_000_000L;
        assertThat(rx.userSlots()).isEqualTo(10);
        for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
            assertThat(rx.timestampNs[s]).isBetween(before - 1_000_000L, after);
            assertThat(rx.len[s]).isEqualTo(100);
        }
    }

    @Test
    void framesThePortTransmitsAreNotReceivedBackByThePort() throws Exception {
        AfPacketPort port = open("p0=afpacket:" + veth.a);
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        Ring tx = port.txRing();
        for (int i = 0; i < 20; i++) {
            queue(tx, frame(200, i));
        }
        assertThat(port.txSync()).isEqualTo(20);
        assertThat(peer.drainFor(200)).as("the frames went out through A").hasSize(20);
        // Frames another socket sends out of A pass the interface's taps (the port's own bypass the
        // qdisc and the taps): PACKET_IGNORE_OUTGOING keeps these out too.
        PcapPeer witness = wire(veth.a, LivePcapHandle.PCAP_D_INOUT);
        PcapPeer other = wire(veth.a, LivePcapHandle.PCAP_D_IN);
        assertThat(other.send(frame(90, 99))).isTrue();
        assertThat(peer.drainFor(100)).hasSize(21);
        assertThat(witness.drainFor(50)).as("a capture on A sees the other socket's frame").hasSize(1);
        long deadline = System.nanoTime() + 300_000_000L;
        int received = 0;
        while (System.nanoTime() < deadline) {
            received += port.rxSync();
        }
        assertThat(received).as("frames sent out of the interface are not received by the port").isZero();
        assertThat(port.state()).isEqualTo(PortState.UP);
    }

    @ParameterizedTest(name = "rx={0}")
    @ValueSource(strings = {"v3", "v2"})
    void frameLargerThanAPoolBufferIsCutToTheBufferAndKeepsItsLength(String ring) throws Exception {
        // The MTU check at open refuses such an interface, so the MTU grows after the port is open.
        AfPacketPort port = open("p0=afpacket:" + veth.a + ",rx=" + ring);
        VethPair.run("ip", "link", "set", veth.a, "mtu", "4000");
        VethPair.run("ip", "link", "set", veth.b, "mtu", "4000");
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        byte[] big = frame(3000, 7);
        assertThat(peer.send(big)).isTrue();
        assertThat(peer.send(frame(300, 8))).isTrue();
        Ring rx = port.rxRing();
        List<byte[]> got = receive(port, 2);
        assertThat(got).hasSize(2);
        assertThat(rx.len[rx.head - 2 & rx.numSlots() - 1]).as("len = wire length: the switch drops it as OVERSIZE")
                .isEqualTo(3000);
        assertThat(got.get(0)).isEqualTo(Arrays.copyOf(big, BUFFER_SIZE));
        assertThat(got.get(1)).isEqualTo(frame(300, 8));
        assertThat(port.counters().rxOversize()).isEqualTo(1);
    }

    @Test
    void interfaceThatVanishesMarksThePortDownWithTheReason() throws Exception {
        AfPacketPort port = open("p0=afpacket:" + veth.a);
        VethPair.run("ip", "link", "del", veth.a);
        Ring tx = port.txRing();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (port.state() == PortState.UP && System.nanoTime() < deadline) {
            port.rxSync();
        }
        assertThat(port.state()).as("rxSync alone notices").isEqualTo(PortState.DOWN);
        assertThat(port.downReason()).isEqualTo("afpacket:" + veth.a + ": interface is gone");
        // A port that is down neither throws nor keeps frames: the ring drains.
        assertThat(port.rxSync()).isZero();
        queue(tx, frame(100, 2));
        assertThat(port.txSync()).isZero();
        assertThat(tx.txPending()).isZero();
        assertThat(port.portCounters().txDiscarded()).isEqualTo(1);
        port.close();
        assertThat(pool.freeCount()).isEqualTo(BUFFERS - 2);
    }

    @Test
    void transmitToAVanishedInterfaceMarksThePortDownWithoutThrowing() throws Exception {
        AfPacketPort port = open("p0=afpacket:" + veth.a);
        VethPair.run("ip", "link", "del", veth.a);
        Ring tx = port.txRing();
        queue(tx, frame(100, 1));
        queue(tx, frame(100, 2));
        assertThat(port.txSync()).isZero();
        assertThat(port.state()).isEqualTo(PortState.DOWN);
        assertThat(port.downReason()).startsWith("afpacket:" + veth.a + ": transmit failed: ");
        assertThat(port.portCounters().txDiscarded()).isEqualTo(2);
        assertThat(tx.txPending()).isZero();
    }

    @Test
    void interfaceTakenDownMarksThePortDown() throws Exception {
        AfPacketPort port = open("p0=afpacket:" + veth.a);
        VethPair.run("ip", "link", "set", veth.a, "down");
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (port.state() == PortState.UP && System.nanoTime() < deadline) {
            port.rxSync();
        }
        assertThat(port.state()).isEqualTo(PortState.DOWN);
        assertThat(port.downReason()).isEqualTo("afpacket:" + veth.a + ": interface went down");
    }

    @ParameterizedTest(name = "rx={0}")
    @ValueSource(strings = {"v3", "v2"})
    void kernelDropsWhenTheRingIsFullAreCounted(String ring) throws Exception {
        // Two blocks of 128 KiB: ~160 full-size frames fit (120 slots with v2); the rest is dropped by the kernel.
        AfPacketPort port = open("p0=afpacket:" + veth.a + ",bufsize=262144,rx=" + ring);
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        int sent = 0;
        for (int i = 0; i < 1000; i++) {
            if (peer.send(frame(1500, i))) {
                sent++;
            }
        }
        List<byte[]> got = receive(port, sent);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (port.counters().kernelDrops() == 0 && System.nanoTime() < deadline) {
            port.rxSync(); // the statistics are sampled every 100 ms
            port.rxRing().head = port.rxRing().cur = port.rxRing().tail;
        }
        assertThat(got.size()).isLessThan(sent);
        assertThat(port.counters().kernelDrops()).as("dropped by the kernel, counted").isEqualTo(sent - got.size());
        assertThat(port.driverRxDrops()).isEqualTo(port.counters().kernelDrops());
    }

    @Test
    void twoPortsInOneFanoutGroupShareTheFrames() throws Exception {
        AfPacketPort p1 = open("p1=afpacket:" + veth.a + ",fanout=4242:lb");
        AfPacketPort p2 = open("p2=afpacket:" + veth.a + ",fanout=4242:lb");
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        for (int i = 0; i < 100; i++) {
            assertThat(peer.send(frame(100, i))).isTrue();
        }
        List<byte[]> all = new ArrayList<>();
        List<byte[]> one = new ArrayList<>();
        List<byte[]> two = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (one.size() + two.size() < 100 && System.nanoTime() < deadline) {
            one.addAll(take(p1));
            two.addAll(take(p2));
        }
        all.addAll(one);
        all.addAll(two);
        assertThat(all).hasSize(100);
        assertThat(one).as("load-balanced: each socket of the group gets some").isNotEmpty();
        assertThat(two).isNotEmpty();
        assertThat(all.stream().map(f -> (f[14] & 0xff) << 8 | f[15] & 0xff).distinct().count())
                .as("each frame arrives once").isEqualTo(100);
    }

    @Test
    void openingAMissingInterfaceSaysNoSuchInterface() {
        assertThatThrownBy(() -> open("p0=afpacket:apknosuch0"))
                .isInstanceOf(PortOpenException.class)
                .hasMessage("afpacket:apknosuch0: no such interface");
        assertThat(pool.freeCount()).as("nothing taken from the pool").isEqualTo(BUFFERS - 2);
    }

    @Test
    void openingAnInterfaceThatIsDownSaysSo() throws Exception {
        VethPair.run("ip", "link", "set", veth.a, "down");
        assertThatThrownBy(() -> open("p0=afpacket:" + veth.a))
                .isInstanceOf(PortOpenException.class)
                .hasMessage("afpacket:" + veth.a + ": interface is down (ip link set " + veth.a + " up)");
    }

    @Test
    void refusesAnMtuWhoseFramesDoNotFitAPoolBuffer() throws Exception {
        VethPair.run("ip", "link", "set", veth.a, "mtu", "4000");
        assertThatThrownBy(() -> open("p0=afpacket:" + veth.a))
                .isInstanceOf(PortOpenException.class)
                .hasMessage("afpacket:" + veth.a + ": MTU 4000 is larger than the pool buffer holds (frames up to 4018"
                        + " bytes, buffers of 2048 bytes): lower the MTU or raise --buffer-size");
        assertThat(pool.freeCount()).isEqualTo(BUFFERS - 2);
    }

    @Test
    void aPoolTooSmallForTheRingsIsOneLineAndKeepsNoBuffer() {
        try (BufferPool small = BufferPool.open(tmp.resolve("small"), BUFFER_SIZE, 64 + 32 + 2)) {
            int free = small.freeCount();
            assertThatThrownBy(() -> new AfPacketPortFactory().open(PortSpec.parse("p0=afpacket:" + veth.a),
                    new PortContext(small, 64, 16)))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessage("afpacket:" + veth.a + ": buffer pool has too few free buffers for ring p0.tx (64 slots): "
                            + "make the pool larger or the rings smaller");
            assertThat(small.freeCount()).as("a failed open keeps no buffer").isEqualTo(free);
        }
    }

    @Test
    void refusesALinkThatIsNotEthernetNamingIt() {
        assertThatThrownBy(() -> open("p0=afpacket:lo"))
                .isInstanceOf(PortOpenException.class)
                .hasMessage("afpacket:lo: link type 772 is not Ethernet (ARPHRD_ETHER): the switch forwards Ethernet frames only");
    }

    @Test
    void aSocketOptionTheKernelRefusesIsNamed() {
        open("p1=afpacket:" + veth.a + ",fanout=77:hash");
        // A fanout group has one mode: joining it with another is refused by the kernel.
        assertThatThrownBy(() -> open("p2=afpacket:" + veth.a + ",fanout=77:cpu"))
                .isInstanceOf(PortOpenException.class)
                .hasMessage("afpacket:" + veth.a + ": the kernel refused socket option PACKET_FANOUT (group 77, mode 2): "
                        + "Invalid argument");
        assertThat(pool.freeCount()).isEqualTo(BUFFERS - 2 - 2 * 64);
    }

    /** The child JVM's command: the tests' JVM flags (Agrona's buffers reach jdk.internal.misc.Unsafe), then {@code tail}. */
    private static java.util.List<String> command(String[] head, String... tail) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(head));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String flags = System.getProperty("pswitch.jvm.flags", "--enable-native-access=ALL-UNNAMED");
        cmd.addAll(java.util.List.of(flags.trim().split("\\s+")));
        cmd.addAll(java.util.List.of(tail));
        return cmd;
    }

    @Test
    void withoutCapNetRawTheRefusalSaysWhatIsNeeded() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(VethPair.onPath("setpriv"),
                "skipped: setpriv (util-linux) is needed to drop CAP_NET_RAW for a child process");
        Process p = new ProcessBuilder(command(new String[] {"setpriv", "--bounding-set", "-net_raw", "--inh-caps", "-net_raw", "--"},
                "-cp", System.getProperty("java.class.path"),
                OpenAfPacketPortMain.class.getName(), tmp.resolve("child-pool").toString(), "p0=afpacket:" + veth.a))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).endsWith("refused: afpacket:" + veth.a + ": CAP_NET_RAW is needed (run as root or grant it)");
    }

    @ParameterizedTest(name = "rx={0}")
    @ValueSource(strings = {"v3", "v2"})
    void receiveAndTransmitAllocateNothingPerFrame(String ring) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        AfPacketPort port = open("p0=afpacket:" + veth.a + ",rx=" + ring);
        PcapPeer peer = wire(veth.b, LivePcapHandle.PCAP_D_IN);
        byte[] f = frame(64, 0);
        Ring rx = port.rxRing();
        Ring tx = port.txRing();
        long rxAllocated = 0;
        long txAllocated = 0;
        int frames = 0;
        // One sendmmsg per txSync runs far fewer downcalls than a frame each would: warm the transmit
        // path up on its own so that it is compiled before it is measured.
        for (int i = 0; i < 30_000; i++) {
            queue(tx, f);
            port.txSync();
            if ((i & 1023) == 0) {
                peer.drain().clear();
            }
        }
        // Rounds 0 and 1 warm up (JIT); from round 2 on, each round is measured until one is clean: what
        // this proves is that the steady state allocates nothing, not how fast the JIT is.
        for (int round = 0; round < 8; round++) {
            rxAllocated = 0;
            txAllocated = 0;
            int received = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (received < 20_000 && System.nanoTime() < deadline) {
                for (int i = 0; i < 32; i++) {
                    peer.send(f);
                }
                for (int k = 0; k < 8; k++) {
                    long a0 = threads.getCurrentThreadAllocatedBytes();
                    int n = port.rxSync();
                    rxAllocated += threads.getCurrentThreadAllocatedBytes() - a0;
                    received += n;
                    rx.head = rx.cur = rx.tail;
                }
                while (tx.userSlots() > 0 && tx.txPending() < 16) {
                    queue(tx, f);
                }
                long a0 = threads.getCurrentThreadAllocatedBytes();
                port.txSync();
                txAllocated += threads.getCurrentThreadAllocatedBytes() - a0;
                peer.drain().clear();
            }
            frames = received;
            if (round >= 2 && rxAllocated < received / 10 && txAllocated < received / 10) {
                break;
            }
        }
        assertThat(frames).isGreaterThan(10_000);
        assertThat(rxAllocated).as("bytes allocated by rxSync over %d frames", frames).isLessThan(frames / 10);
        assertThat(txAllocated).as("bytes allocated by txSync").isLessThan(frames / 10);
    }
}

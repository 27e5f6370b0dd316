package io.pswitch.drivers.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.frame.TestFrames;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.veth.PcapPeer;
import io.pswitch.drivers.veth.VethPair;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of the live pcap port beyond the shared contract, on a real veth pair (needs root). */
class PcapLivePortTest {
    private static final int BUFFER_SIZE = 2048;

    @TempDir
    Path tmp;
    private BufferPool pool;
    private VethPair veth;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        VethPair.assumeUsable("live pcap tests");
        pool = BufferPool.open(tmp.resolve("pool"), BUFFER_SIZE, 1024);
        veth = VethPair.create("psw");
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

    private PcapLivePort open(String spec) {
        PcapLivePort port = (PcapLivePort) new PcapLivePortFactory()
                .open(PortSpec.parse(spec), new PortContext(pool, 64, 16));
        toClose.add(port);
        return port;
    }

    private PcapPeer peer(String iface, int direction) throws Exception {
        PcapPeer peer = new PcapPeer(iface, direction);
        toClose.add(peer);
        return peer;
    }

    private static byte[] frame(int length, int seq) {
        return TestFrames.frame(length, seq);
    }

    private void queue(Ring tx, byte[] f) {
        int s = tx.head;
        MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f.length);
        tx.len[s] = f.length;
        tx.head = tx.cur = tx.next(s);
    }

    /** rxSyncs until {@code count} frames arrived or 5 s passed, releasing each; returns them. */
    private List<byte[]> receive(PcapLivePort port, int count) {
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

    @Test
    void openingAMissingInterfaceSaysNoSuchInterface() {
        assertThatThrownBy(() -> open("p0=pcap:nosuchif0"))
                .isInstanceOf(PortOpenException.class)
                .hasMessage("pcap:nosuchif0: no such interface");
        assertThat(pool.freeCount()).as("nothing taken from the pool").isEqualTo(1024 - 2);
    }

    @Test
    void openingAnInterfaceThatIsDownSaysSo() throws Exception {
        VethPair.run("ip", "link", "set", veth.a, "down");
        assertThatThrownBy(() -> open("p0=pcap:" + veth.a))
                .isInstanceOf(PortOpenException.class)
                .hasMessageStartingWith("pcap:" + veth.a + ": interface is down");
    }

    @Test
    void refusesALinkTypeThatIsNotEthernetNamingIt() {
        // "any" captures with Linux cooked headers, not Ethernet ones.
        assertThatThrownBy(() -> open("p0=pcap:any"))
                .isInstanceOf(PortOpenException.class)
                .hasMessageContaining("pcap:any: link type LINUX_SLL")
                .hasMessageContaining("is not Ethernet");
    }

    @Test
    void receivesFramesWithWallClockNanosecondTimestamps() throws Exception {
        PcapLivePort port = open("p0=pcap:" + veth.a);
        PcapPeer peer = peer(veth.b, LivePcapHandle.PCAP_D_IN);
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
        PcapLivePort port = open("p0=pcap:" + veth.a);
        // A witness on the same interface capturing both directions: the frames do pass A's capture point.
        PcapPeer witness = peer(veth.a, LivePcapHandle.PCAP_D_INOUT);
        PcapPeer peer = peer(veth.b, LivePcapHandle.PCAP_D_IN);
        Ring tx = port.txRing();
        for (int i = 0; i < 20; i++) {
            queue(tx, frame(200, i));
        }
        assertThat(port.txSync()).isEqualTo(20);
        assertThat(peer.drainFor(200)).hasSize(20);
        assertThat(witness.drainFor(50)).as("the frames went out through A").hasSize(20);
        long deadline = System.nanoTime() + 200_000_000L;
        int received = 0;
        while (System.nanoTime() < deadline) {
            received += port.rxSync();
        }
        assertThat(received).as("frames the port sent are not received by the port").isZero();
        assertThat(port.state()).isEqualTo(PortState.UP);
    }

    @Test
    void socketFilterFallbackForDirectionAlsoKeepsTransmittedFramesOut() throws Exception {
        PcapPeer peer = peer(veth.b, LivePcapHandle.PCAP_D_IN);
        try (LivePcapHandle handle = LivePcapHandle.open(veth.a, 2049, 1 << 20, LivePcapHandle.PCAP_D_INOUT);
                PcapPeer sender = new PcapPeer(veth.a, LivePcapHandle.PCAP_D_INOUT);
                PcapPeer witness = new PcapPeer(veth.a, LivePcapHandle.PCAP_D_INOUT)) {
            handle.filterDirectionWithBpf(LivePcapHandle.PCAP_D_IN);
            // A frame sent on A by another socket (a both-ways capture sees it) and a frame arriving on A.
            assertThat(sender.send(frame(80, 1))).isTrue();
            assertThat(peer.send(frame(90, 2))).isTrue();
            assertThat(witness.drainFor(100)).extracting(f -> f.length).containsExactlyInAnyOrder(80, 90);
            assertThat(new PcapPeerCounter(handle).lengthsFor(100)).containsExactly(90);
        }
    }

    @Test
    void frameLargerThanAPoolBufferIsCutToTheBufferAndKeepsItsLength() throws Exception {
        VethPair.run("ip", "link", "set", veth.a, "mtu", "4000");
        VethPair.run("ip", "link", "set", veth.b, "mtu", "4000");
        PcapLivePort port = open("p0=pcap:" + veth.a + ",snaplen=9000");
        PcapPeer peer = peer(veth.b, LivePcapHandle.PCAP_D_IN);
        byte[] big = frame(3000, 7);
        assertThat(peer.send(big)).isTrue();
        assertThat(peer.send(frame(300, 8))).isTrue();
        Ring rx = port.rxRing();
        List<byte[]> got = receive(port, 2);
        assertThat(got).hasSize(2);
        assertThat(rx.len[rx.head - 2 & rx.numSlots() - 1]).as("len = caplen: the switch drops it as OVERSIZE").isEqualTo(3000);
        assertThat(got.get(0)).isEqualTo(Arrays.copyOf(big, BUFFER_SIZE));
        assertThat(got.get(1)).isEqualTo(frame(300, 8));
    }

    @Test
    void defaultSnapLengthStillTellsAnOversizeFrame() throws Exception {
        VethPair.run("ip", "link", "set", veth.a, "mtu", "4000");
        VethPair.run("ip", "link", "set", veth.b, "mtu", "4000");
        PcapLivePort port = open("p0=pcap:" + veth.a);
        PcapPeer peer = peer(veth.b, LivePcapHandle.PCAP_D_IN);
        assertThat(peer.send(frame(3000, 1))).isTrue();
        Ring rx = port.rxRing();
        assertThat(receive(port, 1)).hasSize(1);
        assertThat(rx.len[rx.head - 1 & rx.numSlots() - 1]).isGreaterThan(BUFFER_SIZE);
    }

    @Test
    void interfaceThatVanishesMarksThePortDownWithTheReason() throws Exception {
        PcapLivePort port = open("p0=pcap:" + veth.a);
        VethPair.run("ip", "link", "del", veth.a);
        Ring tx = port.txRing();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (port.state() == PortState.UP && System.nanoTime() < deadline) {
            port.rxSync();
            if (tx.userSlots() > 0) {
                queue(tx, frame(100, 1));
            }
            port.txSync();
        }
        assertThat(port.state()).isEqualTo(PortState.DOWN);
        assertThat(port.downReason()).startsWith("pcap:" + veth.a + ": ");
        // A port that is down neither throws nor keeps frames: the ring drains.
        assertThat(port.rxSync()).isZero();
        queue(tx, frame(100, 2));
        assertThat(port.txSync()).isZero();
        assertThat(tx.txPending()).isZero();
        port.close();
        assertThat(pool.freeCount()).isEqualTo(1024 - 2);
    }

    @Test
    void transmitToAVanishedInterfaceMarksThePortDownWithoutThrowing() throws Exception {
        PcapLivePort port = open("p0=pcap:" + veth.a);
        VethPair.run("ip", "link", "del", veth.a);
        Ring tx = port.txRing();
        queue(tx, frame(100, 1));
        queue(tx, frame(100, 2));
        assertThat(port.txSync()).isZero();
        assertThat(port.state()).isEqualTo(PortState.DOWN);
        assertThat(port.downReason()).startsWith("pcap:" + veth.a + ": transmit failed: ");
        assertThat(port.txErrors()).isEqualTo(1);
        assertThat(port.txDiscarded()).isEqualTo(1);
        assertThat(tx.txPending()).isZero();
    }

    @Test
    void captureSocketIsNonBlockingSoTransmitNeverWaits() {
        PcapLivePort port = open("p0=pcap:" + veth.a);
        assertThat(CaptureSocket.nonBlocking(port.handle().fd())).isTrue();
    }

    @Test
    void receiveAndTransmitAllocateNothingPerFrame() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PcapLivePort port = open("p0=pcap:" + veth.a);
        PcapPeer peer = peer(veth.b, LivePcapHandle.PCAP_D_IN);
        byte[] f = frame(64, 0);
        Ring rx = port.rxRing();
        Ring tx = port.txRing();
        long[] measured = new long[3];
        int frames = 0;
        // Rounds 0 and 1 warm up (JIT); from round 2 on, each round is measured until one is clean:
        // on a loaded machine the method-handle paths of the downcalls can take longer to compile, and
        // what this test proves is that the steady state allocates nothing, not how fast the JIT is.
        for (int round = 0; round < 8; round++) {
            long rxAllocated = 0;
            long txAllocated = 0;
            long probeAllocated = 0;
            int received = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (received < 20_000 && System.nanoTime() < deadline) {
                for (int i = 0; i < 32; i++) {
                    peer.send(f);
                }
                for (int k = 0; k < 8; k++) {
                    long a0 = threads.getCurrentThreadAllocatedBytes();
                    int n = port.rxSync();
                    long a1 = threads.getCurrentThreadAllocatedBytes();
                    rxAllocated += a1 - a0;
                    received += n;
                    rx.head = rx.cur = rx.tail;
                }
                while (tx.userSlots() > 0 && tx.txPending() < 16) {
                    queue(tx, f);
                }
                long a0 = threads.getCurrentThreadAllocatedBytes();
                port.txSync();
                long a1 = threads.getCurrentThreadAllocatedBytes();
                long a2 = threads.getCurrentThreadAllocatedBytes();
                txAllocated += a1 - a0;
                probeAllocated += a2 - a1;
                peer.drain().clear();
            }
            measured[0] = rxAllocated;
            measured[1] = txAllocated;
            measured[2] = probeAllocated;
            frames = received;
            if (round >= 2 && rxAllocated < received / 10 && txAllocated < received / 10) {
                break;
            }
        }
        System.out.printf("allocation over %d received frames: rxSync %d bytes, txSync %d bytes, "
                + "the measuring call itself %d bytes%n", frames, measured[0], measured[1], measured[2]);
        assertThat(frames).isGreaterThan(10_000);
        assertThat(measured[0]).as("bytes allocated by rxSync over %d frames", frames).isLessThan(frames / 10);
        assertThat(measured[1]).as("bytes allocated by txSync").isLessThan(frames / 10);
    }
}

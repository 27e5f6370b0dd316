package io.pswitch.drivers.vxlan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.drivers.vxlan.VxlanCounters.RxDrop;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.tunnel.TunnelMeta;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code vxlan} port over loopback against a plain UDP socket sending and reading real VXLAN datagrams. */
class VxlanPortTest {
    private static final int BUFFER = 2048;
    private static final int RING = 64;
    private static final int BATCH = 16;
    private static final int VNI = 42;
    private static final int LOOPBACK = 0x7f000001;
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path tmp;
    private BufferPool pool;
    private int initialFree;
    private final long[] wall = {T0};
    private final EpochNanoClock wallClock = () -> wall[0];
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void openPool() {
        pool = BufferPool.open(tmp.resolve("pool"), BUFFER, 512);
        initialFree = pool.freeCount();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        assertThat(pool.freeCount()).as("every buffer back in the pool").isEqualTo(initialFree);
        pool.close();
    }

    private VxlanPeer peer(String address) throws Exception {
        VxlanPeer p = new VxlanPeer(address);
        toClose.add(p);
        return p;
    }

    private VxlanPort open(String spec) {
        VxlanPort port = (VxlanPort) new VxlanPortFactory(wallClock).open(PortSpec.parse(spec), new PortContext(pool, RING, BATCH));
        toClose.add(port);
        return port;
    }

    private static byte[] frame(int length, int seq) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (seq * 31 + i);
        }
        f[0] = 0x02;
        f[6] = 0x02;
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        if (length > 14) {
            f[14] = (byte) seq;
        }
        return f;
    }

    private byte[] slotBytes(Ring ring, int slot) {
        byte[] b = new byte[ring.len[slot]];
        MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(ring.bufIdx[slot]), b, 0, b.length);
        return b;
    }

    record Got(byte[] frame, long tunnel, long timestampNs) {
    }

    /** rxSyncs until {@code count} frames arrived (or 5 s passed), releasing every batch. */
    private List<Got> receive(VxlanPort port, int count) {
        Ring rx = port.rxRing();
        List<Got> got = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.size() < count && System.nanoTime() < deadline) {
            int n = port.rxSync();
            assertThat(n).isLessThanOrEqualTo(BATCH);
            for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
                got.add(new Got(slotBytes(rx, s), rx.tunnel[s], rx.timestampNs[s]));
            }
            rx.head = rx.cur = rx.tail;
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        return got;
    }

    /** Polls the port a while longer: nothing more may arrive. */
    private void assertNothingMore(VxlanPort port) throws InterruptedException {
        Thread.sleep(50);
        assertThat(receive(port, 1)).isEmpty();
    }

    @Test
    void decapsulatesEachFrameIntoItsPoolBufferWithTunnelMetadata() throws Exception {
        VxlanPeer peer = peer("127.0.0.1");
        VxlanPort port = open("v0=vxlan:127.0.0.1:0,remote=127.0.0.1:" + peer.port() + ",vni=" + VNI);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // The last one fills a buffer exactly: the largest inner frame that fits.
            byte[] f = frame(i == 39 ? BUFFER : 14 + i * 37, i);
            sent.add(f);
            peer.sendTo(port.localPort(), VxlanPeer.vxlan(VNI, f));
        }
        wall[0] = T0 + 5;
        List<Got> got = receive(port, sent.size());
        assertThat(got).hasSize(sent.size());
        long rxBytes = 0;
        for (int i = 0; i < sent.size(); i++) {
            assertThat(got.get(i).frame()).as("frame %d", i).isEqualTo(sent.get(i));
            assertThat(got.get(i).tunnel()).isEqualTo(TunnelMeta.encode(VNI, LOOPBACK));
            assertThat(TunnelMeta.toString(got.get(i).tunnel())).isEqualTo("vni 42 from 127.0.0.1");
            assertThat(got.get(i).timestampNs()).isEqualTo(T0 + 5);
            rxBytes += sent.get(i).length;
        }
        VxlanCounters c = port.counters();
        assertThat(c.rxFrames()).isEqualTo(40);
        assertThat(c.rxDatagrams()).isEqualTo(40);
        assertThat(c.rxBytes()).isEqualTo(rxBytes);
        assertThat(c.totalDrops()).isZero();
        assertThat(c.rxCalls()).as("40 datagrams in batches of at most 16: few recvmmsg calls").isLessThan(40);
    }

    @Test
    void encapsulatesTowardTheRemoteOneSendmmsgPerBatch() throws Exception {
        VxlanPeer peer = peer("127.0.0.1");
        VxlanPort port = open("v0=vxlan:127.0.0.1:0,remote=127.0.0.1:" + peer.port() + ",vni=" + VNI);
        assertThat(port.transmits()).isTrue();
        Ring tx = port.txRing();
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            byte[] f = frame(60 + i * 29, i);
            out.add(f);
            int s = tx.head;
            MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f.length);
            tx.len[s] = f.length;
            tx.head = tx.cur = tx.next(s);
        }
        assertThat(port.txSync()).isEqualTo(48);
        assertThat(tx.txPending()).isZero();
        assertThat(tx.userSlots()).isEqualTo(RING - 1);
        assertThat(port.counters().txCalls()).as("48 frames, batch 16: three sendmmsg calls").isEqualTo(3);
        assertThat(port.counters().txFrames()).isEqualTo(48);

        List<VxlanPeer.Received> seen = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (seen.size() < 48 && System.nanoTime() < deadline) {
            VxlanPeer.Received r = peer.receive();
            if (r != null) {
                seen.add(r);
            }
        }
        assertThat(seen).hasSize(48);
        for (int i = 0; i < 48; i++) {
            VxlanPeer.Received r = seen.get(i);
            assertThat(r.from().getPort()).isEqualTo(port.localPort());
            assertThat(r.flagsWord()).as("I flag only").isEqualTo(0x0800_0000);
            assertThat(r.vniWord()).as("VNI 42, reserved byte zero").isEqualTo(0x0000_2a00);
            assertThat(r.inner()).as("frame %d", i).isEqualTo(out.get(i));
        }
    }

    @Test
    void badInputIsCountedByCauseAndNeverDelivered() throws Exception {
        VxlanPeer peer = peer("127.0.0.1");
        VxlanPeer stranger = peer("127.0.0.2");
        VxlanPort port = open("v0=vxlan:127.0.0.1:0,remote=127.0.0.1,vni=" + VNI);
        int to = port.localPort();
        byte[] good0 = frame(100, 0);
        byte[] good1 = frame(60, 1);
        byte[] good2 = frame(1514, 2);
        int valid = VxlanHeaderDescriptor.VALID_FLAGS_WORD;
        peer.sendTo(to, VxlanPeer.vxlan(VNI, good0));
        peer.sendTo(to, VxlanPeer.datagram(0, VNI << 8, frame(80, 9)));                 // I flag not set
        peer.sendTo(to, VxlanPeer.datagram(valid | 0x8000_0000, VNI << 8, frame(80, 9))); // a reserved flag bit
        peer.sendTo(to, VxlanPeer.datagram(valid | 0x0000_0100, VNI << 8, frame(80, 9))); // reserved 24 bits
        peer.sendTo(to, VxlanPeer.datagram(valid, (VNI << 8) | 1, frame(80, 9)));        // reserved low byte
        peer.sendTo(to, VxlanPeer.vxlan(VNI, new byte[13]));                             // 8 + 13 bytes
        peer.sendTo(to, new byte[] {0x08, 0, 0, 0, 0});                                   // not even a header
        peer.sendTo(to, VxlanPeer.vxlan(VNI, frame(BUFFER + 1, 9)));                     // larger than a buffer
        peer.sendTo(to, VxlanPeer.vxlan(VNI + 1, frame(80, 9)));                          // another VNI
        peer.sendTo(to, VxlanPeer.vxlan(VNI, good1));
        stranger.sendTo(to, VxlanPeer.vxlan(VNI, frame(80, 9)));                         // not the remote
        peer.sendTo(to, VxlanPeer.vxlan(VNI, good2));

        List<Got> got = receive(port, 3);
        assertNothingMore(port);
        assertThat(got).extracting(Got::frame).containsExactly(good0, good1, good2);
        VxlanCounters c = port.counters();
        assertThat(c.drops(RxDrop.BAD_HEADER)).isEqualTo(4);
        assertThat(c.drops(RxDrop.TRUNCATED)).isEqualTo(2);
        assertThat(c.drops(RxDrop.OVERSIZE)).isEqualTo(1);
        assertThat(c.drops(RxDrop.WRONG_VNI)).isEqualTo(1);
        assertThat(c.drops(RxDrop.BAD_SOURCE)).isEqualTo(1);
        assertThat(c.rxDatagrams()).isEqualTo(12);
        assertThat(c.rxFrames()).isEqualTo(3);
        assertThat(port.driverRxDrops()).isEqualTo(9);
    }

    @Test
    void aMirrorTargetTakesEveryVniFromEverySourceAndSendsNothing() throws Exception {
        VxlanPeer a = peer("127.0.0.1");
        VxlanPeer b = peer("127.0.0.3");
        VxlanPort port = open("m0=vxlan:127.0.0.1:0,vni=any");
        assertThat(port.transmits()).isFalse();
        a.sendTo(port.localPort(), VxlanPeer.vxlan(42, frame(64, 1)));
        b.sendTo(port.localPort(), VxlanPeer.vxlan(7, frame(64, 2)));
        a.sendTo(port.localPort(), VxlanPeer.vxlan(0, frame(64, 3)));
        List<Got> got = receive(port, 3);
        assertThat(got).extracting(Got::tunnel).containsExactly(
                TunnelMeta.encode(42, LOOPBACK), TunnelMeta.encode(7, 0x7f000003), TunnelMeta.encode(0, LOOPBACK));
        assertThat(TunnelMeta.present(got.get(2).tunnel())).as("VNI 0 from a tunnel is still a tunnel").isTrue();

        Ring tx = port.txRing();
        for (int i = 0; i < 5; i++) {
            tx.len[tx.head] = 60;
            tx.head = tx.cur = tx.next(tx.head);
        }
        assertThat(port.txSync()).isZero();
        assertThat(tx.txPending()).isZero();
        assertThat(tx.userSlots()).as("reclaimed at once").isEqualTo(RING - 1);
        assertThat(port.counters().txNotSent()).isEqualTo(5);
        assertThat(port.counters().txCalls()).isZero();
    }

    @Test
    void vniAnyWithARemoteOnlyFiltersTheSourceAndStaysReceiveOnly() throws Exception {
        VxlanPeer remote = peer("127.0.0.1");
        VxlanPeer other = peer("127.0.0.4");
        VxlanPort port = open("m0=vxlan:127.0.0.1:0,remote=127.0.0.1:" + remote.port() + ",vni=any");
        assertThat(port.transmits()).isFalse();
        other.sendTo(port.localPort(), VxlanPeer.vxlan(5, frame(64, 1)));
        remote.sendTo(port.localPort(), VxlanPeer.vxlan(6, frame(64, 2)));
        List<Got> got = receive(port, 1);
        assertNothingMore(port);
        assertThat(got).extracting(Got::tunnel).containsExactly(TunnelMeta.encode(6, LOOPBACK));
        assertThat(port.counters().drops(RxDrop.BAD_SOURCE)).isEqualTo(1);
    }

    @Test
    void aFullRingLeavesDatagramsInTheSocketUntilThereIsSpace() throws Exception {
        VxlanPeer peer = peer("127.0.0.1");
        VxlanPort port = open("v0=vxlan:127.0.0.1:0,vni=" + VNI);
        for (int i = 0; i < RING + 10; i++) {
            peer.sendTo(port.localPort(), VxlanPeer.vxlan(VNI, frame(60, i)));
        }
        Ring rx = port.rxRing();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (rx.userSlots() < RING - 1 && System.nanoTime() < deadline) {
            port.rxSync();
        }
        assertThat(rx.userSlots()).isEqualTo(RING - 1);
        assertThat(port.rxSync()).isZero();
        rx.head = rx.cur = rx.tail;
        List<Got> rest = receive(port, 11);
        assertThat(rest).hasSize(11);
        assertThat(rest.get(10).frame()).isEqualTo(frame(60, RING + 9));
        assertThat(port.counters().totalDrops()).isZero();
    }

    @Test
    void openErrorsNameThePortSpecAndTheReason() throws Exception {
        assertOpenFails("v0=vxlan:nothost", "bad local address 'nothost'");
        assertOpenFails("v0=vxlan:10.0.0.300", "bad local address");
        assertOpenFails("v0=vxlan:127.0.0.1:70000", "the UDP port must be 0-65535");
        assertOpenFails("v0=vxlan:239.1.1.1", "multicast");
        assertOpenFails("v0=vxlan:192.0.2.1", "bad local address 192.0.2.1: not an address of this host");
        assertOpenFails("v0=vxlan:127.0.0.1:0,remote=10.0.0", "bad remote '10.0.0'");
        assertOpenFails("v0=vxlan:127.0.0.1:0,remote=224.0.0.5", "bad remote '224.0.0.5'");
        assertOpenFails("v0=vxlan:127.0.0.1:0,remote=10.0.0.1:0", "bad remote '10.0.0.1:0'");
        assertOpenFails("v0=vxlan:127.0.0.1:0,vni=16777216", "bad vni '16777216'");
        assertOpenFails("v0=vxlan:127.0.0.1:0,remote=10.0.0.1", "bad vni: remote=10.0.0.1 needs vni=<n>");
        assertOpenFails("v0=vxlan:127.0.0.1:0,vni=x", "bad vni 'x'");
        try (DatagramChannel taken = DatagramChannel.open()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int p = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            assertOpenFails("v0=vxlan:127.0.0.1:" + p, "UDP port in use: 127.0.0.1:" + p);
        }
        assertThat(pool.freeCount()).as("a failed open keeps no buffer").isEqualTo(initialFree);
    }

    @Test
    void aPoolTooSmallForTheRingsIsOneLineAndKeepsNeitherBuffersNorTheSocket() throws Exception {
        int udpPort;
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            udpPort = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        String spec = "v0=vxlan:127.0.0.1:" + udpPort + ",vni=7";
        // Room for the RX ring, not for the TX ring: the core gives the RX ring's buffers back.
        try (BufferPool small = BufferPool.open(tmp.resolve("small"), BUFFER, RING + RING / 2 + 2)) {
            int free = small.freeCount();
            assertThatThrownBy(() -> new VxlanPortFactory(wallClock).open(PortSpec.parse(spec), new PortContext(small, RING, BATCH)))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessage("port v0 (" + spec + "): buffer pool has too few free buffers for ring v0.tx (" + RING
                            + " slots): make the pool larger or the rings smaller");
            assertThat(small.freeCount()).as("a failed open keeps no buffer").isEqualTo(free);
        }
        try (DatagramChannel again = DatagramChannel.open()) {
            again.bind(new InetSocketAddress("127.0.0.1", udpPort)); // the failed port's socket is closed
        }
    }

    private void assertOpenFails(String spec, String reason) {
        assertThatThrownBy(() -> open(spec))
                .isInstanceOf(PortOpenException.class)
                .hasMessageStartingWith("port v0 (" + spec + "): ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void isRegisteredAndRefusesUnknownOptions() {
        PortDrivers drivers = PortDrivers.installed();
        assertThat(drivers.all()).extracting(f -> f.driver()).contains("vxlan");
        assertThatThrownBy(() -> drivers.factory(PortSpec.parse("v0=vxlan:127.0.0.1,ttl=3")))
                .hasMessageContaining("driver vxlan has no option 'ttl'");
        try (var port = drivers.open("v0=vxlan:127.0.0.1:0,vni=7", new PortContext(pool, RING, BATCH))) {
            assertThat(port).isInstanceOf(VxlanPort.class);
        }
    }

    /**
     * The steady state allocates nothing per frame. Per sync call, the JDK's errno capture slices the
     * capture segment (a 40-byte segment object) on every downcall; C2 scalar-replaces it when it
     * inlines the whole downcall, and on some compilations it does not (seen on loaded CI runs,
     * found with JFR's allocation samples): that is per call, never per frame, and bounded here.
     * Blocks with frames and blocks without (the same number of calls) are measured apart, so any
     * allocation per frame shows as their difference.
     */
    @Test
    void rxSyncAndTxSyncAllocateNothingPerFrame() throws Exception {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot measure per-thread allocation: skipped");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "per-thread allocation is not measured: skipped");
        threads.setThreadAllocatedMemoryEnabled(true);
        VxlanPeer peer = peer("127.0.0.1");
        VxlanPort port = open("v0=vxlan:127.0.0.1:0,remote=127.0.0.1:" + peer.port() + ",vni=" + VNI);
        byte[] good = VxlanPeer.vxlan(VNI, frame(60, 1));
        byte[] bad = VxlanPeer.vxlan(VNI + 1, frame(60, 2));
        Ring rx = port.rxRing();
        Ring tx = port.txRing();
        int blocks = 64;
        int callsPerBlock = 32;
        long withFrames = -1;
        long withoutFrames = -1;
        long framesBefore = 0;
        long framesPerRound = 0;
        // Round 0 warms up; from round 1 on, rounds are measured until one is clean (before C2 has
        // compiled the paths, later on a loaded machine, they allocate a little per call).
        for (int round = 0; round < 60 && (withFrames != 0 || withoutFrames != 0); round++) {
            long sumWith = 0;
            long sumWithout = 0;
            framesBefore = port.counters().rxFrames();
            for (int block = 0; block < blocks; block++) {
                boolean frames = block % 2 == 0;
                if (frames) {
                    for (int i = 0; i < 8; i++) {
                        peer.sendTo(port.localPort(), i % 4 == 3 ? bad : good);
                    }
                }
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < callsPerBlock; i++) {
                    port.rxSync();
                    rx.head = rx.cur = rx.tail;
                    tx.len[tx.head] = 60;
                    tx.head = tx.cur = tx.next(tx.head);
                    port.txSync();
                }
                long used = threads.getCurrentThreadAllocatedBytes() - before;
                if (frames) {
                    sumWith += used;
                } else {
                    sumWithout += used;
                }
                // The peer reads between measured blocks: its allocation is not the port's.
                while (peer.receive() != null) {
                    Thread.onSpinWait();
                }
            }
            if (round > 0) {
                withFrames = sumWith;
                withoutFrames = sumWithout;
                framesPerRound = port.counters().rxFrames() - framesBefore;
            }
            if (withFrames != 0 || withoutFrames != 0) {
                // On a loaded machine the compiler threads wait for a CPU like everyone else.
                Thread.sleep(50);
            }
        }
        assertThat(port.counters().drops(RxDrop.WRONG_VNI)).as("bad input went through the measured path too")
                .isEqualTo(port.counters().rxFrames() / 3);
        assertThat(framesPerRound).as("frames received in the measured blocks").isGreaterThan(blocks);
        long calls = (long) blocks / 2 * callsPerBlock;
        assertThat(withFrames - withoutFrames).as("bytes allocated for %d frames (%d calls with frames, %d without: %d and %d bytes)",
                framesPerRound, calls, calls, withFrames, withoutFrames).isLessThan(4096);
        assertThat(withoutFrames).as("bytes allocated by %d rxSync + txSync calls: at most the JDK's errno-capture slice per downcall", calls)
                .isLessThanOrEqualTo(calls * 2 * 48);
    }
}

package io.pswitch.drivers.afpacket;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.pcap.LivePcapHandle;
import io.pswitch.drivers.veth.PcapPeer;
import io.pswitch.drivers.veth.VethPair;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receive ring's capacity, on a real veth pair (needs root; pairs named {@code lat…}): a burst
 * the size of a TCP window that arrives while the dataplane does not sync waits in the kernel's
 * ring, whole, instead of being dropped (the drops were TCP retransmits on the veth harness), and
 * the packed V2 slots, which stop short of each block's end, hand every frame over intact and in
 * order across blocks and across the ring's wrap.
 */
class AfPacketRingCapacityTest {
    private static final int BUFFER_SIZE = 2048;
    private static final int FULL_SIZE = 1514;
    /** More than the 1,024 slots the default ring had with power-of-two V2 slots. */
    private static final int BURST = 3000;

    @TempDir
    Path tmp;
    private BufferPool pool;
    private VethPair veth;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        AfPacketAssumptions.assumeUsable();
        pool = BufferPool.open(tmp.resolve("pool"), BUFFER_SIZE, 8192);
        veth = VethPair.create("lat");
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

    private AfPacketPort open(String options) {
        AfPacketPort port = (AfPacketPort) new AfPacketPortFactory()
                .open(PortSpec.parse("p0=afpacket:" + veth.a + options), new PortContext(pool, 256, 64));
        toClose.add(port);
        return port;
    }

    private PcapPeer peer() throws Exception {
        PcapPeer p = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN);
        toClose.add(p);
        return p;
    }

    @Test
    void aV2SlotIsTheBufferAndItsHeadroomAlignedNotAPowerOfTwo() {
        AfPacketPort port = open("");
        PacketSocket socket = port.socket();
        assertThat(socket.version()).isEqualTo(Libc.TPACKET_V2);
        assertThat(socket.frameSize()).isEqualTo(PacketSocket.v2FrameSize(BUFFER_SIZE)).isEqualTo(2176);
        // 60 slots in each 128 KiB block, 64 blocks in the default 8 MiB.
        assertThat(socket.frameCount()).isEqualTo(60 * 64).isGreaterThan(BURST);
    }

    @Test
    void aBurstLargerThanTheOldRingWaitsInTheKernelWholeWhileThePortDoesNotSync() throws Exception {
        AfPacketPort port = open("");
        PcapPeer peer = peer();
        int sent = 0;
        for (int i = 0; i < BURST; i++) {
            if (peer.send(AfPacketPortTest.frame(FULL_SIZE, i))) {
                sent++;
            }
        }
        assertThat(sent).isEqualTo(BURST);
        List<byte[]> got = receive(port, sent);
        assertThat(got).hasSize(sent);
        assertInOrderAndIntact(got, 0);
        // PACKET_STATISTICS is read every 100 ms: wait past one reading, then no drop may be counted.
        long until = System.nanoTime() + 3 * AfPacketPort.POLL_INTERVAL_NS;
        while (System.nanoTime() < until) {
            port.rxSync();
        }
        assertThat(port.counters().kernelDrops()).as("kernel drops").isZero();
        assertThat(port.counters().rxFrames()).isEqualTo(sent);
    }

    @Test
    void packedSlotsHandOverEveryFrameIntactAcrossBlocksAndTheRingsWrap() throws Exception {
        // The smallest ring: 2 blocks of 60 slots. Bursts of 100 cross a block's unused tail every time, and
        // 30 of them go round the ring 25 times; every frame's bytes and place in the order are checked.
        AfPacketPort port = open(",bufsize=262144");
        assertThat(port.socket().frameCount()).isEqualTo(120);
        PcapPeer peer = peer();
        int seq = 0;
        for (int round = 0; round < 30; round++) {
            int first = seq;
            int len = 60 + (round * 97) % (FULL_SIZE - 60);
            for (int i = 0; i < 100; i++) {
                assertThat(peer.send(AfPacketPortTest.frame(len, seq++))).isTrue();
            }
            List<byte[]> got = receive(port, 100);
            assertThat(got).as("round %d", round).hasSize(100);
            assertInOrderAndIntact(got, first);
        }
        assertThat(port.counters().kernelDrops()).isZero();
    }

    /** rxSyncs until {@code count} frames arrived or 5 s passed, releasing each slot; returns their bytes. */
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

    private static void assertInOrderAndIntact(List<byte[]> got, int firstSeq) {
        for (int i = 0; i < got.size(); i++) {
            byte[] f = got.get(i);
            int seq = ((f[14] & 0xff) << 8) | (f[15] & 0xff);
            assertThat(seq).as("frame %d's sequence", i).isEqualTo((firstSeq + i) & 0xffff);
            assertThat(f).as("frame %d's bytes", i).isEqualTo(AfPacketPortTest.frame(f.length, firstSeq + i));
        }
    }
}

package io.pswitch.drivers.afxdp;

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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Copy mode transmits at most 32 frames (the kernel's TX_BATCH_SIZE) per {@code sendto} kick. A
 * txSync that kicked once left the rest of a larger batch for later syncs, so a burst the switch
 * forwarded faster than 32 frames a cycle filled the TX ring and was dropped. One txSync must hand
 * the kernel its whole batch: every frame of a full TX ring is on the wire after a single sync.
 */
class AfXdpTxBudgetTest {
    private static final int RING = 256;

    private Path shm;
    private BufferPool pool;

    @BeforeAll
    static void needsRootVethAndAfXdp() {
        XdpTestSupport.assumeUsable();
    }

    @BeforeEach
    void openPool() throws Exception {
        shm = XdpTestSupport.shmDirectory();
        pool = BufferPool.open(shm.resolve("pool"), 2048, 1024);
    }

    @AfterEach
    void closePool() {
        pool.close();
        XdpTestSupport.deleteTree(shm);
    }

    @Test
    void oneTxSyncSendsMoreThanTheKernelsBudgetPerKick() throws Exception {
        int initialFree = pool.freeCount();
        try (VethPair veth = XdpTestSupport.veth(); PcapPeer peer = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN)) {
            AfXdpPort port = (AfXdpPort) new AfXdpPortFactory().open(PortSpec.parse("p0=afxdp:" + veth.a),
                    new PortContext(pool, RING, RING));
            try {
                Ring tx = port.txRing();
                int count = 200; // more than six budgets of 32
                for (int i = 0; i < count; i++) {
                    int s = tx.head;
                    MemorySegment b = pool.segment();
                    long at = pool.offset(tx.bufIdx[s]);
                    byte[] f = new byte[100];
                    f[0] = 0x02;
                    f[6] = 0x02;
                    f[12] = (byte) 0x88;
                    f[13] = (byte) 0xb5;
                    f[14] = (byte) (i >>> 8);
                    f[15] = (byte) i;
                    MemorySegment.copy(f, 0, b, ValueLayout.JAVA_BYTE, at, f.length);
                    tx.len[s] = f.length;
                    tx.head = tx.cur = tx.next(s);
                }
                assertThat(port.txSync()).isEqualTo(count);
                List<byte[]> seen = peer.drainFor(500);
                assertThat(seen).as("frames on the wire after one txSync").hasSize(count);
                for (int i = 0; i < count; i++) {
                    assertThat(((seen.get(i)[14] & 0xff) << 8) | (seen.get(i)[15] & 0xff)).as("frame %d in order", i).isEqualTo(i);
                }
                assertThat(port.counters().txWakeups()).as("kicks: one per budget, not one per frame")
                        .isBetween((long) count / 32, (long) AfXdpPort.MAX_KICKS);
            } finally {
                port.close();
            }
            assertThat(pool.freeCount()).as("every buffer back in the pool").isEqualTo(initialFree);
        }
    }
}

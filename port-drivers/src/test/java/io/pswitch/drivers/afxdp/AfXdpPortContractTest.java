package io.pswitch.drivers.afxdp;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDriverContractTest;
import io.pswitch.drivers.pcap.PcapPeer;
import io.pswitch.drivers.pcap.LivePcapHandle;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The driver contract for afxdp ports: the port on one end of a veth pair (native XDP, copy mode:
 * veth has no zero-copy), a libpcap handle on the other end as the peer. The pool lives on
 * /dev/shm, since it is the port's UMEM.
 *
 * <p>RX back-pressure does not hold: XDP runs before any queue, so when the fill ring is empty
 * (the switch holds every buffer) the kernel drops the frame and counts it (XDP_STATISTICS).
 * TX back-pressure does not hold either: the kernel's generic transmit hands a frame to the veth,
 * which takes it or drops it, and the capture peer never stops draining.
 */
class AfXdpPortContractTest extends PortDriverContractTest {
    private Path shm;

    @BeforeAll
    static void needsRootVethAndAfXdp() {
        AxpVeth.assumeUsable();
    }

    @Override
    protected Path poolDirectory() throws Exception {
        shm = AxpVeth.shmDirectory();
        return shm;
    }

    @AfterEach
    void deleteShm() {
        AxpVeth.deleteTree(shm);
    }

    @Override
    protected boolean txBackPressure() {
        return false;
    }

    @Override
    protected boolean rxBackPressure() {
        return false;
    }

    @Override
    protected Harness open(PortContext context, List<byte[]> toReceive) throws Exception {
        AxpVeth veth = AxpVeth.create();
        PcapPeer peer = null;
        Port port = null;
        try {
            peer = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN);
            port = new AfXdpPortFactory().open(PortSpec.parse("p0=afxdp:" + veth.a), context);
        } catch (Exception | Error e) {
            if (peer != null) {
                peer.close();
            }
            veth.close();
            throw e;
        }
        return new VethHarness(veth, peer, port, toReceive);
    }

    private static final class VethHarness implements Harness {
        private final AxpVeth veth;
        private final PcapPeer peer;
        private final Port port;
        private final List<byte[]> toReceive;
        private int next;

        VethHarness(AxpVeth veth, PcapPeer peer, Port port, List<byte[]> toReceive) {
            this.veth = veth;
            this.peer = peer;
            this.port = port;
            this.toReceive = toReceive;
        }

        @Override
        public Port port() {
            return port;
        }

        @Override
        public void pump() {
            // A few frames per call: XDP drops what finds no fill-ring buffer, so never outrun the ring.
            int budget = 8;
            while (budget-- > 0 && next < toReceive.size() && peer.send(toReceive.get(next))) {
                next++;
            }
        }

        @Override
        public List<byte[]> transmitted(boolean portClosed) throws Exception {
            return portClosed ? peer.drainFor(200) : peer.drain();
        }

        @Override
        public void close() throws Exception {
            try {
                port.close();
                peer.close();
            } finally {
                veth.close();
            }
        }
    }
}

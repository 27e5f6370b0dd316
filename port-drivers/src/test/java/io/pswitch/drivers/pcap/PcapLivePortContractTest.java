package io.pswitch.drivers.pcap;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDriverContractTest;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/**
 * The driver contract for live pcap ports: the port on one end of a veth pair, a second libpcap
 * handle on the other end as the peer.
 *
 * <p>RX back-pressure holds because frames the RX ring has no room for wait in the kernel capture
 * buffer (bufsize, 4 MiB by default) until a later rxSync takes them; the contract's bursts are far
 * smaller than that. Beyond it the kernel drops, and the port counts those drops
 * ({@code driverRxDrops}). TX back-pressure does not hold: a kernel interface takes a frame or drops
 * it (a veth peer whose backlog is full makes the kernel return ENOBUFS, which the port does treat
 * as back-pressure, but a capture peer never stops draining the backlog).
 */
class PcapLivePortContractTest extends PortDriverContractTest {
    @BeforeAll
    static void needsRootAndVeth() {
        VethPair.assumeUsable();
    }

    @Override
    protected boolean txBackPressure() {
        return false;
    }

    @Override
    protected Harness open(PortContext context, List<byte[]> toReceive) throws Exception {
        VethPair veth = VethPair.create();
        PcapPeer peer = null;
        Port port = null;
        try {
            peer = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN);
            port = new PcapLivePortFactory().open(PortSpec.parse("p0=pcap:" + veth.a), context);
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
        private final VethPair veth;
        private final PcapPeer peer;
        private final Port port;
        private final List<byte[]> toReceive;
        private int next;

        VethHarness(VethPair veth, PcapPeer peer, Port port, List<byte[]> toReceive) {
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
            while (next < toReceive.size() && peer.send(toReceive.get(next))) {
                next++;
            }
        }

        @Override
        public List<byte[]> transmitted(boolean portClosed) throws Exception {
            // The kernel delivers a veth frame to the peer's capture a little after the send returns.
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

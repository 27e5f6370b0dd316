package io.pswitch.drivers.veth;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.drivers.PortDriverContractTest;
import io.pswitch.drivers.pcap.LivePcapHandle;
import java.util.List;

/**
 * The driver contract for a port on one end of a veth pair, with a {@link PcapPeer} on the other
 * end: the live drivers (pcap, afpacket, afxdp) differ only in how they open the port, the veth
 * prefix and how fast the peer may inject.
 */
public abstract class VethPortContractTest extends PortDriverContractTest {
    /** The driver's veth prefix (at most 3 letters), so a leftover interface names its test. */
    protected abstract String vethPrefix();

    /** Opens the driver's port on {@code iface}. */
    protected abstract Port openPort(String iface, PortContext context) throws Exception;

    /** Frames the peer may inject per pump: unlimited unless the driver drops what outruns its ring. */
    protected int pumpBudget() {
        return Integer.MAX_VALUE;
    }

    @Override
    protected final Harness open(PortContext context, List<byte[]> toReceive) throws Exception {
        VethPair veth = VethPair.create(vethPrefix());
        PcapPeer peer = null;
        Port port = null;
        try {
            peer = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN);
            port = openPort(veth.a, context);
        } catch (Exception | Error e) {
            if (peer != null) {
                peer.close();
            }
            veth.close();
            throw e;
        }
        return new VethHarness(veth, peer, port, toReceive, pumpBudget());
    }

    private static final class VethHarness implements Harness {
        private final VethPair veth;
        private final PcapPeer peer;
        private final Port port;
        private final List<byte[]> toReceive;
        private final int budget;
        private int next;

        VethHarness(VethPair veth, PcapPeer peer, Port port, List<byte[]> toReceive, int budget) {
            this.veth = veth;
            this.peer = peer;
            this.port = port;
            this.toReceive = toReceive;
            this.budget = budget;
        }

        @Override
        public Port port() {
            return port;
        }

        @Override
        public void pump() {
            int left = budget;
            while (left-- > 0 && next < toReceive.size() && peer.send(toReceive.get(next))) {
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

package io.pswitch.drivers.afpacket;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDriverContractTest;
import io.pswitch.drivers.pcap.LivePcapHandle;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/**
 * The driver contract for afpacket ports: the port on one end of a veth pair ({@code apk…}), a
 * libpcap handle on the other end as the peer.
 *
 * <p>RX back-pressure holds because frames the RX ring has no room for stay in the kernel's
 * receive blocks (bufsize, 4 MiB by default) until a later rxSync; the contract's bursts are far
 * smaller. Beyond it the kernel drops and the port counts the drops. TX back-pressure does not hold
 * on a veth: the kernel takes a frame or drops it at the peer's backlog.
 */
public class AfPacketPortContractTest extends PortDriverContractTest {
    @BeforeAll
    static void needsRootAndVeth() {
        ApkVeth.assumeUsable();
    }

    /** Options after the interface in the port spec ({@code ,rx=v2} for the V2 ring). */
    protected String options() {
        return "";
    }

    @Override
    protected boolean txBackPressure() {
        return false;
    }

    @Override
    protected Harness open(PortContext context, List<byte[]> toReceive) throws Exception {
        ApkVeth veth = ApkVeth.create();
        PcapWire peer = null;
        Port port = null;
        try {
            peer = new PcapWire(veth.b, LivePcapHandle.PCAP_D_IN);
            port = new AfPacketPortFactory().open(PortSpec.parse("p0=afpacket:" + veth.a + options()), context);
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
        private final ApkVeth veth;
        private final PcapWire peer;
        private final Port port;
        private final List<byte[]> toReceive;
        private int next;

        VethHarness(ApkVeth veth, PcapWire peer, Port port, List<byte[]> toReceive) {
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

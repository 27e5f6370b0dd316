package io.pswitch.drivers.vxlan;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDriverContractTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shared driver contract against a real {@code vxlan} port on loopback, its peer a plain UDP
 * socket speaking VXLAN. UDP has no back-pressure towards a sender, so a peer that does not read
 * loses datagrams; frames beyond the RX ring's space wait in the port's socket buffer.
 */
class VxlanPortContractTest extends PortDriverContractTest {
    private static final int VNI = 4242;

    @Override
    protected boolean txBackPressure() {
        return false;
    }

    @Override
    protected Harness open(PortContext context, List<byte[]> toReceive) throws Exception {
        VxlanPeer peer = new VxlanPeer("127.0.0.1");
        VxlanPort port;
        try {
            port = (VxlanPort) new VxlanPortFactory().open(
                    PortSpec.parse("p0=vxlan:127.0.0.1:0,remote=127.0.0.1:" + peer.port() + ",vni=" + VNI), context);
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
        return new Harness() {
            private int next;
            private final List<byte[]> seen = new ArrayList<>();

            @Override
            public VxlanPort port() {
                return port;
            }

            @Override
            public void pump() {
                // A batch per call: never more in flight than the port's socket buffer holds unprivileged.
                try {
                    for (int k = 0; k < BATCH && next < toReceive.size(); k++) {
                        peer.sendTo(port.localPort(), VxlanPeer.vxlan(VNI, toReceive.get(next++)));
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public List<byte[]> transmitted(boolean portClosed) throws Exception {
                VxlanPeer.Received r;
                while ((r = peer.receive()) != null) {
                    if (r.vniWord() != VNI << 8 || r.flagsWord() != VxlanHeaderDescriptor.VALID_FLAGS_WORD) {
                        throw new AssertionError("not a VXLAN header for VNI " + VNI + ": "
                                + Arrays.toString(Arrays.copyOf(r.datagram(), 8)));
                    }
                    seen.add(r.inner());
                }
                return seen;
            }

            @Override
            public void close() throws Exception {
                port.close();
                peer.close();
            }
        };
    }
}

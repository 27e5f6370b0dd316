package io.pswitch.drivers.shm;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDriverContractTest;
import java.util.ArrayList;
import java.util.List;

/** The shared driver contract against a real shm port and a real {@link ShmEndpoint} peer. */
class ShmPortContractTest extends PortDriverContractTest {
    private static final int SHM_SLOTS = 64;

    @Override
    protected Harness open(PortContext context, List<byte[]> toReceive) {
        String name = ShmTestNames.unique("contract");
        Port port = new ShmPortFactory().open(PortSpec.parse("p0=shm:" + name + ",slots=" + SHM_SLOTS + ",slotsize=2048"), context);
        ShmEndpoint peer = ShmEndpoint.attach(name);
        return new Harness() {
            private int next;
            private final List<byte[]> seen = new ArrayList<>();
            private final byte[] buf = new byte[peer.slotSize()];

            @Override
            public Port port() {
                return port;
            }

            @Override
            public void pump() {
                while (next < toReceive.size()) {
                    byte[] f = toReceive.get(next);
                    if (!peer.send(f, 0, f.length)) {
                        return;
                    }
                    next++;
                }
            }

            @Override
            public List<byte[]> transmitted(boolean portClosed) {
                {
                    int len;
                    while ((len = peer.receive(buf)) >= 0) {
                        seen.add(java.util.Arrays.copyOf(buf, len));
                    }
                }
                return seen;
            }

            @Override
            public void close() {
                peer.close();
                port.close();
            }
        };
    }
}

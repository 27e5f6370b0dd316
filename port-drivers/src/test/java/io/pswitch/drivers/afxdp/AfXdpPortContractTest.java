package io.pswitch.drivers.afxdp;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.veth.VethPortContractTest;
import java.nio.file.Path;
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
class AfXdpPortContractTest extends VethPortContractTest {
    private Path shm;

    @BeforeAll
    static void needsRootVethAndAfXdp() {
        XdpTestSupport.assumeUsable();
    }

    @Override
    protected Path poolDirectory() throws Exception {
        shm = XdpTestSupport.shmDirectory();
        return shm;
    }

    @AfterEach
    void deleteShm() {
        XdpTestSupport.deleteTree(shm);
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
    protected String vethPrefix() {
        return "axp";
    }

    @Override
    protected Port openPort(String iface, PortContext context) throws Exception {
        return new AfXdpPortFactory().open(PortSpec.parse("p0=afxdp:" + iface), context);
    }

    /** A few frames per pump: XDP drops what finds no fill-ring buffer, so never outrun the ring. */
    @Override
    protected int pumpBudget() {
        return 8;
    }
}

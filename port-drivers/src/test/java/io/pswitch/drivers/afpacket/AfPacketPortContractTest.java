package io.pswitch.drivers.afpacket;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.veth.VethPortContractTest;
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
public class AfPacketPortContractTest extends VethPortContractTest {
    @BeforeAll
    static void needsRootAndVeth() {
        AfPacketAssumptions.assumeUsable();
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
    protected String vethPrefix() {
        return "apk";
    }

    @Override
    protected Port openPort(String iface, PortContext context) throws Exception {
        return new AfPacketPortFactory().open(PortSpec.parse("p0=afpacket:" + iface + options()), context);
    }
}

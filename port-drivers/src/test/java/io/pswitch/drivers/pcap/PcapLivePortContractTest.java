package io.pswitch.drivers.pcap;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.veth.VethPair;
import io.pswitch.drivers.veth.VethPortContractTest;
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
class PcapLivePortContractTest extends VethPortContractTest {
    @BeforeAll
    static void needsRootAndVeth() {
        VethPair.assumeUsable("live pcap tests");
    }

    @Override
    protected boolean txBackPressure() {
        return false;
    }

    @Override
    protected String vethPrefix() {
        return "psw";
    }

    @Override
    protected Port openPort(String iface, PortContext context) throws Exception {
        return new PcapLivePortFactory().open(PortSpec.parse("p0=pcap:" + iface), context);
    }
}

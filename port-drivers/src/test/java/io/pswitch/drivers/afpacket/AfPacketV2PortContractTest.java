package io.pswitch.drivers.afpacket;

/** The driver contract for afpacket ports with the {@code TPACKET_V2} receive ring ({@code rx=v2}). */
class AfPacketV2PortContractTest extends AfPacketPortContractTest {
    @Override
    protected String options() {
        return ",rx=v2";
    }
}

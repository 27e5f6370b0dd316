package io.pswitch.dataplane.fdb;

import io.pswitch.dataplane.frame.EthernetFrame;

/**
 * One learned station, as copied out of the {@link ForwardingTable} on the dataplane thread for the
 * control plane (cold path).
 *
 * @param mac the 48-bit address in wire order
 * @param vlan the outer VID it was learned on (0 = untagged)
 * @param port the index of the port it was learned on
 * @param ageNs time since a frame from it was last seen
 */
public record FdbEntry(long mac, int vlan, int port, long ageNs) {
    public String macString() {
        return EthernetFrame.macToString(mac);
    }
}

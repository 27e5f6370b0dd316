package io.pswitch.tools.gen;

import io.pswitch.tools.wire.Wire;
import java.util.List;

/**
 * What a {@link TrafficGenerator} sends and where.
 *
 * @param txPorts shm ports to send from
 * @param rxPorts shm ports to count arrivals on (may be empty)
 * @param size frame length in bytes (without FCS)
 * @param count frames to send in total, 0 = no limit
 * @param durationNs how long to send, 0 = no limit (at least one of count and duration is set)
 * @param ratePps total frames per second over all TX ports, 0 = as fast as possible
 * @param flows distinct flows (MAC pair, IP pair, UDP ports)
 * @param srcMac base source MAC (incremented per TX port and flow)
 * @param dstMac base destination MAC (incremented per flow)
 * @param vlan 802.1Q VLAN id, or -1 for untagged
 * @param srcIp base source IPv4 address
 * @param dstIp base destination IPv4 address
 * @param batch most frames per port per duty cycle
 * @param learn before sending, make each RX port announce the destination MACs so the switch learns them
 */
public record GenConfig(List<String> txPorts, List<String> rxPorts, int size, long count, long durationNs, long ratePps,
        int flows, long srcMac, long dstMac, int vlan, int srcIp, int dstIp, int batch, boolean learn) {
    /** Magic, sequence number, send timestamp. */
    public static final int PAYLOAD_STAMP = 4 + 8 + 8;
    public static final int MIN_SIZE = 64;

    public GenConfig {
        txPorts = List.copyOf(txPorts);
        rxPorts = List.copyOf(rxPorts);
        if (txPorts.isEmpty()) {
            throw new IllegalArgumentException("give at least one --tx port to send from");
        }
        int min = Math.max(MIN_SIZE, headerLength(vlan) + PAYLOAD_STAMP);
        if (size < min) {
            throw new IllegalArgumentException("--size " + size + " is below the minimum of " + min + " bytes");
        }
        if (count < 0 || durationNs < 0 || ratePps < 0) {
            throw new IllegalArgumentException("--count, --duration and --rate must not be negative");
        }
        if (count == 0 && durationNs == 0) {
            throw new IllegalArgumentException("give --count or --duration");
        }
        if (flows < 1 || flows > 1_000_000) {
            throw new IllegalArgumentException("--flows " + flows + " must be between 1 and 1000000");
        }
        if (vlan < -1 || vlan > 4094 || vlan == 0) {
            throw new IllegalArgumentException("--vlan " + vlan + " must be between 1 and 4094");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch " + batch + " must be at least 1");
        }
    }

    /** Ethernet (+ tag) + IPv4 + UDP. */
    public static int headerLength(int vlan) {
        return (vlan >= 0 ? Wire.ETHER_HEADER + Wire.VLAN_TAG : Wire.ETHER_HEADER) + Wire.IPV4_HEADER + Wire.UDP_HEADER;
    }

    public int payloadOffset() {
        return headerLength(vlan);
    }
}

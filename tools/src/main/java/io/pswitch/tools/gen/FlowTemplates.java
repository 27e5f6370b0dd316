package io.pswitch.tools.gen;

import io.pswitch.tools.wire.MacAddress;
import io.pswitch.tools.wire.Wire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One prebuilt Ethernet/IPv4/UDP frame per (TX port, flow), so that sending copies a template and
 * patches only the sequence number and timestamp. The IPv4 checksum is computed once here (the
 * header does not change per frame); the UDP checksum is 0 ("none", RFC 768), which stays valid
 * when the payload is patched.
 */
final class FlowTemplates {
    static final int MAGIC = 0x50535747; // "PSWG"

    private final MemorySegment templates;
    private final int size;
    private final int flows;

    FlowTemplates(GenConfig config, Arena arena) {
        this.size = config.size();
        this.flows = config.flows();
        int ports = config.txPorts().size();
        this.templates = arena.allocate((long) ports * flows * size, 64);
        for (int p = 0; p < ports; p++) {
            for (int f = 0; f < flows; f++) {
                build(config, p, f, offset(p, f));
            }
        }
    }

    static long srcMac(GenConfig c, int port, int flow) {
        return MacAddress.plus(c.srcMac(), (long) port * c.flows() + flow);
    }

    static long dstMac(GenConfig c, int flow) {
        return MacAddress.plus(c.dstMac(), flow);
    }

    private void build(GenConfig c, int port, int flow, long off) {
        int l2 = Wire.etherHeader(templates, off, dstMac(c, flow), srcMac(c, port, flow), c.vlan(), Wire.ETHERTYPE_IPV4);
        int ipLength = size - l2;
        int src = c.srcIp() + port * c.flows() + flow;
        int dst = c.dstIp() + flow;
        Wire.ipv4Header(templates, off + l2, ipLength, 0, Wire.PROTO_UDP, src, dst);
        long udp = off + l2 + Wire.IPV4_HEADER;
        Wire.u16(templates, udp, 1024 + (port * c.flows() + flow) % 60000);
        Wire.u16(templates, udp + 2, 10000 + flow % 50000);
        Wire.u16(templates, udp + 4, ipLength - Wire.IPV4_HEADER);
        Wire.u16(templates, udp + 6, 0);
        long payload = udp + Wire.UDP_HEADER;
        Wire.u32(templates, payload, MAGIC);
        for (long i = payload + GenConfig.PAYLOAD_STAMP; i < off + size; i++) {
            Wire.u8(templates, i, (int) i);
        }
    }

    long offset(int port, int flow) {
        return ((long) port * flows + flow) * size;
    }

    MemorySegment segment() {
        return templates;
    }
}

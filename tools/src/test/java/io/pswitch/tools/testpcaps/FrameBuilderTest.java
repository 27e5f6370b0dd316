package io.pswitch.tools.testpcaps;

import static io.pswitch.tools.testpcaps.FrameBuilder.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FrameBuilderTest {
    private static final byte[] A = mac("02:00:00:00:00:01");
    private static final byte[] B = mac("02:00:00:00:00:02");

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | (f[at + 1] & 0xff);
    }

    /** Sum of a region including its checksum field folds to 0xffff (checksum() of it is 0). */
    private static void assertChecksumVerifies(byte[] f, int off, int len, int pseudo) {
        assertThat(checksum(f, off, len, pseudo)).isZero();
    }

    private static int pseudo4(byte[] f, int ip, int proto, int len) {
        int s = 0;
        for (int i = 12; i < 20; i += 2) {
            s += u16(f, ip + i);
        }
        return s + proto + len;
    }

    @Test
    void buildsAnIpv4UdpFrameWithLengthsAndChecksums() {
        byte[] f = ethernet(B, A).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).udp(1234, 53).payload(31).build();
        assertThat(f).hasSize(14 + 20 + 8 + 31);
        assertThat(u16(f, 12)).isEqualTo(ETHERTYPE_IPV4);
        assertThat(f[14 + 9]).isEqualTo((byte) IPPROTO_UDP);
        assertThat(u16(f, 16)).as("IPv4 total length").isEqualTo(59);
        assertThat(u16(f, 38)).as("UDP length").isEqualTo(39);
        assertChecksumVerifies(f, 14, 20, 0);
        assertChecksumVerifies(f, 34, 39, pseudo4(f, 14, IPPROTO_UDP, 39));
    }

    @Test
    void padsShortFramesToSixtyBytesOutsideTheLengths() {
        byte[] f = ethernet(B, A).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(1, 2, 100, 0, TCP_SYN, 1000).build();
        assertThat(f).hasSize(60);
        assertThat(u16(f, 16)).isEqualTo(40);
        assertThat(f[47]).as("TCP flags").isEqualTo((byte) TCP_SYN);
        assertChecksumVerifies(f, 34, 20, pseudo4(f, 14, IPPROTO_TCP, 20));
        assertThat(ethernet(B, A, 0x88b5).minLength(0).build()).hasSize(14);
    }

    @Test
    void chainsVlanTagTypesToTheLayerThatFollows() {
        byte[] f = ethernet(BROADCAST, A).vlan(ETHERTYPE_QINQ, 0, 100).vlan(ETHERTYPE_VLAN, 5, 10)
                .arp(ARP_REQUEST, A, ip("10.0.0.1"), ZERO_MAC, ip("10.0.0.2")).build();
        assertThat(u16(f, 12)).isEqualTo(0x88a8);
        assertThat(u16(f, 14)).isEqualTo(100);
        assertThat(u16(f, 16)).isEqualTo(0x8100);
        assertThat(u16(f, 18)).isEqualTo(5 << 13 | 10);
        assertThat(u16(f, 20)).isEqualTo(ETHERTYPE_ARP);
        assertThat(u16(f, 22 + 6)).as("ARP op").isEqualTo(ARP_REQUEST);
    }

    @Test
    void computesIcmpv6ChecksumsOverTheIpv6PseudoHeader() {
        byte[] f = ethernet(B, A).ipv6(ip("2001:db8::1"), ip("2001:db8::2")).icmpv6Echo(true, 1, 1).payload(10).build();
        assertThat(u16(f, 12)).isEqualTo(ETHERTYPE_IPV6);
        assertThat(u16(f, 18)).as("payload length").isEqualTo(18);
        assertThat(f[20]).isEqualTo((byte) IPPROTO_ICMPV6);
        int pseudo = 0;
        for (int i = 22; i < 54; i += 2) {
            pseudo += u16(f, i);
        }
        assertChecksumVerifies(f, 54, 18, pseudo + 18 + IPPROTO_ICMPV6);
    }

    @Test
    void buildsIpv4FragmentsWithOffsetsAndFlags() {
        byte[] f = ethernet(B, A).ipv4Fragment(ip("10.0.0.1"), ip("10.0.0.2"), 7, IPPROTO_UDP, 1480, true).payload(16).build();
        assertThat(u16(f, 14 + 6)).isEqualTo(0x2000 | 1480 / 8);
        assertThat(f[14 + 9]).isEqualTo((byte) IPPROTO_UDP);
        assertThatThrownBy(() -> ethernet(B, A).ipv4Fragment(ip("10.0.0.1"), ip("10.0.0.2"), 7, 17, 5, true))
                .hasMessageContaining("not a multiple of 8");
    }

    @Test
    void refusesBadAddressesAndUnknownTypes() {
        assertThatThrownBy(() -> mac("02:00")).hasMessageContaining("is not a MAC address");
        assertThatThrownBy(() -> ethernet(B, A).ipv4(ip("2001:db8::1"), ip("10.0.0.1"))).hasMessageContaining("IPv4 address must be 4 bytes");
        assertThatThrownBy(() -> ethernet(B, A).payload(10).build()).hasMessageContaining("cannot tell the EtherType");
    }
}

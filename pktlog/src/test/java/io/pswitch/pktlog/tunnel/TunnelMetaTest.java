package io.pswitch.pktlog.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TunnelMetaTest {
    @Test
    void encodesVniAndSourceAtTheDocumentedBits() {
        long m = TunnelMeta.encode(0x123456, 0xC0A80A01);
        assertThat(m).isEqualTo(0x0112_3456_C0A8_0A01L);
        assertThat(TunnelMeta.present(m)).isTrue();
        assertThat(TunnelMeta.vni(m)).isEqualTo(0x123456);
        assertThat(TunnelMeta.ipv4Source(m)).isEqualTo(0xC0A80A01);
        assertThat(TunnelMeta.ipv4SourceText(m)).isEqualTo("192.168.10.1");
        assertThat(TunnelMeta.toString(m)).isEqualTo("vni 1193046 from 192.168.10.1");
        assertThat(TunnelMeta.isValid(m)).isTrue();
    }

    @Test
    void noTunnelIsZeroAndVniZeroFromNowhereIsStillATunnel() {
        assertThat(TunnelMeta.present(TunnelMeta.NONE)).isFalse();
        assertThat(TunnelMeta.toString(TunnelMeta.NONE)).isEqualTo("no tunnel");
        long zero = TunnelMeta.encode(0, 0);
        assertThat(zero).isNotEqualTo(TunnelMeta.NONE);
        assertThat(TunnelMeta.present(zero)).isTrue();
        assertThat(TunnelMeta.isValid(zero)).isTrue();
    }

    @Test
    void extremesDoNotSpillIntoOtherFields() {
        long m = TunnelMeta.encode(TunnelMeta.MAX_VNI, 0xFFFF_FFFF);
        assertThat(TunnelMeta.vni(m)).isEqualTo(TunnelMeta.MAX_VNI);
        assertThat(TunnelMeta.ipv4SourceText(m)).isEqualTo("255.255.255.255");
        assertThat(m & TunnelMeta.RESERVED_MASK).isZero();
        assertThat(TunnelMeta.vni(TunnelMeta.encode(0x1_000_001, 0))).as("a VNI wider than 24 bits is cut").isEqualTo(1);
    }

    @Test
    void valuesWithReservedBitsOrWithoutThePresentBitAreNotValid() {
        long m = TunnelMeta.encode(5, 0x0a000001);
        assertThat(TunnelMeta.isValid(m | (1L << 57))).isFalse();
        assertThat(TunnelMeta.isValid(m | Long.MIN_VALUE)).isFalse();
        assertThat(TunnelMeta.isValid(m & ~TunnelMeta.PRESENT_BIT)).isFalse();
    }
}

package io.pswitch.dataplane.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EthernetFrameTest {
    private static final long OFFSET = 100; // frames sit at an offset inside a larger segment, like pool buffers

    private static MemorySegment at(byte[] frame) {
        MemorySegment seg = Arena.ofAuto().allocate(OFFSET + 256);
        MemorySegment.copy(frame, 0, seg, ValueLayout.JAVA_BYTE, OFFSET, frame.length);
        return seg;
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void readsBothMacsInWireOrder() {
        MemorySegment seg = at(hex("0180c2000003 02aabbccddee 0800 4500"));
        assertThat(EthernetFrame.dst(seg, OFFSET)).isEqualTo(0x0180c2000003L);
        assertThat(EthernetFrame.src(seg, OFFSET)).isEqualTo(0x02aabbccddeeL);
        assertThat(EthernetFrame.macToString(EthernetFrame.src(seg, OFFSET))).isEqualTo("02:aa:bb:cc:dd:ee");
    }

    @Test
    void classifiesGroupBroadcastAndLinkLocalAddresses() {
        assertThat(EthernetFrame.isGroup(0xffffffffffffL)).isTrue();
        assertThat(EthernetFrame.isBroadcast(0xffffffffffffL)).isTrue();
        assertThat(EthernetFrame.isGroup(0x01005e000001L)).isTrue();
        assertThat(EthernetFrame.isGroup(0x333300000001L)).isTrue();
        assertThat(EthernetFrame.isGroup(0x020000000001L)).isFalse();
        assertThat(EthernetFrame.isGroup(0x000000000000L)).isFalse();
        assertThat(EthernetFrame.isLinkLocal(0x0180c2000000L)).isTrue();
        assertThat(EthernetFrame.isLinkLocal(0x0180c200000fL)).isTrue();
        assertThat(EthernetFrame.isLinkLocal(0x0180c2000010L)).as("01:80:c2:00:00:10 is outside the reserved block").isFalse();
        assertThat(EthernetFrame.isLinkLocal(0x0180c3000000L)).isFalse();
    }

    @Test
    void parsesAnUntaggedFrame() {
        byte[] f = hex("ffffffffffff 020000000001 0806 0001");
        long parsed = EthernetFrame.parse(at(f), OFFSET, f.length);
        assertThat(EthernetFrame.headerLength(parsed)).isEqualTo(14);
        assertThat(EthernetFrame.outerVid(parsed)).isZero();
        assertThat(EthernetFrame.innerEtherType(parsed)).isEqualTo(0x0806);
    }

    @Test
    void parsesAn8021qTagAndIgnoresItsPriorityBits() {
        byte[] f = hex("ffffffffffff 020000000001 8100 e00a 0800 4500");
        long parsed = EthernetFrame.parse(at(f), OFFSET, f.length);
        assertThat(EthernetFrame.headerLength(parsed)).isEqualTo(18);
        assertThat(EthernetFrame.outerVid(parsed)).isEqualTo(10);
        assertThat(EthernetFrame.innerEtherType(parsed)).isEqualTo(0x0800);
    }

    @Test
    void usesTheOuterVidOfStackedTags() {
        byte[] f = hex("ffffffffffff 020000000001 88a8 0064 8100 0005 86dd 6000");
        long parsed = EthernetFrame.parse(at(f), OFFSET, f.length);
        assertThat(EthernetFrame.headerLength(parsed)).isEqualTo(22);
        assertThat(EthernetFrame.outerVid(parsed)).isEqualTo(100);
        assertThat(EthernetFrame.innerEtherType(parsed)).isEqualTo(0x86dd);
    }

    @Test
    void treatsAPriorityTagAsUntagged() {
        byte[] f = hex("ffffffffffff 020000000001 8100 a000 0800 4500");
        long parsed = EthernetFrame.parse(at(f), OFFSET, f.length);
        assertThat(EthernetFrame.outerVid(parsed)).isZero();
        assertThat(EthernetFrame.headerLength(parsed)).isEqualTo(18);
    }

    @Test
    void reportsRuntsShorterThanTheHeaderOrTheirTags() {
        byte[] thirteen = hex("ffffffffffff 020000000001 08");
        assertThat(EthernetFrame.parse(at(thirteen), OFFSET, thirteen.length)).isEqualTo(EthernetFrame.RUNT);
        byte[] tagCut = hex("ffffffffffff 020000000001 8100 000a 08");
        assertThat(EthernetFrame.parse(at(tagCut), OFFSET, tagCut.length)).isEqualTo(EthernetFrame.RUNT);
        byte[] innerTagCut = hex("ffffffffffff 020000000001 88a8 0064 8100 00");
        assertThat(EthernetFrame.parse(at(innerTagCut), OFFSET, innerTagCut.length)).isEqualTo(EthernetFrame.RUNT);
        byte[] exactlyFourteen = hex("ffffffffffff 020000000001 0800");
        assertThat(EthernetFrame.parse(at(exactlyFourteen), OFFSET, 14)).isNotEqualTo(EthernetFrame.RUNT);
    }

    @Test
    void parsesAndPrintsMacText() {
        assertThat(EthernetFrame.parseMac("02:AA:bb:cc:dd:0e")).isEqualTo(0x02aabbccdd0eL);
        assertThat(EthernetFrame.parseMac("02-aa-bb-cc-dd-0e")).isEqualTo(0x02aabbccdd0eL);
        assertThat(EthernetFrame.macToString(0x02aabbccdd0eL)).isEqualTo("02:aa:bb:cc:dd:0e");
        assertThatThrownBy(() -> EthernetFrame.parseMac("02:aa:bb:cc:dd")).hasMessageContaining("'02:aa:bb:cc:dd'");
        assertThatThrownBy(() -> EthernetFrame.parseMac("02:aa:bb:cc:dd:zz")).isInstanceOf(IllegalArgumentException.class);
    }
}

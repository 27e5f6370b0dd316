package io.pswitch.pktlog.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapngRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void readsBackInterfacesPacketsAndComments() throws Exception {
        Path file = tmp.resolve("out.pcapng");
        try (PcapngWriter w = PcapngWriter.create(file)) {
            assertThat(w.addInterface("p0")).isZero();
            assertThat(w.addInterface("veth-a")).isEqualTo(1);
            w.write(0, 1_700_000_000_123_456_789L, RawCapture.frame(61, 1), null);
            w.write(1, 1_700_000_000_123_456_790L, RawCapture.frame(1514, 2), "matched filter http");
            w.write(0, 3L, RawCapture.frame(7, 3), "");
        }
        try (CaptureReader r = CaptureReader.open(file)) {
            assertThat(r).isInstanceOf(PcapngReader.class);
            PcapngReader ng = (PcapngReader) r;
            assertThat(r.firstLinkType()).isEqualTo(LinkType.ETHERNET);
            assertThat(r.interfaceCount()).isEqualTo(2);
            assertThat(r.interfaceName(0)).isEqualTo("p0");
            assertThat(r.interfaceName(1)).isEqualTo("veth-a");
            assertThat(ng.interfaceTsresol(1)).isEqualTo(9);

            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(1_700_000_000_123_456_789L);
            assertThat(r.interfaceIndex()).isZero();
            assertThat(r.data()).isEqualTo(RawCapture.frame(61, 1));
            assertThat(ng.comment()).isNull();

            assertThat(r.next()).isTrue();
            assertThat(r.interfaceIndex()).isEqualTo(1);
            assertThat(r.linkType()).isEqualTo(1);
            assertThat(r.timestampNs()).isEqualTo(1_700_000_000_123_456_790L);
            assertThat(r.data()).isEqualTo(RawCapture.frame(1514, 2));
            assertThat(ng.comment()).isEqualTo("matched filter http");

            assertThat(r.next()).isTrue();
            assertThat(r.capturedLength()).isEqualTo(7);
            assertThat(r.timestampNs()).isEqualTo(3L);
            assertThat(r.next()).isFalse();
            assertThat(ng.sections()).isEqualTo(1);
        }
    }

    @Test
    void readsBigEndianSectionsWithMicrosecondDefaultAndPowerOfTwoResolutions() throws Exception {
        RawCapture raw = new RawCapture(ByteOrder.BIG_ENDIAN).shb()
                .idb(1, 0, "eth0", -1)          // default: microseconds
                .idb(1, 0, "eth1", 0x80 | 10)   // 2^-10 s
                .idb(1, 0, null, 3)             // milliseconds
                .epb(0, 1_500_000L, RawCapture.frame(60, 1), 60)
                .epb(1, (5L << 10) | 512, RawCapture.frame(60, 2), 60)
                .epb(2, 2_500L, RawCapture.frame(60, 3), 60);
        try (CaptureReader r = CaptureReader.open(raw.write(tmp.resolve("be.pcapng")))) {
            assertThat(r.interfaceCount()).isEqualTo(3);
            assertThat(r.interfaceName(2)).isNull();
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(1_500_000_000L);
            assertThat(r.next()).isTrue();
            assertThat(r.interfaceIndex()).isEqualTo(1);
            assertThat(r.timestampNs()).isEqualTo(5_500_000_000L);
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(2_500_000_000L);
            assertThat(r.next()).isFalse();
        }
    }

    @Test
    void startsANewSectionWithItsOwnByteOrderAndInterfaces() throws Exception {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, "a", 9)
                .epb(0, 10, RawCapture.frame(60, 1), 60)
                .order(ByteOrder.BIG_ENDIAN).shb().idb(113, 0, "b", 9).idb(1, 0, "c", 9)
                .epb(1, 20, RawCapture.frame(70, 2), 70)
                .epb(0, 30, RawCapture.frame(80, 3), 80);
        try (PcapngReader r = (PcapngReader) CaptureReader.open(raw.write(tmp.resolve("two.pcapng")))) {
            assertThat(r.next()).isTrue();
            assertThat(r.interfaceName(0)).isEqualTo("a");
            assertThat(r.next()).isTrue();
            assertThat(r.sections()).isEqualTo(2);
            assertThat(r.interfaceCount()).isEqualTo(2);
            assertThat(r.interfaceIndex()).isEqualTo(1);
            assertThat(r.linkType()).isEqualTo(1);
            assertThat(r.interfaceName(1)).isEqualTo("c");
            assertThat(r.data()).isEqualTo(RawCapture.frame(70, 2));
            assertThat(r.next()).isTrue();
            assertThat(r.linkType()).isEqualTo(113);
            assertThat(r.timestampNs()).isEqualTo(30);
            assertThat(r.next()).isFalse();
            assertThat(r.firstLinkType()).isEqualTo(1);
        }
    }

    @Test
    void skipsUnknownBlocksAndReadsSimplePacketBlocks() throws Exception {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 64, "x", 9)
                .i32(0x00000BAD).i32(20).i32(1).i32(2).i32(20)       // unknown block type
                .epb(0, 77, RawCapture.frame(60, 1), 60);
        int spb = raw.position();
        raw.i32(3).i32(0).i32(100).bytes(RawCapture.frame(64, 2)).i32(0);
        raw.putAt(spb + 4, raw.position() - spb).putAt(raw.position() - 4, raw.position() - spb);
        try (CaptureReader r = CaptureReader.open(raw.write(tmp.resolve("spb.pcapng")))) {
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(77);
            assertThat(r.next()).isTrue();
            assertThat(r.capturedLength()).as("SPB caplen = min(wire length, snaplen)").isEqualTo(64);
            assertThat(r.wireLength()).isEqualTo(100);
            assertThat(r.timestampNs()).as("an SPB keeps the previous timestamp").isEqualTo(77);
            assertThat(r.data()).isEqualTo(RawCapture.frame(64, 2));
            assertThat(r.next()).isFalse();
        }
    }

    @Test
    void reportsTheFirstLinkTypeOfACaptureWithoutPackets() throws Exception {
        Path file = tmp.resolve("empty.pcapng");
        try (PcapngWriter w = PcapngWriter.create(file)) {
            w.addInterface("sll", LinkType.LINUX_SLL, 65535);
        }
        try (CaptureReader r = CaptureReader.open(file)) {
            assertThat(r.firstLinkType()).isEqualTo(113);
            assertThat(r.next()).isFalse();
        }
    }
}

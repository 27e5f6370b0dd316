package io.pswitch.pktlog.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void readsBackWhatTheWriterWroteWithNanosecondTimestamps() throws Exception {
        Path file = tmp.resolve("out.pcap");
        byte[][] frames = {RawCapture.frame(60, 1), RawCapture.frame(1514, 2), RawCapture.frame(9000, 3), RawCapture.frame(8, 4)};
        long[] ts = {1_700_000_000_123_456_789L, 1_700_000_000_123_456_790L, 1_700_000_001_000_000_000L, 5L};
        try (PcapWriter w = PcapWriter.create(file)) {
            for (int i = 0; i < frames.length; i++) {
                w.write(ts[i], frames[i]);
            }
            assertThat(w.records()).isEqualTo(4);
        }
        assertThat(Files.size(file)).isEqualTo(24 + 4 * 16 + 60 + 1514 + 9000 + 8);
        try (CaptureReader r = CaptureReader.open(file)) {
            assertThat(r).isInstanceOf(PcapReader.class);
            assertThat(((PcapReader) r).nanosecondTimestamps()).isTrue();
            assertThat(((PcapReader) r).snaplen()).isEqualTo(262144);
            assertThat(r.firstLinkType()).isEqualTo(LinkType.ETHERNET);
            for (int i = 0; i < frames.length; i++) {
                assertThat(r.next()).isTrue();
                assertThat(r.timestampNs()).isEqualTo(ts[i]);
                assertThat(r.capturedLength()).isEqualTo(frames[i].length);
                assertThat(r.wireLength()).isEqualTo(frames[i].length);
                assertThat(r.linkType()).isEqualTo(1);
                assertThat(r.interfaceIndex()).isZero();
                assertThat(r.data()).isEqualTo(frames[i]);
            }
            assertThat(r.next()).isFalse();
            assertThat(r.next()).as("end stays end").isFalse();
        }
    }

    @Test
    void readsBigEndianMicrosecondFiles() throws Exception {
        Path file = new RawCapture(ByteOrder.BIG_ENDIAN)
                .pcapHeader(0xa1b2c3d4, 2, 4, 65535, 1)
                .pcapRecord(1000, 999_999, RawCapture.frame(60, 1), 64)
                .pcapRecord(1001, 1, RawCapture.frame(100, 2), 100)
                .write(tmp.resolve("be.pcap"));
        try (PcapReader r = (PcapReader) CaptureReader.open(file)) {
            assertThat(r.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
            assertThat(r.nanosecondTimestamps()).isFalse();
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(1000_999_999_000L);
            assertThat(r.capturedLength()).isEqualTo(60);
            assertThat(r.wireLength()).isEqualTo(64);
            assertThat(r.data()).isEqualTo(RawCapture.frame(60, 1));
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(1001_000_001_000L);
            assertThat(r.next()).isFalse();
        }
    }

    @Test
    void readsLittleEndianMicrosecondAndBigEndianNanosecondFiles() throws Exception {
        Path le = new RawCapture(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 2, 4, 65535, 1)
                .pcapRecord(7, 5, RawCapture.frame(20, 1), 20).write(tmp.resolve("le.pcap"));
        Path beNano = new RawCapture(ByteOrder.BIG_ENDIAN).pcapHeader(0xa1b23c4d, 2, 4, 65535, 1)
                .pcapRecord(7, 5, RawCapture.frame(20, 1), 20).write(tmp.resolve("be-nano.pcap"));
        try (CaptureReader r = CaptureReader.open(le)) {
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(7_000_005_000L);
        }
        try (CaptureReader r = CaptureReader.open(beNano)) {
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(7_000_000_005L);
        }
    }

    @Test
    void streamsManyRecordsThroughTheBoundedReadBuffer() throws Exception {
        Path file = tmp.resolve("many.pcap");
        int n = 3000;
        try (PcapWriter w = PcapWriter.create(file)) {
            for (int i = 0; i < n; i++) {
                w.write(i, RawCapture.frame(60 + (i * 37) % 1400, i));
            }
        }
        try (CaptureReader r = CaptureReader.open(file)) {
            for (int i = 0; i < n; i++) {
                assertThat(r.next()).isTrue();
                assertThat(r.timestampNs()).isEqualTo(i);
                assertThat(r.data()).isEqualTo(RawCapture.frame(60 + (i * 37) % 1400, i));
            }
            assertThat(r.next()).isFalse();
        }
    }

    @Test
    void writesToStreamsAndReadsFromChannels() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapWriter w = PcapWriter.to("memory", bytes)) {
            w.write(42, RawCapture.frame(64, 9));
        }
        try (CaptureReader r = CaptureReader.open("memory", Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())))) {
            assertThat(r.next()).isTrue();
            assertThat(r.data()).isEqualTo(RawCapture.frame(64, 9));
        }
    }

    @Test
    void cutsFramesLongerThanTheSnaplenKeepingTheWireLength() throws Exception {
        Path file = tmp.resolve("snap.pcap");
        try (PcapWriter w = PcapWriter.create(file, LinkType.ETHERNET, 100)) {
            w.write(1, RawCapture.frame(300, 1));
        }
        try (CaptureReader r = CaptureReader.open(file)) {
            assertThat(r.next()).isTrue();
            assertThat(r.capturedLength()).isEqualTo(100);
            assertThat(r.wireLength()).isEqualTo(300);
        }
    }
}

package io.pswitch.pktlog.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per refusal: each names the file, the byte offset and the problem. */
class CaptureFormatErrorsTest {
    @TempDir
    Path tmp;

    private CaptureFormatException readAll(Path file) {
        return catchThrowableOfType(CaptureFormatException.class, () -> {
            try (CaptureReader r = CaptureReader.open(file)) {
                while (r.next()) {
                    // read to the end or the error
                }
            }
        });
    }

    private Path validPcap(int records) throws IOException {
        Path file = tmp.resolve("valid.pcap");
        try (PcapWriter w = PcapWriter.create(file)) {
            for (int i = 0; i < records; i++) {
                w.write(i, RawCapture.frame(100, i));
            }
        }
        return file;
    }

    private Path cut(Path file, int length) throws IOException {
        Path out = tmp.resolve("cut-" + length);
        Files.write(out, Arrays.copyOf(Files.readAllBytes(file), length));
        return out;
    }

    @Test
    void refusesAMissingFile() {
        CaptureFormatException e = readAll(tmp.resolve("nope.pcap"));
        assertThat(e.getMessage()).contains("nope.pcap").contains("no such file");
    }

    @Test
    void refusesAnEmptyFile() throws IOException {
        CaptureFormatException e = readAll(Files.write(tmp.resolve("empty.pcap"), new byte[0]));
        assertThat(e.getMessage()).contains("empty.pcap").contains("empty file");
    }

    @Test
    void refusesABadMagic() throws IOException {
        CaptureFormatException e = readAll(Files.writeString(tmp.resolve("text.pcap"), "hello, world, this is text"));
        assertThat(e.offset()).isZero();
        assertThat(e.getMessage()).contains("text.pcap").contains("bad magic 0x68656c6c");
    }

    @Test
    void refusesATruncatedGlobalHeader() throws IOException {
        CaptureFormatException e = readAll(cut(validPcap(1), 10));
        assertThat(e.getMessage()).contains("truncated pcap global header");
    }

    @Test
    void refusesAnUnsupportedPcapVersion() throws IOException {
        Path file = new RawCapture(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 1, 4, 65535, 1).write(tmp.resolve("v1.pcap"));
        CaptureFormatException e = readAll(file);
        assertThat(e.problem()).startsWith("unsupported pcap version 1.4");
        assertThat(e.offset()).isEqualTo(4);
    }

    @Test
    void refusesATruncatedRecordHeaderAndKeepsTheRecordsBefore() throws IOException {
        Path file = cut(validPcap(2), 24 + 116 + 10);
        int[] seen = {0};
        CaptureFormatException e = catchThrowableOfType(CaptureFormatException.class, () -> {
            try (CaptureReader r = CaptureReader.open(file)) {
                while (r.next()) {
                    seen[0]++;
                }
            }
        });
        assertThat(seen[0]).isEqualTo(1);
        assertThat(e.offset()).isEqualTo(24 + 116);
        assertThat(e.problem()).contains("truncated record header: 10 of 16 bytes");
    }

    @Test
    void refusesATruncatedRecord() throws IOException {
        CaptureFormatException e = readAll(cut(validPcap(1), 24 + 16 + 50));
        assertThat(e.offset()).isEqualTo(24);
        assertThat(e.problem()).isEqualTo("truncated record: caplen 100 but only 50 bytes before end of file");
    }

    @Test
    void refusesACaplenBeyondTheLimitWithoutAllocatingIt() throws IOException {
        Path file = new RawCapture(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 2, 4, 65535, 1)
                .i32(1).i32(0).i32(0x7fff_0000).i32(0x7fff_0000).write(tmp.resolve("huge.pcap"));
        CaptureFormatException e = readAll(file);
        assertThat(e.problem()).contains("caplen 2147418112 is larger than the limit of 262144 bytes");
        Path negative = new RawCapture(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 2, 4, 65535, 1)
                .i32(1).i32(0).i32(-1).i32(-1).write(tmp.resolve("neg.pcap"));
        assertThat(readAll(negative).problem()).contains("caplen 4294967295 is larger than the limit");
    }

    @Test
    void refusesAPcapngBlockLengthMismatch() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, "a", 9);
        int epb = raw.position();
        raw.epb(0, 1, RawCapture.frame(60, 1), 60);
        raw.putAt(raw.position() - 4, 1234);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("mismatch.pcapng")));
        assertThat(e.problem()).isEqualTo("block length mismatch: header says 92, trailer says 1234");
        assertThat(e.offset()).isEqualTo(epb + 88);
    }

    @Test
    void refusesAPcapngBlockLengthThatIsNotAMultipleOfFour() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().i32(1).i32(21).i32(0).i32(0).i32(0).i32(21);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("odd.pcapng")));
        assertThat(e.problem()).contains("block total length 21 is not a multiple of 4");
        assertThat(e.offset()).isEqualTo(28 + 4);
    }

    @Test
    void refusesAPcapngBlockLongerThanTheLimit() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().i32(6).i32(0x4000_0000).i32(0);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("long.pcapng")));
        assertThat(e.problem()).contains("block total length 1073741824 is larger than the limit");
    }

    @Test
    void refusesATruncatedPcapngBlock() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, "a", 9).epb(0, 1, RawCapture.frame(60, 1), 60);
        Path whole = raw.write(tmp.resolve("whole.pcapng"));
        CaptureFormatException e = readAll(cut(whole, (int) Files.size(whole) - 8));
        assertThat(e.problem()).isEqualTo("truncated block: length 92 but only 84 bytes before end of file");
    }

    @Test
    void refusesAnOptionThatRunsPastItsBlock() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb();
        raw.i32(1).i32(28).i16(1).i16(0).i32(0).i16(2).i16(200).i32(0).i32(28);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("opt.pcapng")));
        assertThat(e.problem()).startsWith("option 2 of length 200 runs past the end of its block");
    }

    @Test
    void refusesAPacketForAnInterfaceThatWasNotDescribed() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, "a", 9).epb(3, 1, RawCapture.frame(60, 1), 60);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("ifx.pcapng")));
        assertThat(e.problem()).isEqualTo("packet for interface 3 but the section describes 1 interface(s)");
    }

    @Test
    void refusesACapturedLengthThatDoesNotFitItsBlock() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, "a", 9);
        int epb = raw.position();
        raw.epb(0, 1, RawCapture.frame(60, 1), 60);
        raw.putAt(epb + 20, 500);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("fit.pcapng")));
        assertThat(e.problem()).isEqualTo("captured length 500 does not fit a block of length 92");
    }

    @Test
    void refusesABadByteOrderMagic() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb();
        raw.putAt(8, 0x11223344);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("bom.pcapng")));
        assertThat(e.problem()).contains("bad byte-order magic");
        assertThat(e.offset()).isEqualTo(8);
    }

    @Test
    void refusesAnUnsupportedPcapngVersion() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).i32(0x0A0D0D0A).i32(28).i32(0x1A2B3C4D).i16(2).i16(0).i64(-1).i32(28);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("v2.pcapng")));
        assertThat(e.problem()).isEqualTo("unsupported pcapng version 2.0");
    }

    @Test
    void refusesAnUnsupportedTimestampResolution() throws IOException {
        RawCapture raw = new RawCapture(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, "a", 40);
        CaptureFormatException e = readAll(raw.write(tmp.resolve("res.pcapng")));
        assertThat(e.problem()).contains("unsupported if_tsresol 0x28");
    }

    @Test
    void writersRefusePacketsForUnknownInterfaces() {
        assertThatThrownBy(() -> {
            try (PcapngWriter w = PcapngWriter.create(tmp.resolve("w.pcapng"))) {
                w.write(0, 1, new byte[60], null);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interface 0 was not added");
    }
}

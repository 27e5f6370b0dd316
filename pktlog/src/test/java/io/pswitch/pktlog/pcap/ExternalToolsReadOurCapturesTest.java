package io.pswitch.pktlog.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tshark and tcpdump read what our writers write, without a warning, and see every frame. */
class ExternalToolsReadOurCapturesTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private static Path tool(String name) {
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private Run run(String... cmd) throws IOException, InterruptedException {
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", cmd[0]).isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A UDP-in-IPv4 Ethernet frame of the given total length (the tools decode it without complaint). */
    private static byte[] udpFrame(int length, int seq) {
        byte[] f = new byte[length];
        byte[] hdr = {
            0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
            0x30, 0x39, 0x30, 0x3a, 0, 0, 0, 0
        };
        System.arraycopy(hdr, 0, f, 0, hdr.length);
        int ipLen = length - 14;
        f[16] = (byte) (ipLen >> 8);
        f[17] = (byte) ipLen;
        f[18] = (byte) (seq >> 8);
        f[19] = (byte) seq;
        int sum = 0;
        for (int i = 14; i < 34; i += 2) {
            sum += ((f[i] & 0xff) << 8) | (f[i + 1] & 0xff);
        }
        sum = (sum & 0xffff) + (sum >> 16);
        sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
        f[24] = (byte) (sum >> 8);
        f[25] = (byte) sum;
        int udpLen = ipLen - 20;
        f[38] = (byte) (udpLen >> 8);
        f[39] = (byte) udpLen;
        return f;
    }

    private Path writePcap() {
        Path file = tmp.resolve("ours.pcap");
        try (PcapWriter w = PcapWriter.create(file)) {
            for (int i = 0; i < 5; i++) {
                w.write(1_700_000_000_000_000_001L + i * 1000L, udpFrame(60 + i * 300, i));
            }
        }
        return file;
    }

    private Path writePcapng() {
        Path file = tmp.resolve("ours.pcapng");
        try (PcapngWriter w = PcapngWriter.create(file)) {
            w.addInterface("p0");
            w.addInterface("p1");
            for (int i = 0; i < 5; i++) {
                w.write(i % 2, 1_700_000_000_000_000_001L + i * 1000L, udpFrame(60 + i * 300, i), i == 2 ? "logged by filter udp" : null);
            }
        }
        return file;
    }

    @Test
    void tsharkReadsOurPcapAndPcapng() throws Exception {
        Path tshark = tool("tshark");
        Assumptions.assumeTrue(tshark != null, "tshark is not installed: skipped");
        for (Path file : List.of(writePcap(), writePcapng())) {
            Run r = run(tshark.toString(), "-n", "-r", file.toString());
            assertThat(r.exit()).as("tshark exit for %s: %s", file, r.err()).isZero();
            // tshark warns about running as root whatever it reads: that line is not about the file.
            assertThat(r.err().lines().filter(l -> !l.contains("Running as user")).toList())
                    .as("tshark warnings for %s", file).isEmpty();
            assertThat(r.out().lines().count()).as("frames tshark saw in %s", file).isEqualTo(5);
            assertThat(r.out()).contains("UDP").contains("10.0.0.1");
        }
        Run ng = run(tshark.toString(), "-n", "-r", writePcapng().toString(), "-T", "fields",
                "-e", "frame.interface_name", "-e", "frame.comment", "-e", "frame.time_epoch");
        assertThat(ng.out()).contains("p0").contains("p1").contains("logged by filter udp")
                .contains("1700000000.000000001");
    }

    @Test
    void tcpdumpReadsOurPcapAndPcapng() throws Exception {
        Path tcpdump = tool("tcpdump");
        Assumptions.assumeTrue(tcpdump != null, "tcpdump is not installed: skipped");
        for (Path file : List.of(writePcap(), writePcapng())) {
            Run r = run(tcpdump.toString(), "-nn", "-r", file.toString());
            assertThat(r.exit()).as("tcpdump exit for %s: %s", file, r.err()).isZero();
            assertThat(r.err().lines().filter(l -> !l.startsWith("reading from file")).toList())
                    .as("tcpdump warnings for %s", file).isEmpty();
            assertThat(r.out().lines().count()).as("frames tcpdump saw in %s", file).isEqualTo(5);
            assertThat(r.out()).contains("10.0.0.1.12345 > 10.0.0.2.12346: UDP");
        }
    }
}

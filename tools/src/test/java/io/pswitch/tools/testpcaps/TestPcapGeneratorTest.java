package io.pswitch.tools.testpcaps;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.pcap.CaptureReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPcapGeneratorTest {
    @TempDir
    Path tmp;

    private static Path committed() {
        Path dir = Path.of(System.getProperty("pswitch.root", "..")).resolve("test-pcaps");
        assertThat(dir).as("the committed captures").isDirectory();
        return dir;
    }

    private static List<String> pcapNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pcap")).sorted().toList();
        }
    }

    @Test
    void regeneratesTheCommittedCapturesByteForByte() throws IOException {
        TestPcapGenerator.main(new String[] {tmp.toString()});
        Path dir = committed();
        assertThat(pcapNames(tmp)).as("the same set of files").isEqualTo(pcapNames(dir));
        for (String name : pcapNames(tmp)) {
            assertThat(Files.readAllBytes(dir.resolve(name))).as("%s regenerated (see test-pcaps/README.md)", name)
                    .isEqualTo(Files.readAllBytes(tmp.resolve(name)));
        }
    }

    @Test
    void readmeListsEveryCaptureWithItsFrameCount() throws IOException {
        String readme = Files.readString(committed().resolve("README.md"));
        Map<String, List<byte[]>> captures = TestPcapGenerator.captures();
        for (Map.Entry<String, List<byte[]>> e : captures.entrySet()) {
            Matcher m = Pattern.compile("\\| " + Pattern.quote(e.getKey()) + " \\| (\\d+) \\|").matcher(readme);
            assertThat(m.find()).as("README row for %s", e.getKey()).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as("frames of %s", e.getKey()).isEqualTo(e.getValue().size());
        }
    }

    @Test
    void capturesHoldTheFramesTheirNamesPromise() throws IOException {
        TestPcapGenerator.main(new String[] {tmp.toString()});
        List<Integer> runtLengths = lengths(tmp.resolve("runts.pcap"));
        assertThat(runtLengths).containsExactly(1, 8, 13, 14, 20, 42, 59);
        assertThat(lengths(tmp.resolve("jumbo.pcap"))).containsExactly(9000, 9014);
        assertThat(lengths(tmp.resolve("tcp.pcap"))).contains(1514).allMatch(l -> l >= 60);
        try (CaptureReader r = CaptureReader.open(tmp.resolve("qinq.pcap"))) {
            r.next();
            byte[] f = r.data();
            assertThat(f[12] & 0xff).isEqualTo(0x88);
            assertThat(f[13] & 0xff).isEqualTo(0xa8);
            assertThat(f[16] & 0xff).isEqualTo(0x81);
            assertThat(f[20] & 0xff).isEqualTo(0x08);
            assertThat(f[21] & 0xff).isEqualTo(0x06);
        }
        try (CaptureReader r = CaptureReader.open(tmp.resolve("icmp.pcap"))) {
            r.next();
            assertThat(r.timestampNs()).isEqualTo(TestPcapGenerator.BASE_TIME_NS);
            r.next();
            assertThat(r.timestampNs()).isEqualTo(TestPcapGenerator.BASE_TIME_NS + TestPcapGenerator.FRAME_SPACING_NS);
        }
    }

    private static List<Integer> lengths(Path file) {
        List<Integer> l = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(file)) {
            while (r.next()) {
                l.add(r.capturedLength());
            }
        }
        return l;
    }

    @Test
    void tsharkFindsCorrectChecksumsAndNoWarningsInTheValidCaptures() throws Exception {
        Path tshark = Path.of("/usr/bin/tshark");
        Assumptions.assumeTrue(Files.isExecutable(tshark), "tshark is not installed: checksum check skipped");
        TestPcapGenerator.main(new String[] {tmp.toString()});
        for (String name : pcapNames(tmp)) {
            String out = run(tshark.toString(), "-n", "-V", "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                    "-o", "udp.check_checksum:TRUE", "-r", tmp.resolve(name).toString());
            boolean meantToBeBroken = name.equals("malformed.pcap") || name.equals("runts.pcap");
            if (meantToBeBroken) {
                assertThat(out).as("tshark sees the damage in %s", name).containsAnyOf("Malformed", "Bogus", "bogus");
            } else {
                assertThat(out).as("%s", name).doesNotContainIgnoringCase("incorrect").doesNotContain("Malformed")
                        .doesNotContain("Expert Info (Warning").doesNotContain("Expert Info (Error");
                if (!name.equals("arp.pcap")) {
                    assertThat(out).as("%s has verified checksums", name).contains("[correct]");
                }
            }
        }
    }

    private String run(String... cmd) throws IOException, InterruptedException {
        Path out = tmp.resolve("tshark.out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tshark exit").isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}

package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.tools.cli.Pswitch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's round trip, through a real switch: a capture fed through a {@code pcapfile} port with a
 * filter that matches everything, then exported with {@code ./pswitch log export}, equals the input
 * frame for frame — bytes and order — with the switch's receive times, which never go back.
 */
class SwitchRoundTripTest {
    /** The project's generated captures with frames that fit a 2 KiB buffer (jumbo.pcap does not; malformed.pcap is not a capture). */
    private static final List<String> INPUTS = List.of("arp.pcap", "icmp.pcap", "tcp.pcap", "udp.pcap", "vlan.pcap",
            "qinq.pcap", "ipv6.pcap", "ipv4-fragments.pcap", "runts.pcap");

    @TempDir
    Path tmp;

    private static Path testPcaps() {
        Path root = Path.of(System.getProperty("pswitch.root", "."));
        return root.resolve("test-pcaps");
    }

    private List<byte[]> buildInput(Path input) {
        List<byte[]> frames = new ArrayList<>();
        long ts = 1_700_000_000_000_000_000L;
        try (PcapWriter w = PcapWriter.create(input)) {
            for (String name : INPUTS) {
                try (CaptureReader r = CaptureReader.open(testPcaps().resolve(name))) {
                    while (r.next()) {
                        byte[] f = r.data();
                        frames.add(f);
                        w.write(ts += 1_000, f);
                    }
                }
            }
        }
        return frames;
    }

    private static List<byte[]> framesOf(Path capture, List<Long> timestamps) {
        List<byte[]> out = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(capture)) {
            while (r.next()) {
                out.add(r.data());
                timestamps.add(r.timestampNs());
            }
        }
        return out;
    }

    private static int pswitch(String... args) {
        StringWriter err = new StringWriter();
        var cl = Pswitch.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute(args);
        assertThat(code).as("pswitch %s: %s", String.join(" ", args), err).isZero();
        return code;
    }

    @Test
    void aCaptureThroughASwitchLoggingEverythingExportsBackFrameForFrame() throws Exception {
        Path input = tmp.resolve("input.pcap");
        List<byte[]> sent = buildInput(input);
        Path empty = tmp.resolve("empty.pcap");
        PcapWriter.create(empty).close();
        Path data = Files.createDirectories(tmp.resolve("data"));
        List<PortSpec> ports = List.of(PortSpec.parse("in=pcapfile:" + input),
                PortSpec.parse("sink=pcapfile:" + empty + ",out=" + tmp.resolve("sink.pcap")));
        RunSettings settings = new RunSettings(data, 1, 4096, 2048, 256, 32, RunSettings.IdleMode.YIELD, 1024,
                Duration.ofSeconds(300), Duration.ofHours(1), true, ports,
                new LogSettings(List.of(Filter.of(1, "everything", "")), Durability.batch(64, Duration.ofMillis(1)), 4096),
                ApiSettings.off());
        try (SwitchAssembly sw = SwitchAssembly.start(settings)) {
            SwitchAgent agent = sw.agent();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && (agent.port(0).state() != PortState.INPUT_ENDED
                    || agent.logging().counters().frames() < agent.counters(0).rxFrames()
                    || agent.counters(0).rxFrames() < sent.size())) {
                Thread.sleep(5);
            }
            assertThat(agent.counters(0).rxFrames()).isEqualTo(sent.size());
            assertThat(agent.logging().counters().frames()).as("every frame matched and was logged").isEqualTo(sent.size());
        }

        Path exported = tmp.resolve("exported.pcap");
        pswitch("log", "export", "--data-dir", data.toString(), "-o", exported.toString());
        List<Long> ts = new ArrayList<>();
        List<byte[]> back = framesOf(exported, ts);
        assertThat(back).hasSameSizeAs(sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(back.get(i)).as("frame %d", i).isEqualTo(sent.get(i));
        }
        for (int i = 1; i < ts.size(); i++) {
            assertThat(ts.get(i)).as("receive time of frame %d", i).isGreaterThanOrEqualTo(ts.get(i - 1));
        }
        assertThat(ts.getFirst()).as("the switch's receive time, not the file's").isGreaterThan(1_750_000_000_000_000_000L);

        Path ng = tmp.resolve("exported.pcapng");
        pswitch("log", "export", "--data-dir", data.toString(), "-o", ng.toString());
        try (CaptureReader r = CaptureReader.open(ng)) {
            int n = 0;
            while (r.next()) {
                assertThat(r.interfaceName(r.interfaceIndex())).isEqualTo("in");
                n++;
            }
            assertThat(n).isEqualTo(sent.size());
        }
        pswitch("log", "verify", "--data-dir", data.toString());
    }
}

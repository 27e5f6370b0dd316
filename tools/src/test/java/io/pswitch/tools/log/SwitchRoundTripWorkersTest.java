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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round trip with several workers: the project's captures dealt over four {@code pcapfile}
 * ports (so each worker receives and logs some), a filter that matches everything, then
 * {@code ./pswitch log export}: one log with every frame once, each port's frames in the order that
 * port received them, receive times that never go back, and {@code log verify} clean.
 */
class SwitchRoundTripWorkersTest {
    private static final List<String> INPUTS = List.of("arp.pcap", "icmp.pcap", "tcp.pcap", "udp.pcap", "vlan.pcap",
            "qinq.pcap", "ipv6.pcap", "ipv4-fragments.pcap", "runts.pcap");
    private static final int PORTS = 4;

    @TempDir
    Path tmp;

    private static Path testPcaps() {
        return Path.of(System.getProperty("pswitch.root", ".")).resolve("test-pcaps");
    }

    /** Deals the captures' frames over the ports' inputs; returns each port's frames in order. */
    private List<List<String>> buildInputs() {
        List<byte[]> all = new ArrayList<>();
        for (String name : INPUTS) {
            try (CaptureReader r = CaptureReader.open(testPcaps().resolve(name))) {
                while (r.next()) {
                    all.add(r.data());
                }
            }
        }
        List<List<String>> perPort = new ArrayList<>();
        for (int p = 0; p < PORTS; p++) {
            List<String> frames = new ArrayList<>();
            long ts = 1_700_000_000_000_000_000L;
            try (PcapWriter w = PcapWriter.create(tmp.resolve("in" + p + ".pcap"))) {
                for (int i = p; i < all.size(); i += PORTS) {
                    w.write(ts += 1_000, all.get(i));
                    frames.add(HexFormat.of().formatHex(all.get(i)));
                }
            }
            perPort.add(frames);
        }
        return perPort;
    }

    private static void pswitch(String... args) {
        StringWriter err = new StringWriter();
        var cl = Pswitch.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(cl.execute(args)).as("pswitch %s: %s", String.join(" ", args), err).isZero();
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 3})
    void everyWorkersFramesExportFromOneLogInEachPortsOrder(int workers) throws Exception {
        List<List<String>> sent = buildInputs();
        int total = sent.stream().mapToInt(List::size).sum();
        Path data = Files.createDirectories(tmp.resolve("data"));
        List<PortSpec> ports = new ArrayList<>();
        for (int p = 0; p < PORTS; p++) {
            ports.add(PortSpec.parse("p" + p + "=pcapfile:" + tmp.resolve("in" + p + ".pcap") + ",out=" + tmp.resolve("out" + p + ".pcap")));
        }
        RunSettings settings = new RunSettings(data, workers, 4096 + workers * (workers - 1) * 256, 2048, 256, 32,
                RunSettings.IdleMode.YIELD, 1024, Duration.ofSeconds(300), Duration.ofHours(1), true, ports,
                new LogSettings(List.of(Filter.of(1, "everything", "")), Durability.batch(64, Duration.ofMillis(1)), 4096),
                ApiSettings.off());
        try (SwitchAssembly sw = SwitchAssembly.start(settings)) {
            SwitchAgent agent = sw.agent();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && (!allEnded(agent) || received(agent) < total
                    || sw.logging().counters().frames() + sw.logging().counters().skippedNoBuffer()
                            + sw.logging().counters().skippedStorageBehind() < total)) {
                Thread.sleep(5);
            }
            assertThat(received(agent)).isEqualTo(total);
            assertThat(sw.logging().counters().frames()).as("every frame of every worker matched and was logged").isEqualTo(total);
        }

        Path ng = tmp.resolve("exported.pcapng");
        pswitch("log", "export", "--data-dir", data.toString(), "-o", ng.toString());
        Map<String, List<String>> byPort = new LinkedHashMap<>();
        long lastTs = Long.MIN_VALUE;
        int n = 0;
        try (CaptureReader r = CaptureReader.open(ng)) {
            while (r.next()) {
                byPort.computeIfAbsent(r.interfaceName(r.interfaceIndex()), k -> new ArrayList<>())
                        .add(HexFormat.of().formatHex(r.data()));
                assertThat(r.timestampNs()).as("receive time of record %d", n).isGreaterThanOrEqualTo(lastTs);
                lastTs = r.timestampNs();
                n++;
            }
        }
        assertThat(n).as("exported records = frames sent").isEqualTo(total);
        for (int p = 0; p < PORTS; p++) {
            assertThat(byPort.get("p" + p)).as("p%d's frames, in the order p%d received them", p, p).isEqualTo(sent.get(p));
        }
        pswitch("log", "verify", "--data-dir", data.toString());
    }

    private static boolean allEnded(SwitchAgent agent) {
        for (int p = 0; p < agent.portCount(); p++) {
            if (agent.port(p).state() != PortState.INPUT_ENDED) {
                return false;
            }
        }
        return true;
    }

    private static long received(SwitchAgent agent) {
        long n = 0;
        for (int p = 0; p < agent.portCount(); p++) {
            n += agent.counters(p).rxFrames();
        }
        return n;
    }
}

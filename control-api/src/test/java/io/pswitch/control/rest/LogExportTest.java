package io.pswitch.control.rest;

import static io.pswitch.control.rest.LogApi.awaitLogged;
import static io.pswitch.control.rest.LogApi.awaitReceived;
import static io.pswitch.control.rest.LogApi.download;
import static io.pswitch.control.rest.ShmWire.broadcast;
import static io.pswitch.control.rest.ShmWire.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.pcap.CaptureReader;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/log/packets}: pcap and pcapng exports of a running switch's log, read back by
 * our reader and by tshark; the query parameters select what they say.
 *
 * <p>Traffic: a sends 3 broadcasts of 100 bytes (filter bcast), b 2 broadcasts of 200 (bcast and
 * big), c one unicast of 300 to a (big).
 */
class LogExportTest {
    @TempDir
    static Path tmp;
    static RunningSwitch sw;
    static long firstTs;
    static long lastTs;

    @BeforeAll
    static void start() {
        sw = RunningSwitch.start(tmp.resolve("data"), "--filter", "bcast=ether broadcast", "--filter", "big=greater 150");
        for (int i = 0; i < 3; i++) {
            sw.a.send(broadcast(1, 100));
        }
        awaitReceived(sw, 0, 3);
        for (int i = 0; i < 2; i++) {
            sw.b.send(broadcast(2, 200));
        }
        awaitReceived(sw, 1, 2);
        sw.c.send(frame(1, 3, 300));
        awaitReceived(sw, 2, 1);
        awaitLogged(sw, 6);
        io.pswitch.control.log.LogStatus s = sw.assembly.logStatus();
        firstTs = s.oldestTimestampNs();
        lastTs = s.newestTimestampNs();
    }

    @AfterAll
    static void stop() {
        sw.close();
    }

    private static int count = 0;

    private static LogApi.Download get(String query) {
        return download(sw, "/api/v1/log/packets" + query, tmp.resolve("export-" + (++count)));
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** "port caplen/wire" of every packet, by our own reader. */
    private static List<String> packets(LogApi.Download d) {
        assertThat(d.status()).as(new String(d.bytes(), StandardCharsets.UTF_8)).isEqualTo(200);
        List<String> out = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(d.file())) {
            while (r.next()) {
                String port = r.interfaceCount() > 1 ? r.interfaceName(r.interfaceIndex()) + " " : "";
                out.add(port + r.capturedLength() + "/" + r.wireLength());
            }
        }
        return out;
    }

    @Test
    void pcapExportHasNanosecondTimestampsAndEveryLoggedFrame() {
        LogApi.Download d = get("");
        assertThat(d.contentType()).isEqualTo("application/vnd.tcpdump.pcap");
        assertThat(ByteBuffer.wrap(d.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(0)).as("nanosecond pcap magic").isEqualTo(0xa1b23c4d);
        assertThat(packets(d)).containsExactly("100/100", "100/100", "100/100", "200/200", "200/200", "300/300");
        try (CaptureReader r = CaptureReader.open(d.file())) {
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNs()).isEqualTo(firstTs);
        }
        assertThat(get("?format=pcap").contentType()).isEqualTo("application/vnd.tcpdump.pcap");
    }

    @Test
    void pcapngExportNamesThePortsAndTheFiltersThatLoggedEachFrame() {
        LogApi.Download d = get("?format=pcapng");
        assertThat(d.contentType()).isEqualTo("application/x-pcapng");
        assertThat(packets(d)).containsExactly("a 100/100", "a 100/100", "a 100/100", "b 200/200", "b 200/200", "c 300/300");
        try (CaptureReader r = CaptureReader.open(d.file())) {
            assertThat(r.interfaceCount()).isEqualTo(3);
            assertThat(List.of(r.interfaceName(0), r.interfaceName(1), r.interfaceName(2))).containsExactly("a", "b", "c");
        }
    }

    @Test
    void queryParametersSelectByExpressionPortLimitAndTime() {
        assertThat(packets(get("?filter=" + q("greater 150")))).containsExactly("200/200", "200/200", "300/300");
        assertThat(packets(get("?filter=" + q("ether src 02:00:00:00:00:03")))).containsExactly("300/300");
        assertThat(packets(get("?port=b"))).containsExactly("200/200", "200/200");
        assertThat(packets(get("?port=a&filter=" + q("greater 150")))).isEmpty();
        assertThat(packets(get("?limit=2&format=pcapng"))).containsExactly("a 100/100", "a 100/100");
        assertThat(packets(get("?from=1h"))).hasSize(6);
        assertThat(packets(get("?from=1h&to=now"))).hasSize(6);
        assertThat(packets(get("?to=1h"))).isEmpty();
        assertThat(packets(get("?from=now"))).isEmpty();
        // to is exclusive, from inclusive: the records at the first timestamp are outside [.., first).
        assertThat(packets(get("?to=" + q(TimeSpec.format(firstTs))))).isEmpty();
        assertThat(packets(get("?from=" + q(TimeSpec.format(lastTs))))).last().isEqualTo("300/300");
        assertThat(packets(get("?from=" + q(TimeSpec.format(firstTs)) + "&to=" + q(TimeSpec.format(lastTs + 1))))).hasSize(6);
    }

    @Test
    void tsharkReadsBothExportsWithoutWarningsAndSeesPortNamesAndFilterComments() {
        Path tshark = LogApi.tshark();
        Assumptions.assumeTrue(tshark != null, "tshark is not installed: skipped");
        LogApi.Download pcap = get("");
        LogApi.Run r = LogApi.run(tshark.toString(), "-n", "-r", pcap.file().toString());
        assertThat(r.exit()).as("tshark: %s", r.err()).isZero();
        assertThat(r.warnings()).as("tshark warnings").isEmpty();
        assertThat(r.out()).hasSize(6);

        LogApi.Download ng = get("?format=pcapng");
        LogApi.Run plain = LogApi.run(tshark.toString(), "-n", "-r", ng.file().toString());
        assertThat(plain.exit()).as("tshark: %s", plain.err()).isZero();
        assertThat(plain.warnings()).as("tshark warnings").isEmpty();
        LogApi.Run fields = LogApi.run(tshark.toString(), "-n", "-r", ng.file().toString(), "-T", "fields",
                "-e", "frame.interface_name", "-e", "frame.len", "-e", "frame.comment");
        assertThat(fields.exit()).as("tshark: %s", fields.err()).isZero();
        assertThat(fields.out()).containsExactly(
                "a\t100\tlogged by: bcast",
                "a\t100\tlogged by: bcast",
                "a\t100\tlogged by: bcast",
                "b\t200\tlogged by: bcast, big",
                "b\t200\tlogged by: bcast, big",
                "c\t300\tlogged by: big");
    }

    @Test
    void exportsStreamWhileTheSwitchKeepsForwardingAndLogging() throws Exception {
        Thread sender = new Thread(() -> {
            for (int i = 0; i < 200; i++) {
                sw.c.send(frame(1, 3, 64)); // unicast to a, not logged: bcast and big do not match
            }
        });
        sender.start();
        for (int i = 0; i < 5; i++) {
            assertThat(packets(get("?format=pcapng"))).hasSize(6);
        }
        sender.join();
        awaitReceived(sw, 2, 201);
        assertThat(sw.assembly.agentError()).isNull();
    }

    @Test
    void aLargeExportIsStreamedNotBuffered() {
        try (RunningSwitch big = RunningSwitch.start(tmp.resolve("big"), "--filter", "all=")) {
            int frames = 600;
            for (int i = 0; i < frames; i++) {
                big.a.send(frame(2, 1, 1500));
                if (i % 50 == 49) {
                    awaitReceived(big, 0, i + 1); // keep within the small test pool
                }
            }
            awaitLogged(big, frames);
            LogApi.Download d = download(big, "/api/v1/log/packets?format=pcapng", tmp.resolve("big.pcapng"));
            assertThat(d.status()).isEqualTo(200);
            assertThat(d.bytes().length).isGreaterThan(frames * 1500);
            assertThat(d.chunked()).as("sent in chunks as written, with no length known up front").isTrue();
            assertThat(packets(d)).hasSize(frames).allMatch(p -> p.equals("a 1500/1500"));
        }
    }
}

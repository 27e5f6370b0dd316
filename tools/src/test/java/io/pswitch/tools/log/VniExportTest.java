package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.pcap.CaptureReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receive-only {@code vxlan:...,vni=any} port, the target of two cloud mirror sessions (VNI 42 and
 * VNI 7): every mirrored frame is logged with its VNI and the VTEP that sent it, and
 * {@code log export --vni 42} returns exactly the frames of that session, their pcapng comment naming
 * it. Real UDP datagrams over loopback (no root needed).
 */
class VniExportTest {
    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    @TempDir
    Path out;

    /** An inner Ethernet frame (60 B, locally administered unicast) numbered {@code n}. */
    private static byte[] frame(int n) {
        byte[] f = new byte[60];
        f[0] = 0x02;
        f[5] = 0x01;
        f[6] = 0x02;
        f[11] = 0x02;
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        f[14] = (byte) (n >> 8);
        f[15] = (byte) n;
        return f;
    }

    /** RFC 7348: flags 0x08 (VNI valid), 24 reserved bits, the VNI, 8 reserved bits; then the inner frame. */
    private static byte[] vxlan(int vni, byte[] inner) {
        byte[] d = new byte[8 + inner.length];
        d[0] = 0x08;
        d[4] = (byte) (vni >> 16);
        d[5] = (byte) (vni >> 8);
        d[6] = (byte) vni;
        System.arraycopy(inner, 0, d, 8, inner.length);
        return d;
    }

    @Test
    void aMirrorTargetLogsTwoSessionsAndExportSelectsOneByItsVni() throws Exception {
        int udpPort;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udpPort = probe.getLocalPort();
        }
        Path data = dir.resolve("data");
        RunSettings settings = new RunSettings(data, 1, 2048, 2048, 256, 32, RunSettings.IdleMode.BACKOFF, 1024,
                Duration.ofSeconds(300), Duration.ofHours(1), true,
                List.of(PortSpec.parse("mirror=vxlan:127.0.0.1:" + udpPort + ",vni=any"), PortSpec.parse("sink=pcapfile:"
                        + emptyCapture() + ",out=" + out.resolve("sink.pcap"))),
                new LogSettings(List.of(Filter.of(1, "all", "")), Durability.parse("batch"), 1024), ApiSettings.off());
        List<String> session42 = new ArrayList<>();
        int sent = 0;
        try (SwitchAssembly sw = SwitchAssembly.start(settings);
             DatagramSocket vtep = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetAddress to = InetAddress.getLoopbackAddress();
            for (int n = 0; n < 30; n++) {
                int vni = n % 3 == 0 ? 42 : 7;
                byte[] inner = frame(n);
                byte[] d = vxlan(vni, inner);
                vtep.send(new DatagramPacket(d, d.length, to, udpPort));
                sent++;
                if (vni == 42) {
                    session42.add(HexFormat.of().formatHex(inner));
                }
                Thread.sleep(2);
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (sw.logging().counters().frames() < sent && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(sw.logging().counters().frames()).as("every mirrored frame logged").isEqualTo(sent);
        }

        Path pcapng = out.resolve("vni42.pcapng");
        String[] r = LogExportTest.cli("log", "export", "--data-dir", data.toString(), "--vni", "42", "-o", pcapng.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        List<String> got = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        try (CaptureReader in = CaptureReader.open(pcapng)) {
            while (in.next()) {
                got.add(HexFormat.of().formatHex(in.data()));
                comments.add(in instanceof io.pswitch.pktlog.pcap.PcapngReader ng ? String.valueOf(ng.comment()) : "not pcapng");
            }
        }
        assertThat(got).as("exactly session 42's frames, in order").containsExactlyElementsOf(session42);
        assertThat(comments).allSatisfy(c -> assertThat(c).contains("vni 42 from 127.0.0.1"));

        String[] all = LogExportTest.cli("log", "export", "--data-dir", data.toString(), "-o", out.resolve("all.pcap").toString(),
                "--json");
        assertThat(all[1]).contains("\"records\":" + sent);
        String[] bad = LogExportTest.cli("log", "export", "--data-dir", data.toString(), "--vni", "16777216", "-o",
                out.resolve("x.pcap").toString());
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2]).contains("--vni 16777216");
    }

    private Path emptyCapture() {
        Path empty = out.resolve("empty.pcap");
        io.pswitch.pktlog.pcap.PcapWriter.create(empty).close();
        return empty;
    }
}

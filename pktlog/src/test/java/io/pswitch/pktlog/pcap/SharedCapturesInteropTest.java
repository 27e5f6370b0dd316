package io.pswitch.pktlog.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reads every capture in {@code ../shared/pcaps} (made by tcpdump, zeek, libpcap) as its README says. */
class SharedCapturesInteropTest {
    private Path folder;

    @BeforeEach
    void findFolder() {
        folder = SharedPcaps.folder();
        Assumptions.assumeTrue(folder != null, "third-party captures ../shared/pcaps are absent: interop skipped");
    }

    private Path capture(String name) {
        Path p = folder.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(p), name + " is absent from " + folder);
        return p;
    }

    @ParameterizedTest(name = "{0}: {1} frames")
    @CsvSource({
        "zeek-arp-who-has.pcap, 2, 1",
        "zeek-icmp-ping.pcap, 4, 1",
        "zeek-tcp-handshake-reorder.pcap, 14, 1",
        "zeek-http-vlan-0.pcap, 14, 1",
        "zeek-vlan-qinqinq.pcap, 14, 1",
        "tcpdump-802.1ad_QinQ.pcap, 2, 1",
        "zeek-ipv4-fragmented-1.pcap, 3, 1",
        "zeek-ipv6-fragmented-dns.pcap, 8, 1",
        "tcpdump-802.1D_spanning_tree.pcap, 14, 1",
        "tcpdump-lldp_8021_linkagg.pcap, 2, 1",
        "tcpdump-gso-ipv4.pcap, 1, 1",
        "tcpdump-bigtcp-ipv4.pcap, 1, 1",
        "tcpdump-tcp-handshake-nano.pcap, 3, 113",
        "tcpdump-tcp_rst_data-trunc.pcap, 1, 1",
        "tcpdump-arp-too-long-tha.pcap, 1, 1",
        "zeek-trunc-hdr.pcap, 1, 1",
        "tcpdump-empty.pcapng, 0, 1",
        "zeek-pcapng-multi-interface.pcapng, 6, 1",
    })
    void readsEveryFrameOfAThirdPartyCapture(String name, int frames, int linkType) {
        int count = 0;
        long lastTs = 0;
        try (CaptureReader r = CaptureReader.open(capture(name))) {
            assertThat(r.firstLinkType()).isEqualTo(linkType);
            while (r.next()) {
                count++;
                assertThat(r.linkType()).isEqualTo(linkType);
                assertThat(r.capturedLength()).isBetween(0, CaptureReader.MAX_CAPTURED_LENGTH);
                assertThat(r.timestampNs()).as("a plausible epoch time").isGreaterThan(0);
                lastTs = r.timestampNs();
            }
        }
        assertThat(count).isEqualTo(frames);
        assertThat(lastTs >= 0).isTrue();
    }

    @Test
    void readsTheDetailsTheReadmeNames() {
        try (CaptureReader r = CaptureReader.open(capture("tcpdump-bigtcp-ipv4.pcap"))) {
            assertThat(r.next()).isTrue();
            assertThat(r.capturedLength()).isEqualTo(80066);
        }
        try (CaptureReader r = CaptureReader.open(capture("tcpdump-tcp_rst_data-trunc.pcap"))) {
            assertThat(r.next()).isTrue();
            assertThat(r.capturedLength()).isEqualTo(111);
            assertThat(r.wireLength()).isEqualTo(112);
        }
        try (CaptureReader r = CaptureReader.open(capture("tcpdump-arp-too-long-tha.pcap"))) {
            assertThat(r.next()).isTrue();
            assertThat(r.wireLength()).isEqualTo(262144);
        }
        try (CaptureReader r = CaptureReader.open(capture("zeek-trunc-hdr.pcap"))) {
            assertThat(((PcapReader) r).snaplen()).isEqualTo(1);
            assertThat(r.next()).isTrue();
            assertThat(r.capturedLength()).isEqualTo(8);
        }
        try (CaptureReader r = CaptureReader.open(capture("tcpdump-tcp-handshake-nano.pcap"))) {
            assertThat(((PcapReader) r).nanosecondTimestamps()).isTrue();
        }
        try (CaptureReader r = CaptureReader.open(capture("zeek-pcapng-multi-interface.pcapng"))) {
            boolean[] seen = new boolean[2];
            while (r.next()) {
                seen[r.interfaceIndex()] = true;
            }
            assertThat(r.interfaceCount()).isEqualTo(2);
            assertThat(seen).containsExactly(true, true);
        }
    }

    @Test
    void refusesAPcapWithVersionOnePointFour() {
        CaptureFormatException e = catchThrowableOfType(CaptureFormatException.class, () -> {
            try (CaptureReader r = CaptureReader.open(capture("libpcap-pcap-invalid-version-1.pcap"))) {
                r.next();
            }
        });
        assertThat(e.getMessage()).contains("libpcap-pcap-invalid-version-1.pcap").contains("unsupported pcap version 1.4");
    }

    @Test
    void refusesAPcapngWhoseSectionHeaderLengthsDisagree() {
        CaptureFormatException e = catchThrowableOfType(CaptureFormatException.class, () -> {
            try (CaptureReader r = CaptureReader.open(capture("libpcap-shb-option-too-long.pcapng"))) {
                r.next();
            }
        });
        assertThat(e.getMessage()).contains("libpcap-shb-option-too-long.pcapng")
                .contains("block length mismatch: header says 52, trailer says 808464432");
    }
}

package io.pswitch.drivers.pcapfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replays third-party captures from {@code ../shared/pcaps}; skipped when the folder is absent. */
class PcapFilePortSharedCapturesTest {
    @TempDir
    Path tmp;
    private BufferPool pool;
    private Path folder;

    @BeforeEach
    void setUp() {
        Path root = Path.of(System.getProperty("pswitch.root", ".")).toAbsolutePath().normalize();
        for (Path p = root; p != null && p.getParent() != null && folder == null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("pcaps");
            if (Files.isDirectory(candidate)) {
                folder = candidate;
            }
        }
        Assumptions.assumeTrue(folder != null, "third-party captures ../shared/pcaps are absent: skipped");
        pool = BufferPool.open(tmp.resolve("pool"), 2048, 256);
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
    }

    private Path capture(String name) {
        Path p = folder.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(p), name + " is absent: skipped");
        return p;
    }

    private int replay(String name) {
        int total = 0;
        try (Port port = new PcapFilePortFactory().open(PortSpec.parse("p0=pcapfile:" + capture(name)), new PortContext(pool, 64, 16))) {
            for (int i = 0; i < 100 && port.state() == PortState.UP; i++) {
                total += port.rxSync();
                port.rxRing().head = port.rxRing().cur = port.rxRing().tail;
            }
            assertThat(port.state()).isEqualTo(PortState.INPUT_ENDED);
        }
        return total;
    }

    @Test
    void replaysThirdPartyCaptures() {
        assertThat(replay("zeek-pcapng-multi-interface.pcapng")).isEqualTo(6);
        assertThat(replay("zeek-tcp-handshake-reorder.pcap")).isEqualTo(14);
        assertThat(replay("tcpdump-bigtcp-ipv4.pcap")).as("oversize frames are delivered for the switch to drop").isEqualTo(1);
        assertThat(replay("zeek-trunc-hdr.pcap")).as("runts are delivered for the switch to count").isEqualTo(1);
        assertThat(replay("tcpdump-empty.pcapng")).isZero();
    }

    @Test
    void refusesTheLinuxCookedCapture() {
        Path in = capture("tcpdump-tcp-handshake-nano.pcap");
        assertThatThrownBy(() -> new PcapFilePortFactory().open(PortSpec.parse("p0=pcapfile:" + in), new PortContext(pool, 64, 16)))
                .isInstanceOf(PortOpenException.class)
                .hasMessageEndingWith("has link type LINUX_SLL (113); pcapfile ports take Ethernet (1) only");
    }

    @Test
    void refusesCorruptCapturesAtOpen() {
        Path v1 = capture("libpcap-pcap-invalid-version-1.pcap");
        assertThatThrownBy(() -> new PcapFilePortFactory().open(PortSpec.parse("p0=pcapfile:" + v1), new PortContext(pool, 64, 16)))
                .isInstanceOf(PortOpenException.class).hasMessageContaining("unsupported pcap version 1.4");
        Path shb = capture("libpcap-shb-option-too-long.pcapng");
        assertThatThrownBy(() -> new PcapFilePortFactory().open(PortSpec.parse("p0=pcapfile:" + shb), new PortContext(pool, 64, 16)))
                .isInstanceOf(PortOpenException.class).hasMessageContaining("block length mismatch");
    }
}

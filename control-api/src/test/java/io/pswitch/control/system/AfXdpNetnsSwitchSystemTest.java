package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;

/**
 * The three-namespace system test with {@code afxdp} ports (native XDP on the switch's veth ends,
 * copy mode) instead of {@code pcap}: the same pings, 4 MiB TCP transfer checked by SHA-256 and
 * learned unicast kept from the third host. The data directory is on /dev/shm, so the pool (the
 * ports' UMEM) lives in memory. After the SIGTERM stop, no XDP program may be left on an interface.
 */
class AfXdpNetnsSwitchSystemTest extends NetnsSwitchSystemTest {
    private Path shmData;

    @Override
    protected String prefix() {
        return "axp";
    }

    @Override
    protected String portSpec(String ifname) {
        return "afxdp:" + ifname;
    }

    @Override
    protected Path dataDir() throws Exception {
        shmData = Files.createTempDirectory(Path.of("/dev/shm"), "axp-system-");
        return shmData.resolve("data");
    }

    @AfterEach
    void noProgramLeftAndShmRemoved() throws Exception {
        try {
            if (shmData != null) {
                for (int h = 1; h <= 3; h++) {
                    Netns.Result r = Netns.run(10, "ip", "-d", "link", "show", "dev", swIf(h));
                    assertThat(r.output()).as("XDP program left on %s after the switch stopped", swIf(h))
                            .doesNotContain("prog/xdp").doesNotContain("xdpgeneric").doesNotContain("xdpdrv");
                }
            }
        } finally {
            deleteTree(shmData);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

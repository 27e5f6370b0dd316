package io.pswitch.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.libpcap.LibpcapMissingException;
import io.pswitch.pktlog.pcap.CaptureReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Short runs of the multi-worker logging benchmark with its real switch, pcapfile ports, libpcap
 * filter and tmpfs log: each variant does what it says (only the log variant appends, the filter
 * variant matches without logging), its captures carry the share of marked frames asked for, and it
 * leaves no file behind. No speed is asserted.
 */
class WorkerLoggingBenchTest {
    private Path dir;

    @BeforeEach
    void createDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "wlbench")
                : Files.createTempDirectory("wlbench");
    }

    @AfterEach
    void deleteDir() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private WorkerLoggingBench.Result run(WorkerLoggingBench.Variant v) throws Exception {
        try {
            return WorkerLoggingBench.run(dir, 2, WorkerScalingBench.Traffic.CROSS, v, 64, 10, 0.1, 0.3);
        } catch (LibpcapMissingException e) {
            Assumptions.abort("libpcap is not installed: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void eachVariantForwardsAndOnlyTheLogVariantAppendsRecords() throws Exception {
        WorkerLoggingBench.Result fwd = run(WorkerLoggingBench.Variant.FORWARD);
        assertThat(fwd.forwarded()).isPositive();
        assertThat(fwd.logged()).isZero();
        WorkerLoggingBench.Result filter = run(WorkerLoggingBench.Variant.FILTER);
        assertThat(filter.forwarded()).isPositive();
        assertThat(filter.logged()).as("frames the filter matched on both workers").isPositive();
        assertThat(filter.skipped()).isZero();
        WorkerLoggingBench.Result log = run(WorkerLoggingBench.Variant.LOG);
        assertThat(log.forwarded()).isPositive();
        assertThat(log.logged()).as("records appended").isPositive();
        assertThat(log.busy()).hasSize(2);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.toList()).as("captures, pools and the data directory removed").isEmpty();
        }
    }

    @Test
    void aCaptureMarksTheAskedShareOfFramesForItsPartner() {
        Path file = WorkerLoggingBench.capture(dir, "t", 2, 3, 64, 10);
        int frames = 0;
        int marked = 0;
        try (CaptureReader r = CaptureReader.open(file)) {
            while (r.next()) {
                byte[] f = r.data();
                assertThat(f[5]).as("to the partner's station").isEqualTo((byte) 4);
                assertThat(f[11]).as("from the port's station").isEqualTo((byte) 3);
                int udpDst = ((f[36] & 0xff) << 8) | (f[37] & 0xff);
                marked += udpDst == LoggingTraffic.MARKED_PORT ? 1 : 0;
                frames++;
            }
        }
        assertThat(frames).isEqualTo(65_536);
        assertThat(marked).as("10 %%, spread evenly").isEqualTo(frames / 10 + (frames % 10 > 0 ? 1 : 0));
    }
}

package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FFM calls against the real kernel: alignment from statx, errors as one clear line, the bandwidth probe. */
class NativeIoTest {
    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @Test
    void statxReportsTheDirectIoAlignmentOfABlockFileSystem() {
        try (NativeIo io = new NativeIo()) {
            NativeIo.DioAlignment a = io.dioAlignment(disk);
            if (a.reported()) {
                assertThat(a.offsetAlign()).isIn(512, 1024, 2048, 4096);
                assertThat(Integer.bitCount(a.memAlign())).isEqualTo(1);
            } else {
                assertThat(a.offsetAlign()).isEqualTo(4096);
                assertThat(a.memAlign()).isEqualTo(4096);
            }
        }
    }

    @Test
    void aFailedOpenLeavesItsErrnoAndAReadableReason() {
        try (NativeIo io = new NativeIo()) {
            int fd = io.open(disk.resolve("no-such-dir").resolve("x"), NativeIo.O_RDWR | NativeIo.O_CREAT, 0644);
            assertThat(fd).isEqualTo(-1);
            assertThat(io.errno()).isEqualTo(2);
            assertThat(NativeIo.describe(io.errno())).isEqualTo("No such file or directory (errno 2)");
        }
    }

    @Test
    void theBandwidthProbeWritesThroughODirectAndCleansUp() throws Exception {
        double bytesPerSecond = SegmentBandwidthProbe.measure(disk, 8 << 20);
        assertThat(bytesPerSecond).isPositive().isFinite();
        SegmentBandwidthProbe.Bandwidth both = SegmentBandwidthProbe.measureBoth(disk, 8 << 20);
        assertThat(both.freshBps()).as("into fresh preallocated blocks").isPositive().isFinite();
        assertThat(both.writtenBps()).as("into written blocks").isPositive().isFinite();
        try (Stream<Path> s = Files.list(disk)) {
            assertThat(s.toList()).as("the probe's file is removed").isEmpty();
        }
    }

    @Test
    void theBandwidthProbeOnAMissingDirectoryFailsInOneLineNamingIt() {
        Path missing = disk.resolve("missing");
        assertThatThrownBy(() -> SegmentBandwidthProbe.measure(missing, 1 << 20))
                .isInstanceOf(SegmentException.class)
                .hasMessageStartingWith(missing.resolve(".pswitch-bandwidth-probe-").toString())
                .hasMessageContaining("cannot open with O_DIRECT: No such file or directory")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aWriterWhoseDirectoryCannotBeCreatedFailsInOneLineNamingIt() throws Exception {
        Path file = Files.createFile(disk.resolve("a-file"));
        Path dir = file.resolve("segments");
        assertThatThrownBy(() -> SegmentWriter.open(dir, UUID.randomUUID(), SegmentConfig.of(64L << 20, 1 << 20)))
                .isInstanceOf(SegmentException.class)
                .hasMessageStartingWith(dir + ": cannot create the segments directory")
                .hasMessageNotContaining("\n");
    }

    @Test
    void impossibleConfigurationsAreRefusedInOneLine() {
        assertThatThrownBy(() -> SegmentConfig.of(64L << 20, 3 << 19)).hasMessage(
                "segment size 1572864 must be a positive multiple of 1 MiB");
        assertThatThrownBy(() -> SegmentConfig.of(3L << 20, 2 << 20)).hasMessage(
                "log size 3145728 bytes is less than two segments of 2097152 bytes");
    }
}

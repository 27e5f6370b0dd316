package io.pswitch.pktlog.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link CaptureReader} (and through it {@link PcapReader} and {@link PcapngReader}):
 * arbitrary file contents give frames or a {@link CaptureFormatException} with a one-line message,
 * nothing else, and reading allocates a bounded amount whatever the length fields claim (a block
 * length of 2 GiB must not allocate 2 GiB).
 *
 * <p>{@code mvn verify} replays {@code src/test/resources/io/pswitch/pktlog/pcap/CaptureReaderFuzzTestInputs/readCapture/}
 * (seeds from test-pcaps and every crash found so far); {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md).
 * {@link #projectAndSharedCapturesAndTheirTruncationsReadCleanly} runs the same check over the
 * project's captures and the third-party ones in {@code ../shared/pcaps} (skipped when absent).
 */
class CaptureReaderFuzzTest {
    /** The reader's own buffer plus its interface tables and strings; far below any absurd length field. */
    private static final long MAX_ALLOCATED_PER_FILE = 4L << 20;
    private static final int MAX_FRAMES = 100_000;

    @FuzzTest(maxDuration = "2m")
    void readCapture(byte[] file) {
        checkCapture(file);
    }

    /** Reads every frame of {@code file}; returns the frames read, or -1 when the reader refused the file. */
    static int checkCapture(byte[] file) {
        warmUp();
        com.sun.management.ThreadMXBean threads = threads();
        // Only the reader's own calls are measured: the assertions in between allocate too.
        long allocated = 0;
        long before = allocatedBytes(threads);
        int frames = 0;
        try (CaptureReader r = CaptureReader.open("fuzz.cap", Channels.newChannel(new ByteArrayInputStream(file)))) {
            while (frames < MAX_FRAMES && r.next()) {
                allocated += allocatedBytes(threads) - before;
                frames++;
                checkFrame(r);
                before = allocatedBytes(threads);
            }
            allocated += allocatedBytes(threads) - before;
        } catch (CaptureFormatException e) {
            allocated += allocatedBytes(threads) - before;
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
            assertThat(e.offset()).isBetween(0L, (long) file.length);
            frames = -1;
        }
        if (warm) {
            assertThat(allocated).as("bytes allocated reading a %d-byte file", file.length)
                    .isLessThan(MAX_ALLOCATED_PER_FILE + 2L * file.length);
        }
        return frames;
    }

    private static boolean warm;
    private static boolean warming;

    /** Class loading and the first calls allocate once per JVM; they are not the reader's doing. */
    private static synchronized void warmUp() {
        if (!warm && !warming) {
            warming = true;
            for (String hex : new String[] {WARM_PCAP, WARM_PCAPNG}) {
                byte[] f = java.util.HexFormat.of().parseHex(hex);
                for (int round = 0; round < 3; round++) {
                    checkCapture(f);
                    checkCapture(java.util.Arrays.copyOf(f, f.length - 1));
                }
            }
            warm = true;
        }
    }

    /** One 14-byte frame, as pcap and as pcapng. */
    private static final String WARM_PCAP = "d4c3b2a1020004000000000000000000ffff000001000000"
            + "00000000000000000e0000000e000000" + "ffffffffffff020000000001" + "0806";
    private static final String WARM_PCAPNG = "0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000"
            + "01000000140000000100000000000400" + "14000000"
            + "06000000300000000000000000000000000000000e0000000e000000" + "ffffffffffff0200000000010806" + "0000" + "30000000";

    private static long allocatedBytes(com.sun.management.ThreadMXBean threads) {
        return threads == null ? 0 : threads.getCurrentThreadAllocatedBytes();
    }

    private static void checkFrame(CaptureReader r) {
        int caplen = r.capturedLength();
        assertThat(caplen).isBetween(0, CaptureReader.MAX_CAPTURED_LENGTH);
        assertThat(r.dataOffset()).isNotNegative();
        assertThat(r.dataOffset() + (long) caplen).isLessThanOrEqualTo(r.buffer().byteSize());
        assertThat(r.data()).hasSize(caplen);
        int ifIndex = r.interfaceIndex();
        assertThat(ifIndex).isBetween(0, r.interfaceCount() - 1);
        assertThat(r.interfaceLinkType(ifIndex)).isEqualTo(r.linkType());
        r.interfaceName(ifIndex);
        r.timestampNs();
        r.wireLength();
        r.position();
        if (r instanceof PcapngReader ng) {
            ng.comment();
            ng.interfaceTsresol(ifIndex);
        }
    }

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()) {
            t.setThreadAllocatedMemoryEnabled(true);
            return t;
        }
        return null;
    }

    @Test
    void aTwoGibibyteBlockLengthIsRefusedWithoutAllocatingIt() {
        // SHB, then an EPB announcing 0x80000000 bytes: the reader must refuse, not allocate.
        byte[] shb = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
                -1, -1, -1, -1, -1, -1, -1, -1, 28, 0, 0, 0};
        byte[] epb = {6, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0, 0, 0, 0};
        byte[] file = new byte[shb.length + epb.length];
        System.arraycopy(shb, 0, file, 0, shb.length);
        System.arraycopy(epb, 0, file, shb.length, epb.length);
        assertThat(checkCapture(file)).isEqualTo(-1);
    }

    @Test
    void projectAndSharedCapturesAndTheirTruncationsReadCleanly() throws IOException {
        List<Path> files = new ArrayList<>(captures(projectCaptures()));
        Path shared = SharedPcaps.folder();
        if (shared != null) {
            files.addAll(captures(shared));
        }
        Assumptions.assumeFalse(files.isEmpty(), "no test-pcaps or ../shared/pcaps found: skipped");
        int read = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            if (checkCapture(bytes) >= 0) {
                read++;
            }
            // Cut at a few places, and flip one byte in the headers: the damage real files show.
            for (int cut : new int[] {1, 3, 4, 23, 24, 27, 28, 40, 100, bytes.length / 2, bytes.length - 1}) {
                if (cut < bytes.length) {
                    checkCapture(java.util.Arrays.copyOf(bytes, cut));
                }
            }
            for (int at = 0; at < Math.min(bytes.length, 64); at += 5) {
                byte[] flipped = bytes.clone();
                flipped[at] ^= (byte) 0x80;
                checkCapture(flipped);
            }
        }
        assertThat(read).as("captures read whole").isPositive();
    }

    private static Path projectCaptures() {
        String root = System.getProperty("pswitch.root");
        return (root == null ? Path.of("..") : Path.of(root)).resolve("test-pcaps");
    }

    private static List<Path> captures(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng") || p.toString().endsWith(".cap"))
                    .sorted().toList();
        }
    }
}

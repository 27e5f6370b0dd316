package io.pswitch.dataplane.frame;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pswitch.pktlog.pcap.CaptureFormatException;
import io.pswitch.pktlog.pcap.CaptureReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link EthernetFrame#parse}: arbitrary bytes at an arbitrary offset with an arbitrary
 * length. The segment ends exactly where the frame ends, so any read past {@code length} throws
 * {@link IndexOutOfBoundsException} and is a finding.
 *
 * <p>{@code mvn verify} replays the inputs in {@code src/test/resources/io/pswitch/dataplane/frame/
 * EthernetFrameFuzzTestInputs/parse/} (regression mode: seeds cut from test-pcaps, and every crash
 * found); {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md). The frames of test-pcaps and of
 * {@code ../shared/pcaps} (when present) go through the same check in
 * {@link #projectAndSharedCaptureFramesParseWithinTheirLength}.
 */
class EthernetFrameFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parse(FuzzedDataProvider data) {
        int offset = data.consumeInt(0, 4096);
        byte[] frame = data.consumeRemainingAsBytes();
        checkParse(offset, frame);
    }

    /** The frame's bytes sit at {@code offset} in a segment of exactly {@code offset + frame.length} bytes. */
    static void checkParse(int offset, byte[] frame) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(offset + frame.length + 0L, 1);
            MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, offset, frame.length);
            for (int length = 0; length <= frame.length; length++) {
                checkResult(segment, offset, length);
            }
        }
    }

    private static void checkResult(MemorySegment segment, int offset, int length) {
        long parsed = EthernetFrame.parse(segment, offset, length);
        if (parsed == EthernetFrame.RUNT) {
            assertThat(length).as("a runt is shorter than the header its tags announce")
                    .isLessThan(expectedHeaderLength(segment, offset, length));
            return;
        }
        int headerLength = EthernetFrame.headerLength(parsed);
        assertThat(headerLength).isGreaterThanOrEqualTo(EthernetFrame.HEADER_LENGTH).isLessThanOrEqualTo(length);
        assertThat((headerLength - EthernetFrame.HEADER_LENGTH) % EthernetFrame.TAG_LENGTH).isZero();
        assertThat(headerLength).isEqualTo(expectedHeaderLength(segment, offset, length));
        int innerType = EthernetFrame.innerEtherType(parsed);
        assertThat(EthernetFrame.isTagType(innerType)).as("the inner EtherType is never a tag").isFalse();
        assertThat(innerType).isEqualTo(EthernetFrame.etherTypeAt(segment, offset + headerLength - 2));
        int outerVid = EthernetFrame.outerVid(parsed);
        if (headerLength == EthernetFrame.HEADER_LENGTH) {
            assertThat(outerVid).isZero();
        } else {
            assertThat(outerVid).isEqualTo(EthernetFrame.etherTypeAt(segment, offset + 14) & EthernetFrame.VID_MASK);
        }
    }

    /** The header length by a plain walk over the tags; {@code Integer.MAX_VALUE} when they run past {@code length}. */
    private static int expectedHeaderLength(MemorySegment segment, int offset, int length) {
        if (length < EthernetFrame.HEADER_LENGTH) {
            return EthernetFrame.HEADER_LENGTH;
        }
        int typeAt = EthernetFrame.TYPE_OFFSET;
        while (EthernetFrame.isTagType(EthernetFrame.etherTypeAt(segment, offset + typeAt))) {
            typeAt += EthernetFrame.TAG_LENGTH;
            if (typeAt + 2 > length) {
                return typeAt + 2;
            }
        }
        return typeAt + 2;
    }

    /** Every frame of the project's captures and of {@code ../shared/pcaps} (when present), at a few offsets. */
    @Test
    void projectAndSharedCaptureFramesParseWithinTheirLength() throws IOException {
        List<Path> files = new ArrayList<>(captures(root().resolve("test-pcaps")));
        Path shared = sharedPcaps();
        if (shared != null) {
            files.addAll(captures(shared));
        }
        Assumptions.assumeFalse(files.isEmpty(), "no test-pcaps or ../shared/pcaps found: skipped");
        int frames = 0;
        for (Path f : files) {
            try (CaptureReader r = CaptureReader.open(f)) {
                while (r.next()) {
                    byte[] frame = r.data();
                    checkParse(frames % 5, frame.length > 256 ? java.util.Arrays.copyOf(frame, 256) : frame);
                    frames++;
                }
            } catch (CaptureFormatException damaged) {
                // third-party captures include deliberately broken files: the frames before the damage count
            }
        }
        assertThat(frames).isPositive();
    }

    private static Path root() {
        return Path.of(System.getProperty("pswitch.root", "..")).toAbsolutePath().normalize();
    }

    /** {@code <pswitch.root>/../shared/pcaps} (or beside an ancestor, for worktrees), or null. */
    private static Path sharedPcaps() {
        for (Path p = root(); p != null && p.getParent() != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("pcaps");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static List<Path> captures(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted().toList();
        }
    }
}

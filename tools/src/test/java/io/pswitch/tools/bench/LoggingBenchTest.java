package io.pswitch.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.logging.Durability;
import io.pswitch.pktlog.libpcap.LibpcapMissingException;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tiny cases of each variant of the logging benchmark, with the real switch, shm ports, libpcap
 * filter and files: what each log holds must be exactly the frames the filter selects. No speed
 * is asserted.
 */
class LoggingBenchTest {
    private static final int FRAMES = 4000;

    private Path dir;

    @BeforeEach
    void createDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "benchlog")
                : Files.createTempDirectory("benchlog");
    }

    @AfterEach
    void deleteDir() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private LoggingRun open(LoggingCase.Variant variant, int size, int match, Durability durability) throws IOException {
        try {
            return LoggingRun.open(new LoggingCase(variant, size, match, durability, "tmpfs", dir));
        } catch (LibpcapMissingException e) {
            Assumptions.abort("libpcap is not installed: " + e.getMessage());
            throw e;
        }
    }

    private static List<Long> markedSeqs(long sent, int match) {
        List<Long> out = new ArrayList<>();
        for (long s = 0; s < sent; s++) {
            if (LoggingTraffic.marked(s, match)) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void forwardingReferenceTakesEveryFrameAndLogsNothing() throws Exception {
        try (LoggingRun run = open(LoggingCase.Variant.FORWARD, 64, 10, null)) {
            LoggingResult r = run.measure(0, 0, FRAMES);
            assertThat(r.sent()).isEqualTo(FRAMES);
            assertThat(r.loggedTotal()).isZero();
            assertThat(r.commits()).isZero();
            assertThat(run.agent().logging()).isNull();
            // Everything sent went through the switch: forwarded to the sink or counted as a drop.
            assertThat(run.agent().counters(1).txFrames() - 1 + r.dropped()).isGreaterThanOrEqualTo(FRAMES);
        }
    }

    @Test
    void filterOnlyStepMatchesTheMarkedFramesAndPersistsNothing() throws Exception {
        try (LoggingRun run = open(LoggingCase.Variant.FILTER_ONLY, 64, 10, null)) {
            LoggingResult r = run.measure(0, 0, FRAMES);
            assertThat(r.loggedTotal()).as("frames matched").isEqualTo(markedSeqs(run.sent(), 10).size());
            assertThat(r.commits()).isZero();
            assertThat(run.log()).isNull();
            assertThat(run.baseline()).isNull();
        }
    }

    @Test
    void zeroCopyLogHoldsExactlyTheMatchingFramesInSyncMode() throws Exception {
        assertZeroCopyLogsMatchingFrames(64, 10, Durability.sync());
    }

    @Test
    void zeroCopyLogHoldsExactlyTheMatchingFramesInBatchMode() throws Exception {
        assertZeroCopyLogsMatchingFrames(1024, 100, Durability.batch(1024, Duration.ofMillis(1)));
    }

    private void assertZeroCopyLogsMatchingFrames(int size, int match, Durability durability) throws Exception {
        try (LoggingRun run = open(LoggingCase.Variant.ZERO_COPY, size, match, durability)) {
            LoggingResult r = run.measure(0, 0, FRAMES);
            List<Long> expected = markedSeqs(run.sent(), match);
            List<Long> seqs = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            new LogReader(run.log()).query(LogQuery.all(), (rec, frame, off) -> {
                long seq = LoggingTraffic.seq(frame, off);
                seqs.add(seq);
                byte[] stored = frame.asSlice(off, rec.storedLength()).toArray(ValueLayout.JAVA_BYTE);
                if (!Arrays.equals(stored, LoggingTraffic.frame(size, match, seq))) {
                    wrong.add("record " + rec.sequence() + " (frame " + seq + ")");
                }
                return true;
            });
            assertThat(r.loggedTotal()).as("frames the switch reported logged").isEqualTo(expected.size());
            assertThat(run.log().appendedCount()).isEqualTo(r.loggedTotal());
            assertThat(seqs).as("records in the log").isEqualTo(expected);
            assertThat(wrong).as("records whose bytes differ from the frame sent").isEmpty();
            assertThat(run.log().committedSeq()).isEqualTo(run.log().appendedSeq());
            assertThat(r.commits()).isPositive();
            assertThat(r.skippedNoBuffer()).isZero();
        }
    }

    @Test
    void copyBaselineFileHoldsExactlyTheMatchingFramesInSyncMode() throws Exception {
        assertCopyLogsMatchingFrames(64, 100, Durability.sync());
    }

    @Test
    void copyBaselineFileHoldsExactlyTheMatchingFramesInBatchMode() throws Exception {
        assertCopyLogsMatchingFrames(1500, 10, Durability.batch(1024, Duration.ofMillis(1)));
    }

    private void assertCopyLogsMatchingFrames(int size, int match, Durability durability) throws Exception {
        try (LoggingRun run = open(LoggingCase.Variant.COPY, size, match, durability)) {
            LoggingResult r = run.measure(0, 0, FRAMES);
            List<Long> expected = markedSeqs(run.sent(), match);
            CopyLogBaseline baseline = run.baseline();
            assertThat(baseline.wraps()).as("a tiny case never wraps the file").isZero();
            CopyLogContents contents = readCopyLog(baseline.path(), size, match);
            assertThat(r.loggedTotal()).as("frames the baseline reported copied").isEqualTo(expected.size());
            assertThat(contents.recordSeqs).as("record numbers").isEqualTo(indices(expected.size()));
            assertThat(contents.frameSeqs).as("frames in the copy log").isEqualTo(expected);
            assertThat(contents.wrong).as("records whose bytes, CRC or port are wrong").isEmpty();
            assertThat(contents.endsAtDataEnd).as("the data ends with an empty header").isTrue();
            assertThat(contents.dataBytes).isEqualTo((long) expected.size() * size).isEqualTo(baseline.bytes());
            assertThat(r.commits()).isPositive();
            assertThat(run.agent().logging()).as("the copy baseline runs without the zero-copy log").isNull();
        }
    }

    @Test
    void copyBaselineWrapsItsFileAndKeepsTheNewestFramesAtTheStart() throws Exception {
        int size = 1500;
        long fileBytes = 1 << 20;
        try (LoggingRun run = LoggingRun.open(new LoggingCase(LoggingCase.Variant.COPY, size, 100,
                Durability.batch(64, Duration.ofMillis(1)), "tmpfs", dir), fileBytes)) {
            LoggingResult r = run.measure(0, 0, 2000);
            long perFile = (fileBytes - CopyLogDescriptor.FILE_HEADER_SIZE) / CopyLogDescriptor.recordSize(size);
            assertThat(r.loggedTotal()).isEqualTo(2000);
            assertThat(run.baseline().wraps()).isEqualTo((2000 - 1) / perFile);
            CopyLogContents contents = readCopyLog(run.baseline().path(), size, 100);
            // From the start: the records since the last wrap, up to the last frame sent.
            long firstAfterWrap = run.baseline().wraps() * perFile;
            assertThat(contents.recordSeqs).isEqualTo(indices(firstAfterWrap, 2000));
            assertThat(contents.frameSeqs).isEqualTo(indices(firstAfterWrap, 2000));
            assertThat(contents.wrong).isEmpty();
        }
    }

    private static List<Long> indices(long n) {
        return indices(0, n);
    }

    private static List<Long> indices(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    private static final class CopyLogContents {
        final List<Long> recordSeqs = new ArrayList<>();
        final List<Long> frameSeqs = new ArrayList<>();
        final List<String> wrong = new ArrayList<>();
        long dataBytes;
        boolean endsAtDataEnd;
    }

    /** The records from the first record offset on, while their numbers go up by one. */
    private static CopyLogContents readCopyLog(Path path, int size, int match) throws IOException {
        CopyLogContents out = new CopyLogContents();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            assertThat(CopyLogDescriptor.magic(file)).isEqualTo(CopyLogDescriptor.MAGIC);
            long at = CopyLogDescriptor.FILE_HEADER_SIZE;
            while (at + CopyLogDescriptor.RECORD_HEADER_SIZE <= file.byteSize()) {
                int len = CopyLogDescriptor.length(file, at);
                if (len == 0) {
                    out.endsAtDataEnd = true;
                    break;
                }
                long recordSeq = CopyLogDescriptor.seq(file, at);
                if (len < 0 || (!out.recordSeqs.isEmpty() && recordSeq != out.recordSeqs.getLast() + 1)) {
                    break;
                }
                long data = at + CopyLogDescriptor.RECORD_HEADER_SIZE;
                byte[] stored = file.asSlice(data, len).toArray(ValueLayout.JAVA_BYTE);
                long seq = LoggingTraffic.seq(file, data);
                out.recordSeqs.add(recordSeq);
                out.frameSeqs.add(seq);
                CRC32C crc = new CRC32C();
                crc.update(stored);
                if (!Arrays.equals(stored, LoggingTraffic.frame(size, match, seq))
                        || (int) crc.getValue() != CopyLogDescriptor.crc(file, at)
                        || CopyLogDescriptor.ingressPort(file, at) != 0) {
                    out.wrong.add("record at " + at + " (frame " + seq + ")");
                }
                out.dataBytes += len;
                at += CopyLogDescriptor.recordSize(len);
            }
        }
        return out;
    }

    /**
     * {@code --segment-log-size}: on a disk, a zero-copy run warms up until its segment tier has
     * wrapped (the first segment recycled), and the result says the window ran in that state; the
     * default log does not wrap in a short run and says so too.
     */
    @Test
    void aSmallSegmentLogIsWrappedBeforeTheWindowAndTheResultSaysSo() throws Exception {
        Path varTmp = Path.of("/var/tmp");
        Assumptions.assumeTrue(Files.isDirectory(varTmp) && Files.isWritable(varTmp), "no /var/tmp disk to log to");
        Path disk = Files.createTempDirectory(varTmp, "benchlog-wrap");
        try {
            LoggingCase wrapping = new LoggingCase(LoggingCase.Variant.ZERO_COPY, 1024, 100, Durability.parse("batch"), "disk",
                    disk, null, 128L << 20, true);
            try (LoggingRun run = LoggingRun.open(wrapping)) {
                LoggingResult r = run.measure(0.05, 0.1, 0);
                assertThat(r.segmentsWrapped()).isTrue();
                assertThat(r.loggedTotal()).as("more than the log holds went through it")
                        .isGreaterThan((128L << 20) / 1024);
            }
            // A variant without a segment tier has nothing to wrap: its warm-up is what it was told.
            LoggingCase forward = new LoggingCase(LoggingCase.Variant.FORWARD, 1024, 100, null, "disk", disk, null, 128L << 20, true);
            try (LoggingRun run = LoggingRun.open(forward)) {
                assertThat(run.measure(0.05, 0.05, 0).segmentsWrapped()).isFalse();
            }
            LoggingCase large = new LoggingCase(LoggingCase.Variant.ZERO_COPY, 1024, 100, Durability.parse("batch"), "disk",
                    disk, null, LoggingCase.DEFAULT_SEGMENT_LOG_BYTES, false);
            try (LoggingRun run = LoggingRun.open(large)) {
                assertThat(run.measure(0, 0, 2000).segmentsWrapped()).isFalse();
            }
        } catch (LibpcapMissingException e) {
            Assumptions.abort("libpcap is not installed: " + e.getMessage());
        } finally {
            try (Stream<Path> files = Files.walk(disk)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}

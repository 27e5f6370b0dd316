package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.index.ClosedLog;
import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.LogVerifier;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A full disk, two ways: a data directory too small for the pool or the index makes
 * {@code pswitch run} fail at start with exit code 2 and one line naming the file, the bytes asked
 * and the bytes free; a log whose pool or index fills while running retires its oldest records
 * (FIFO) and forwarding goes on.
 */
@Timeout(120)
class FullDiskTest {
    private static final Pattern NO_SPACE = Pattern.compile(
            "^pswitch: not enough space for (buffer pool|index) (\\S+): (\\d+) bytes asked, (\\d+) bytes free$", Pattern.MULTILINE);
    private static final Pattern RETIRED = Pattern.compile("retired (\\d+)");
    private static final long TMPFS_BYTES = 4L << 20;

    @TempDir
    Path tmp;
    private final String tag = "f" + Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 1000, 36);

    /** Memory (tmpfs), where the hot tier is the log in place. */
    private Path inMemory;

    @org.junit.jupiter.api.BeforeEach
    void memoryDir() throws java.io.IOException {
        Path shm = Path.of("/dev/shm");
        inMemory = Files.isDirectory(shm) ? Files.createTempDirectory(shm, "pswitch-fulldisk") : Files.createTempDirectory("pswitch-fulldisk");
    }

    @AfterEach
    void removeMemoryDir() throws java.io.IOException {
        try (var walk = Files.walk(inMemory)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @AfterEach
    void removePortFiles() {
        ShmTraffic.deletePortFiles(tag + "a", tag + "b");
    }

    @Test
    void startFailsWithExitTwoNamingTheFileTheSizeAskedAndTheSpaceFreeWhenTheDiskIsFull() throws Exception {
        assumeTrue(Netns.run(10, "id", "-u").output().trim().equals("0"),
                "needs root to mount a 4 MiB tmpfs as a full disk; skipped");
        Path mnt = Files.createDirectories(tmp.resolve("small"));
        Netns.Result mount = Netns.run(10, "mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString());
        assumeTrue(mount.exitCode() == 0, "cannot mount a tmpfs here (" + mount.output().trim() + "); skipped");
        try {
            // The default pool (65536 x 2048 B) cannot fit.
            Path data = mnt.resolve("data");
            Run pool = run(tmp.resolve("pool.log"), "--port", "a=shm:" + tag + "a", "--data-dir", data.toString(),
                    "--ring-size", "64", "--batch", "32");
            Matcher m = pool.expectNoSpace("buffer pool");
            assertThat(m.group(2)).isEqualTo(data.resolve("pool").toString());
            assertThat(Long.parseLong(m.group(3))).isEqualTo(BufferPoolDescriptor.fileSize(2048, 65536));
            assertThat(Long.parseLong(m.group(4))).isBetween(TMPFS_BYTES - (64 << 10), TMPFS_BYTES);
            assertThat(Files.exists(data.resolve("pool"))).as("no pool file left behind").isFalse();

            // A 2 MiB pool fits; then an index of 65536 records (4 MiB) does not.
            Run index = run(tmp.resolve("index.log"), "--port", "a=shm:" + tag + "a", "--data-dir", data.toString(),
                    "--ring-size", "64", "--batch", "32", "--buffers", "1024", "--log-records", "65536");
            m = index.expectNoSpace("index");
            Path indexPath = IndexFileDescriptor.defaultPath(data.resolve("pool"));
            assertThat(m.group(2)).isEqualTo(indexPath.toString());
            assertThat(Long.parseLong(m.group(3))).isEqualTo(IndexFileDescriptor.fileSize(65536));
            long poolBytes = BufferPoolDescriptor.fileSize(2048, 1024);
            assertThat(Long.parseLong(m.group(4))).isBetween(TMPFS_BYTES - poolBytes - (64 << 10), TMPFS_BYTES - poolBytes);
            assertThat(Files.exists(indexPath)).as("no index file left behind").isFalse();
        } finally {
            Netns.Result umount = Netns.run(10, "umount", mnt.toString());
            if (umount.exitCode() != 0) {
                Netns.run(10, "umount", "-l", mnt.toString());
            }
        }
    }

    private record Run(int exitCode, String output) {
        /** Exit code 2 and exactly one line from pswitch: the no-space message. */
        Matcher expectNoSpace(String file) {
            assertThat(exitCode).as(output).isEqualTo(2);
            List<String> lines = output.lines().filter(l -> l.startsWith("pswitch:")).toList();
            assertThat(lines).as("one line from pswitch").hasSize(1);
            assertThat(output).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
            Matcher m = NO_SPACE.matcher(lines.get(0));
            assertThat(m.find()).as("a no-space message: " + lines.get(0)).isTrue();
            assertThat(m.group(1)).isEqualTo(file);
            return m;
        }
    }

    private static Run run(Path out, String... args) throws Exception {
        try (ChildSwitch sw = ChildSwitch.start(out, args)) {
            assertThat(sw.process().waitFor(60, TimeUnit.SECONDS)).as("switch exits by itself").isTrue();
            return new Run(sw.process().exitValue(), sw.output());
        }
    }

    /**
     * {@code pool}: 1024 buffers hold far fewer records than the index: the pool's low-water mark
     * retires. {@code index}: 2048 records in a pool with room to spare: the full index retires.
     * (Not much smaller: retention retires {@code records / 16} at a time with one flush each, so a
     * tiny index flushes every few frames.)
     */
    @ParameterizedTest(name = "{0} full")
    @CsvSource({"pool, 1024, 4096", "index, 4096, 2048"})
    void aFullLogRetiresItsOldestRecordsAndForwardingGoesOn(String what, int buffers, int records) throws Exception {
        // A data directory in memory: the hot tier in place is the whole log (no segment tier), FIFO.
        Path data = inMemory.resolve("data");
        int frames = 20_000;
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), "--port", "a=shm:" + tag + "a",
                "--port", "b=shm:" + tag + "b", "--data-dir", data.toString(), "--buffers", Integer.toString(buffers),
                "--ring-size", "64", "--batch", "32", "--log-records", Integer.toString(records),
                "--filter", "all=udp", "--durability", "batch", "--status-interval", "100ms")) {
            sw.awaitOutput("pswitch: filters:", 60_000);
            try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", 0, frames, 20_000)) {
                traffic.awaitSent(30_000);
                // Every frame is forwarded, the last ones long after the log filled up (or dropped at
                // a full ring of a descheduled receiver, and counted).
                traffic.awaitForwardedOrDropped(frames, sw, "a", 0, 30_000);
            }
            Thread.sleep(300); // one more status line after the last frame
            Matcher m = RETIRED.matcher(sw.output());
            long retired = -1;
            while (m.find()) {
                retired = Long.parseLong(m.group(1));
            }
            assertThat(retired).as("retired count in the status line\n" + sw.output()).isGreaterThan(0);
            assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
            assertThat(sw.output()).contains("pswitch: stopped");
        }
        // The log kept the newest frames, in order, intact: frame id = sequence - 1 (every frame matched).
        Path pool = data.resolve("pool");
        LogVerifier.Report v = LogVerifier.verify(pool);
        assertThat(v.clean()).as(String.join("\n", v.lines())).isTrue();
        assertThat(v.oldestSeq()).as("oldest records retired").isGreaterThan(1);
        assertThat(v.newestSeq()).as("every frame was logged").isEqualTo(frames);
        assertThat(v.validRecords()).isLessThanOrEqualTo(Math.min(records, buffers));
        try (ClosedLog log = ClosedLog.open(pool)) {
            LogReader reader = new LogReader(log);
            long n = reader.query(LogQuery.all(), (rec, frame, off) -> {
                long id = NumberedFrames.id(frame, off, rec.storedLength());
                assertThat(id).as("record " + rec).isEqualTo(rec.sequence() - 1);
                assertThat(NumberedFrames.matches(id, frame, off, rec.storedLength(), rec.wireLength())).as("record " + rec).isTrue();
                return true;
            });
            assertThat(n).isEqualTo(v.validRecords());
            assertThat(reader.crcMismatches()).isZero();
        }
    }
}

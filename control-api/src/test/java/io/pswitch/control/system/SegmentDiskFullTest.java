package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TieredLogReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment tier on a disk that fills up while the switch runs (something else takes the space):
 * matches that storage cannot take are skipped and counted, forwarding goes on, and logging comes
 * back by itself once there is room again; the log then verifies clean. And a disk too small for
 * {@code --log-size} is one line at start naming the directory and the sizes. A small tmpfs stands
 * for the disk (root only).
 */
@Timeout(300)
class SegmentDiskFullTest {
    private static final Pattern SKIPPED = Pattern.compile("skipped (\\d+) \\(storage behind\\)");
    private static final Pattern TOTAL = Pattern.compile(" total (\\d+) records");
    private static final Pattern NO_BUFFER = Pattern.compile("\\(storage behind\\) (\\d+) \\(no buffer\\)");
    private static final long DISK_BYTES = 24L << 20;

    @TempDir
    Path tmp;
    private Path mnt;
    private Path memory;
    private final String tag = "s" + Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 1000, 36);

    @BeforeEach
    void smallDisk() throws Exception {
        assumeTrue(Netns.run(10, "id", "-u").output().trim().equals("0"), "needs root to mount a small tmpfs as a disk; skipped");
        mnt = Files.createDirectories(tmp.resolve("disk"));
        Netns.Result mount = Netns.run(10, "mount", "-t", "tmpfs", "-o", "size=" + (DISK_BYTES >> 20) + "m", "tmpfs", mnt.toString());
        assumeTrue(mount.exitCode() == 0, "cannot mount a tmpfs here (" + mount.output().trim() + "); skipped");
        Path shm = Path.of("/dev/shm");
        memory = Files.isDirectory(shm) ? Files.createTempDirectory(shm, "pswitch-segfull") : Files.createTempDirectory("pswitch-segfull");
    }

    @AfterEach
    void unmount() throws Exception {
        ShmTraffic.deletePortFiles(tag + "a", tag + "b");
        if (mnt != null && Netns.run(10, "umount", mnt.toString()).exitCode() != 0) {
            Netns.run(10, "umount", "-l", mnt.toString());
        }
        if (memory != null) {
            try (var walk = Files.walk(memory)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private String[] args(Path data, String logSize) {
        return new String[] {"--port", "a=shm:" + tag + "a", "--port", "b=shm:" + tag + "b", "--data-dir", data.toString(),
                "--pool-dir", memory.toString(), "--log-size", logSize, "--segment-size", "1M", "--buffers", "4096",
                "--ring-size", "256", "--batch", "32", "--log-records", "1024", "--filter", "all=udp", "--durability", "batch",
                "--status-interval", "100ms"};
    }

    private static long last(Pattern p, String output) {
        Matcher m = p.matcher(output);
        long v = 0;
        while (m.find()) {
            v = Long.parseLong(m.group(1));
        }
        return v;
    }

    private static void awaitStatus(ChildSwitch sw, Pattern p, long atLeast, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (last(p, sw.output()) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " never reached " + atLeast + ":\n" + sw.output());
            }
            Thread.sleep(50);
        }
    }

    private static void awaitAccounted(ChildSwitch sw, long matches) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (last(TOTAL, sw.output()) + last(SKIPPED, sw.output()) + last(NO_BUFFER, sw.output()) < matches) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("matches never all logged or counted as skipped (" + matches + "):\n" + sw.output());
            }
            Thread.sleep(50);
        }
    }

    /** Another program that fills the disk: it appends to a file whenever the disk has room. */
    private static final class Filler extends Thread {
        private final Path file;
        private volatile boolean running = true;

        Filler(Path file) {
            super("disk-filler");
            setDaemon(true);
            this.file = file;
        }

        @Override
        public void run() {
            byte[] chunk = new byte[64 << 10];
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                while (running) {
                    try {
                        raf.seek(raf.length());
                        raf.write(chunk);
                    } catch (IOException full) {
                        Thread.sleep(2);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the test sees the effect (or its absence) in the switch's counters
            }
        }

        void finish() throws InterruptedException {
            running = false;
            join(10_000);
        }
    }

    @Test
    void aDiskThatFillsUnderTheLogSkipsMatchesKeepsForwardingAndRecovers() throws Exception {
        Path data = mnt.resolve("data");
        long frames = 0;
        // A log that reached its --log-size recycles its own oldest file and needs no new space, so
        // the disk must fill while the log is still below its size: 16M of a 24M disk.
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), args(data, "16M"))) {
            sw.awaitOutput("pswitch: filters:", 60_000);
            assertThat(sw.output()).contains("segment tier: " + data.resolve("segments"));
            try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", 0, 20_000, 10_000)) {
                traffic.awaitSent(60_000);
                traffic.awaitForwardedOrDropped(20_000, sw, "a", 0, 60_000);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + sw.output(), e);
            }
            frames = 20_000;
            // Every match is accounted for: logged, or skipped while the drain was behind (it may be,
            // briefly, while its first segment is made on a busy machine).
            awaitAccounted(sw, frames);
            long skippedBefore = last(SKIPPED, sw.output());
            // Something else takes the disk, and keeps taking whatever the log frees: first the log
            // deletes its oldest segments to go on, then it has only its newest one and nothing to free.
            Path filler = mnt.resolve("filler");
            Filler grab = new Filler(filler);
            grab.start();
            long dropsBefore = sw.drops("a");
            try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", frames, 60_000, 10_000)) {
                traffic.awaitSent(60_000);
                // Every frame is forwarded, logged or not (or dropped at a full ring of the receiver, counted).
                traffic.awaitForwardedOrDropped(60_000, sw, "a", dropsBefore, 120_000);
                assertThat(traffic.received()).as("frames forwarded while the disk was full").isPositive();
            }
            frames += 60_000;
            awaitStatus(sw, SKIPPED, skippedBefore + 1, "matches skipped while storage was full");
            grab.finish();
            long skipped = last(SKIPPED, sw.output());
            // Room again: the drain catches up by itself and logging resumes.
            Files.delete(filler);
            long loggedBefore = last(TOTAL, sw.output());
            // Traffic goes on in bursts until a match is logged again: the drain retries a full disk
            // on its own schedule (every second), so on a busy machine a first burst may still be
            // skipped whole while the hot tier waits for it.
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (last(TOTAL, sw.output()) <= loggedBefore) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("logging never resumed after the disk had room again:\n" + sw.output());
                }
                dropsBefore = sw.drops("a");
                try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", frames, 2_000, 10_000)) {
                    traffic.awaitSent(60_000);
                    traffic.awaitForwardedOrDropped(2_000, sw, "a", dropsBefore, 60_000);
                }
                frames += 2_000;
                Thread.sleep(500); // a status line or more after the burst
            }
            assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
            assertThat(skipped).as("skipped only while storage was behind").isLessThan(frames);
        }
        try (LogView log = LogView.open(data)) {
            var report = log.segments().inspect();
            assertThat(report.refused()).as("no segment refused").isEmpty();
            assertThat(report.dropped()).as("no chunk damaged").isEmpty();
            assertThat(log.hot()).as("a clean stop drained the hot tier").isNull();
            TieredLogReader reader = log.reader();
            long[] prev = {-1, 0};
            reader.query(LogQuery.all(), (rec, frame, off) -> {
                long id = NumberedFrames.id(frame, off, rec.storedLength());
                assertThat(NumberedFrames.matches(id, frame, off, rec.storedLength(), rec.wireLength())).isTrue();
                assertThat(id).as("frames logged in the order they came").isGreaterThan(prev[0]);
                prev[0] = id;
                prev[1]++;
                return true;
            });
            assertThat(reader.crcMismatches()).isZero();
            assertThat(prev[1]).as("records kept").isPositive();
        }
    }

    @Test
    void aDiskTooSmallForTheLogSizeIsOneLineNamingTheDirectoryAndTheSizes() throws Exception {
        Path data = mnt.resolve("data");
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("small.log"), args(data, "1G"))) {
            assertThat(sw.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sw.process().exitValue()).as(sw.output()).isEqualTo(2);
            List<String> lines = sw.output().lines().filter(l -> l.startsWith("pswitch:")).toList();
            assertThat(lines).as(sw.output()).hasSize(1);
            assertThat(lines.getFirst()).contains(data.resolve("segments").toString()).contains(Long.toString(1L << 30))
                    .contains("free");
            assertThat(sw.output()).doesNotContain("\tat ");
        }
    }
}

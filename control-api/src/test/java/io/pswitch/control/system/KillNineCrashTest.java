package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pswitch.pktlog.index.DroppedRecord;
import io.pswitch.pktlog.index.LogVerifier;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TierLayout;
import io.pswitch.pktlog.tier.TieredLogReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 under load, LevelDB/RocksDB style: a real {@code pswitch run} (a child JVM) logs a known
 * quarter of a numbered frame stream and writes every committed record to a commit oracle
 * ({@code --commit-oracle}) after its commit returned; the test kills it with SIGKILL at a random
 * moment (a few rounds during start-up and recovery), verifies the files offline, restarts it on
 * the same data directory, and repeats, alternating {@code sync} and {@code batch} durability.
 *
 * <p>After every kill: every oracle record is in the log with exactly the logged bytes (same length
 * and CRC32C, and the very frame the generator sent under that id), unless FIFO retention retired
 * it with a full index; nothing the reader returns fails verification; the valid run is
 * contiguous. After every restart: recovery reports exactly what the offline verifier saw, and the
 * new records continue the recovered sequence (recover, append, crash, recover: no sequence is
 * ever reused).
 *
 * <p>Quick mode: 20 rounds. {@code -Dpswitch.long=true}: 100 rounds. {@code -Dpswitch.crash.rounds=N}:
 * N rounds (with {@code -Djunit.jupiter.execution.timeout.mode=disabled} beyond the 15-minute timeout).
 * {@code -Dpswitch.crash.seed=N} replays a run's kill moments.
 */
@Timeout(900)
class KillNineCrashTest {
    private static final Pattern RECOVERED = Pattern.compile(
            "recovered (\\d+) records \\(seq (\\d+)\\.\\.(-?\\d+)\\), dropped (\\d+).*took (\\d+) us");
    private static final int LOG_RECORDS = 16384;
    private static final long SEGMENT_SIZE = 4L << 20;
    private static final long LOG_SIZE = 1L << 30;
    private static final long RATE = 100_000;
    /** Frames per batch: a torn record at the tail may cost at most the batch being written. */
    private static final int BATCH = 64;

    /** Kept when the test fails: the children's logs and the data directory are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    private final String tag = "k" + Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 1000, 36);
    private final String portA = tag + "a";
    private final String portB = tag + "b";

    /** Oracle records not yet retired: seq -> {stored, wire, crc}. */
    private final TreeMap<Long, long[]> oracle = new TreeMap<>();
    private long maxOracleSeq;
    private long oracleLines;
    private long recordsChecked;
    private long badRecordsAfterKills;
    private long maxRecoveryMicros;

    @AfterEach
    void removePortFiles() throws IOException {
        ShmTraffic.deletePortFiles(portA, portB);
        // A hot tier left in /dev/shm by a failed run (a clean stop removes it itself).
        TierLayout layout = TierLayout.read(tmp.resolve("data"));
        if (layout != null && layout.relocated()) {
            Files.deleteIfExists(layout.indexFile());
            Files.deleteIfExists(layout.poolFile());
            Files.deleteIfExists(layout.poolFile().getParent());
        }
    }

    @Test
    void everyCommittedRecordSurvivesKillNineByteExactAndSequencesContinueAfterRecovery() throws Exception {
        boolean longMode = Boolean.getBoolean("pswitch.long");
        int rounds = Integer.getInteger("pswitch.crash.rounds", longMode ? 100 : 20);
        long seed = Long.getLong("pswitch.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        String ctx = "seed " + seed + " (replay with -Dpswitch.crash.seed=" + seed + ")";
        Path data = tmp.resolve("data");
        long nextId = 0;
        LogVerifier.Report afterKill = null;
        int startupKills = 0;
        long transmitted = -1;
        long started = System.nanoTime();

        for (int round = 0; round < rounds; round++) {
            String durability = round % 2 == 0 ? "sync" : "batch";
            boolean killDuringStartup = round % 5 == 4;
            String where = ctx + ", round " + round + " (" + durability + ")";
            Path oracleFile = tmp.resolve("oracle-" + round);
            Path out = tmp.resolve("switch-" + round + ".log");
            try (ChildSwitch sw = ChildSwitch.start(out, args(data, durability, oracleFile))) {
                if (killDuringStartup) {
                    // Somewhere in JVM start, pool mapping, recovery or port creation.
                    Thread.sleep(random.nextInt(1200));
                    sw.kill();
                    startupKills++;
                } else {
                    sw.awaitOutput("pswitch: filters:", 60_000);
                    Recovered rec = recovered(sw.output(), where);
                    maxRecoveryMicros = Math.max(maxRecoveryMicros, rec.micros);
                    if (afterKill != null) {
                        // Recovery keeps exactly the run the offline verifier accepted, and drops the rest.
                        assertThat(rec.oldest).as(where + ": recovered oldest").isEqualTo(afterKill.oldestSeq());
                        assertThat(rec.next - 1).as(where + ": recovered newest").isEqualTo(afterKill.newestSeq());
                        assertThat(rec.count).as(where + ": recovered count").isEqualTo(afterKill.validRecords());
                        assertThat(rec.dropped).as(where + ": dropped by recovery").isEqualTo(afterKill.bad().size());
                    }
                    assertThat(rec.next).as(where + ": nothing committed is behind the recovered tail").isGreaterThan(maxOracleSeq);
                    try (ShmTraffic traffic = ShmTraffic.start(portA, portB, nextId, Long.MAX_VALUE, RATE)) {
                        Thread.sleep(50 + random.nextInt(600));
                        sw.kill();
                        nextId = traffic.nextId();
                        transmitted = traffic.lastReceivedId();
                        assertThat(traffic.error()).as(where + ": traffic").isNull();
                    }
                    readOracle(oracleFile, rec.next, where + "\n" + sw.output());
                }
            }
            afterKill = verifyAfterKill(data, where, transmitted);
            if ((round + 1) % 50 == 0) {
                // A long run reports as it goes, with every figure of the final line, so that a run
                // stopped before its end still says what it verified.
                System.out.printf("kill -9 crash test: %d of %d rounds verified (%d killed during start-up), %d committed "
                                + "records in the oracle, %d record checks, %d bad records found after kills, "
                                + "recovery took at most %d us, %d s, %s%n",
                        round + 1, rounds, startupKills, oracleLines, recordsChecked, badRecordsAfterKills, maxRecoveryMicros,
                        (System.nanoTime() - started) / 1_000_000_000L, ctx);
            }
        }

        // A last clean run: recovery of the last kill, traffic, SIGTERM; then the log verifies clean.
        Path oracleFile = tmp.resolve("oracle-final");
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch-final.log"), args(data, "sync", oracleFile))) {
            sw.awaitOutput("pswitch: filters:", 60_000);
            Recovered rec = recovered(sw.output(), ctx + ", final run");
            assertThat(rec.next - 1).isEqualTo(afterKill.newestSeq());
            try (ShmTraffic traffic = ShmTraffic.start(portA, portB, nextId, 4000, RATE)) {
                traffic.awaitSent(30_000);
                traffic.awaitForwardedOrDropped(4000, sw, "a", 0, 30_000);
            }
            assertThat(sw.stop()).as(sw.output()).isIn(0, 143);
            assertThat(sw.output()).contains("pswitch: stopped");
            readOracle(oracleFile, rec.next, ctx + ", final run");
        }
        LogVerifier.Report last = verifyAfterKill(data, ctx + ", after the clean stop", nextId + 3999);
        assertThat(last).as("a clean stop drains the hot tier into the segments and removes it").isNull();
        assertThat(oracleLines).as("committed records seen in the oracle").isGreaterThan(rounds * 20L);

        System.out.printf("kill -9 crash test: %d rounds (%d killed during start-up), %d committed records in the oracle, "
                        + "%d record checks, %d bad records found after kills "
                        + "(all beyond the committed tail), recovery took at most %d us, %d s, %s%n",
                rounds, startupKills, oracleLines, recordsChecked, badRecordsAfterKills, maxRecoveryMicros,
                (System.nanoTime() - started) / 1_000_000_000L, ctx);
    }

    private String[] args(Path data, String durability, Path oracleFile) {
        return new String[] {"--port", "a=shm:" + portA, "--port", "b=shm:" + portB, "--data-dir", data.toString(),
                "--buffers", "24576", "--ring-size", "256", "--batch", Integer.toString(BATCH), "--log-records", Integer.toString(LOG_RECORDS),
                "--filter", "quarter=udp dst port 1000", "--durability", durability, "--commit-oracle", oracleFile.toString(),
                // Small segments: every start seals the tail and opens a new one; 1 GiB holds the quick
                // mode's all, the long mode reaches it and FIFO retention retires the oldest.
                "--segment-size", Long.toString(SEGMENT_SIZE), "--log-size", Long.toString(LOG_SIZE),
                "-q", "--status-interval", "60s"};
    }

    private static long segmentBytes(Path data) {
        Path dir = data.resolve("segments");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            long sum = 0;
            for (Path f : files.toList()) {
                sum += Files.size(f);
            }
            return sum;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private record Recovered(long count, long oldest, long next, long dropped, long micros) {
    }

    private static Recovered recovered(String output, String where) {
        Matcher m = RECOVERED.matcher(output);
        if (!m.find()) {
            fail(where + ": no recovery report in the switch output:\n" + output);
        }
        return new Recovered(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)) + 1,
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
    }

    /**
     * Reads one run's oracle: complete lines only (a kill may cut the last one), sequences
     * contiguous from the recovered tail on.
     */
    private void readOracle(Path file, long recoveredNext, String where) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n');
        long expected = recoveredNext;
        for (String line : end < 0 ? new String[0] : text.substring(0, end).split("\n")) {
            String[] f = line.split(" ");
            assertThat(f).as(where + ": oracle line '" + line + "'").hasSize(4);
            long seq = Long.parseLong(f[0]);
            assertThat(seq).as(where + ": oracle sequences continue the recovered tail, none reused or skipped").isEqualTo(expected);
            expected = seq + 1;
            oracle.put(seq, new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseUnsignedLong(f[3], 16)});
            maxOracleSeq = seq;
            oracleLines++;
        }
    }

    /**
     * Offline checks of the files a killed (or stopped) switch left, over both tiers: the hot tier
     * (the pool in /dev/shm, recovered by the next start) and the segments on disk. Returns the hot
     * tier verifier's report, or null when there is no hot tier (before the first start, or after a
     * clean stop drained it).
     *
     * @param transmitted the last frame id that came out of the switch (-1: none): every frame up
     *     to it that matched the filter was appended before it was transmitted (in sync mode even
     *     durable in its segment), so the log must hold it
     */
    private LogVerifier.Report verifyAfterKill(Path data, String where, long transmitted) {
        TierLayout layout = TierLayout.read(data);
        if (layout == null) {
            return null; // killed before the switch decided where its tiers live
        }
        LogVerifier.Report v = null;
        if (Files.exists(layout.poolFile()) && Files.exists(layout.indexFile())) {
            // As the next start's recovery sees it: what the segments hold retires there, unchecked.
            long segmentsEnd = io.pswitch.pktlog.segment.SegmentRecovery.inspect(layout.segmentsDir(), layout.logId()).lastSeq();
            v = LogVerifier.verify(layout.poolFile(), layout.indexFile(), segmentsEnd > 0 ? segmentsEnd + 1 : 0);
            for (DroppedRecord d : v.bad()) {
                // Only what was never committed may be bad: torn or half-written records past the tail.
                assertThat(oracle.containsKey(d.sequence()) && d.sequence() >= v.oldestSeq())
                        .as(where + ": a committed record was found bad: " + d + "\n" + v.lines()).isFalse();
            }
            badRecordsAfterKills += v.bad().size();
        }
        List<Long> seqs = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        long[] maxId = {-1};
        CRC32C crc = new CRC32C();
        try (LogView log = LogView.open(data)) {
            TieredLogReader reader = log.reader();
            reader.query(LogQuery.all(), (rec, frame, off) -> {
                long id = NumberedFrames.id(frame, off, rec.storedLength());
                // Plain checks, a message only on failure: a round checks up to a whole log.
                String bad = null;
                if (id < 0) {
                    bad = "carries no id";
                } else if (NumberedFrames.udpDstPort(id) != 1000) {
                    bad = "does not match the filter";
                } else if (!NumberedFrames.matches(id, frame, off, rec.storedLength(), rec.wireLength())) {
                    bad = "does not hold exactly the frame sent";
                } else if (!ids.add(id)) {
                    bad = "was logged twice";
                } else {
                    long[] o = oracle.get(rec.sequence());
                    if (o != null) {
                        crc.reset();
                        crc.update(frame.asSlice(off, rec.storedLength()).asByteBuffer());
                        if (o[0] != rec.storedLength() || o[1] != rec.wireLength() || o[2] != crc.getValue()) {
                            bad = "differs from what was committed: oracle " + java.util.Arrays.toString(o) + ", crc "
                                    + Long.toHexString(crc.getValue());
                        }
                    }
                }
                if (bad != null) {
                    fail(where + ": record " + rec + " (frame id " + id + ") " + bad);
                }
                seqs.add(rec.sequence());
                maxId[0] = Math.max(maxId[0], id);
                return true;
            });
            assertThat(reader.crcMismatches()).as(where + ": records failing verification inside the valid run").isZero();
        }
        recordsChecked += seqs.size();
        long lastMatchingTransmitted = transmitted - transmitted % 4;
        if (transmitted >= 0) {
            assertThat(maxId[0]).as(where + ": a frame that left the switch after matching the filter is in the log (frame "
                    + lastMatchingTransmitted + ")").isGreaterThanOrEqualTo(lastMatchingTransmitted);
        }
        for (int i = 1; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).as(where + ": the log is contiguous over both tiers").isEqualTo(seqs.get(i - 1) + 1);
        }
        // Nothing committed is lost. The one way a committed record may leave is FIFO retention of
        // whole oldest segments once the segment tier is full (--log-size): a prefix of the log, and
        // only at capacity (the quick mode's 20 rounds never fill 1 GiB; the long mode's do).
        Set<Long> present = new HashSet<>(seqs);
        boolean atCapacity = segmentBytes(data) >= LOG_SIZE - 2 * SEGMENT_SIZE;
        for (Long seq : oracle.keySet()) {
            if (!present.contains(seq)) {
                boolean retiredPrefix = atCapacity && !seqs.isEmpty() && seq < seqs.getFirst();
                if (!retiredPrefix) {
                    fail(where + ": committed record " + seq + " is in neither tier (log holds "
                            + (seqs.isEmpty() ? "nothing" : seqs.getFirst() + ".." + seqs.getLast()) + ", segments "
                            + segmentBytes(data) + " of " + LOG_SIZE + " bytes)");
                }
            }
        }
        if (atCapacity && !seqs.isEmpty()) {
            oracle.headMap(seqs.getFirst()).clear(); // retired by retention, checked above as a prefix
        }
        return v;
    }
}

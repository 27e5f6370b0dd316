package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.query.LogQuery;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 rounds on the segment tier alone: a child process appends and syncs, and is killed at a
 * random moment; recovery must keep every record the child reported durable, with every byte as
 * written, and the next child continues the sequence. {@code -Dpswitch.long=true} runs 200 rounds.
 */
class SegmentKillTest {
    private static final int ROUNDS = Boolean.getBoolean("pswitch.long") ? 200 : 10;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    @Test
    void everyRecordReportedDurableSurvivesKill9() throws Exception {
        Path dir = disk.resolve("segments");
        Random rnd = new Random(0x9_2026L);
        String java = ProcessHandle.current().info().command().orElse("java");
        long recovered = 0;
        int killedWithTornTail = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), SegmentCrashChild.class.getName(),
                    dir.toString(), shm.resolve("pool").toString(), Long.toString(rnd.nextLong())));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            long durable = 0;
            long opened = -1;
            int syncsBeforeKill = 1 + rnd.nextInt(30);
            List<String> other = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int syncs = 0;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("durable ")) {
                        durable = Long.parseLong(line.substring(8));
                        if (++syncs >= syncsBeforeKill) {
                            break;
                        }
                    } else if (line.startsWith("open ")) {
                        opened = Long.parseLong(line.substring(5));
                    } else {
                        other.add(line);
                    }
                }
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child dies").isTrue();
            }
            assertThat(other).as("the child printed only progress").isEmpty();
            assertThat(opened).as("round %d: the child continued where the log ended", round).isEqualTo(recovered + 1);
            SegmentRecoveryReport r = SegmentRecovery.inspect(dir, SegmentFrames.LOG_ID);
            assertThat(r.lastSeq()).as("round %d: %s", round, r).isGreaterThanOrEqualTo(durable);
            // A kill between creating the newest segment's file and writing its header leaves it
            // all zero: reported, and removed by the next writer's recovery; anything else is a defect.
            assertThat(r.refused()).as("round %d", round).allMatch(RefusedSegment::unfinishedCreation);
            if (!r.dropped().isEmpty()) {
                killedWithTornTail++;
            }
            // Every record from the oldest kept (retention deletes whole oldest segments in long runs) is
            // there and CRC-verified; the ones this round added are checked byte by byte.
            SegmentReader reader = new SegmentReader(dir, SegmentFrames.LOG_ID);
            long[] next = {r.firstSeq()};
            reader.query(LogQuery.all(), (rec, frame, off) -> {
                assertThat(rec.sequence()).isEqualTo(next[0]++);
                return true;
            });
            assertThat(next[0] - 1).isEqualTo(r.lastSeq());
            assertThat(r.firstSeq()).isLessThanOrEqualTo(recovered + 1);
            assertThat(reader.crcMismatches()).isZero();
            List<SegmentFrames.Read> fresh = SegmentFrames.readAll(reader,
                    LogQuery.between(SegmentFrames.ts(recovered + 1), Long.MAX_VALUE));
            assertThat(fresh).hasSize((int) (r.lastSeq() - recovered));
            for (int i = 0; i < fresh.size(); i++) {
                SegmentFrames.assertRecord(fresh.get(i), recovered + 1 + i, 0);
            }
            recovered = r.lastSeq();
        }
        System.out.printf("segment kill -9: %d rounds, %d records, %d with a torn tail%n", ROUNDS, recovered, killedWithTornTail);
    }
}

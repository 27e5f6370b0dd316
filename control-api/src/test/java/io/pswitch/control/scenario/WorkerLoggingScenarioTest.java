package io.pswitch.control.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.scenario.ScenarioSwitch.LogOutcome;
import io.pswitch.control.scenario.ScenarioSwitch.PortInput;
import io.pswitch.control.scenario.ScenarioSwitch.PortReport;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.pktlog.filter.Filter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Logging while frames cross workers at top speed, on real worker threads: four {@code pcapfile}
 * ports each send known unicast to a partner of another worker (with 2 or 3 workers), and a filter
 * logs every fourth frame of every flow, so every worker logs and worker 0 appends what the others
 * hand it. Whatever the threads' timing: each flow arrives in order and intact, every frame is
 * delivered or counted as dropped, every match is a record or a counted skip, and after close every
 * buffer is free but those of the records the log keeps. In {@code sync} mode too, where every worker
 * waits for worker 0 to make its matches durable before they leave.
 */
class WorkerLoggingScenarioTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long LATER = 300_000_000L;
    private static final int FRAMES = 6_000;
    private static final int SYNC_FRAMES = 600;
    private static final int SIZE = 96;

    @TempDir
    Path dir;

    private static long station(int port) {
        return 0x02_00_00_00_30_00L + port;
    }

    private static byte[] frame(long dst, long src, int seq) {
        return NumberedFrames.frame(dst, src, seq, SIZE);
    }

    @ParameterizedTest(name = "{0} worker(s), {1}")
    @CsvSource({"1, batch", "2, batch", "3, batch", "1, sync", "2, sync", "3, sync"})
    void everyMatchOfEveryWorkerIsARecordOrACountedSkipWhileEveryFlowArrivesInOrder(int workers, String durability) throws Exception {
        int ports = 4;
        // sync: every batch with a match waits for its records' fdatasync in the segment tier (a disk).
        int count = durability.equals("sync") ? SYNC_FRAMES : FRAMES;
        List<PortInput> inputs = new ArrayList<>();
        for (int p = 0; p < ports; p++) {
            List<byte[]> frames = new ArrayList<>();
            long[] ts = new long[count + 1];
            frames.add(frame(0xffff_ffff_ffffL, station(p), -1));
            ts[0] = T0;
            for (int s = 0; s < count; s++) {
                frames.add(frame(station(p ^ 1), station(p), s));
                ts[s + 1] = T0 + LATER;
            }
            inputs.add(new PortInput("p" + p, ScenarioSwitch.writeTimed(dir.resolve("p" + p + ".in.pcap"), ts, frames),
                    "speed=original"));
        }
        // The sequence number's low byte is frame byte 17: every fourth frame matches (not the broadcast, seq -1).
        LogSettings log = new LogSettings(List.of(Filter.of(1, "quarter", "ether[12:2] = 0x88b5 and ether[17] & 3 = 0")),
                Durability.parse(durability), 65536);
        LogOutcome[] outcome = new LogOutcome[1];
        Map<String, PortReport> r = ScenarioSwitch.run(dir, inputs, workers, log, outcome);
        for (int p = 0; p < ports; p++) {
            PortReport from = r.get("p" + p);
            int delivered = 0;
            int lastSeq = -1;
            for (byte[] f : r.get("p" + (p ^ 1)).out()) {
                ByteBuffer b = ByteBuffer.wrap(f);
                long src = ((long) (b.getShort(6) & 0xffff) << 32) | (b.getInt(8) & 0xffff_ffffL);
                if (src != station(p) || b.getInt(14) < 0) {
                    continue;
                }
                int seq = b.getInt(14);
                assertThat(seq).as("flow p%d -> p%d keeps its order", p, p ^ 1).isGreaterThan(lastSeq);
                assertThat(f).as("frame %d of p%d intact", seq, p).isEqualTo(frame(station(p ^ 1), station(p), seq));
                lastSeq = seq;
                delivered++;
            }
            long dropped = from.drops(DropCause.WORKER_QUEUE_FULL) + from.drops(DropCause.RING_FULL);
            assertThat(from.rxFrames()).isEqualTo(count + 1);
            assertThat(delivered + dropped).as("p%d: delivered + dropped (drops %s)", p, from.nonZeroDrops()).isEqualTo(count);
        }
        LogOutcome o = outcome[0];
        long matches = ports * (long) count / 4;
        assertThat(o.logged()).as("%s", o).isPositive();
        assertThat(o.logged() + o.skippedNoBuffer() + o.skippedStorageBehind()).as("every match a record or a counted skip: %s", o)
                .isEqualTo(matches);
        assertThat(o.appended()).as("records appended = logged").isEqualTo(o.logged());
    }
}

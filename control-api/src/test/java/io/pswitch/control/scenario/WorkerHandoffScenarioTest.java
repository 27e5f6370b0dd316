package io.pswitch.control.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.scenario.ScenarioSwitch.PortInput;
import io.pswitch.control.scenario.ScenarioSwitch.PortReport;
import io.pswitch.dataplane.port.DropCause;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many frames between workers at top speed, on real worker threads: four {@code pcapfile} ports,
 * each sending known unicast to a partner that (with 2 or 3 workers) belongs to another worker, so
 * every frame crosses a handoff queue. Whatever the threads' timing, each flow arrives in order,
 * byte for byte, and every frame is either transmitted to its partner or counted as a drop on its
 * ingress port; the buffer ledger holds after close ({@link ScenarioSwitch#run}).
 */
class WorkerHandoffScenarioTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long LATER = 300_000_000L;
    private static final int FRAMES = 20_000;
    private static final int SIZE = 96;

    @TempDir
    Path dir;

    private static long station(int port) {
        return 0x02_00_00_00_10_00L + port;
    }

    /** Unicast from port {@code from} to its partner, numbered {@code seq}, with a payload that proves it intact. */
    private static byte[] frame(long dst, long src, int seq) {
        return NumberedFrames.frame(dst, src, seq, SIZE);
    }

    @ParameterizedTest(name = "{0} worker(s)")
    @ValueSource(ints = {1, 2, 3})
    void everyFlowArrivesInOrderIntactOrIsCountedAsDropped(int workers) throws Exception {
        int ports = 4;
        List<PortInput> inputs = new ArrayList<>();
        for (int p = 0; p < ports; p++) {
            int partner = p ^ 1;
            List<byte[]> frames = new ArrayList<>();
            long[] ts = new long[FRAMES + 1];
            // A broadcast first teaches every worker's table where this station is; the bulk comes
            // later, all due at once, so it is read at top speed.
            frames.add(frame(0xffff_ffff_ffffL, station(p), -1));
            ts[0] = T0;
            for (int s = 0; s < FRAMES; s++) {
                frames.add(frame(station(partner), station(p), s));
                ts[s + 1] = T0 + LATER;
            }
            Path in = ScenarioSwitch.writeTimed(dir.resolve("p" + p + ".in.pcap"), ts, frames);
            inputs.add(new PortInput("p" + p, in, "speed=original"));
        }
        Map<String, PortReport> r = ScenarioSwitch.run(dir, inputs, workers);
        for (int p = 0; p < ports; p++) {
            PortReport from = r.get("p" + p);
            PortReport to = r.get("p" + (p ^ 1));
            int expectedSeq = 0;
            int delivered = 0;
            int lastSeq = -1;
            for (byte[] f : to.out()) {
                ByteBuffer b = ByteBuffer.wrap(f);
                long dst = ((long) (b.getShort(0) & 0xffff) << 32) | (b.getInt(2) & 0xffff_ffffL);
                long src = ((long) (b.getShort(6) & 0xffff) << 32) | (b.getInt(8) & 0xffff_ffffL);
                if (src != station(p) || dst == 0xffff_ffff_ffffL) {
                    continue;
                }
                int seq = b.getInt(14);
                assertThat(seq).as("flow p%d -> p%d keeps its order", p, p ^ 1).isGreaterThan(lastSeq);
                assertThat(f).as("frame %d of p%d intact", seq, p).isEqualTo(frame(station(p ^ 1), station(p), seq));
                lastSeq = seq;
                delivered++;
                expectedSeq = seq + 1;
            }
            long dropped = from.drops(DropCause.WORKER_QUEUE_FULL) + from.drops(DropCause.RING_FULL);
            assertThat(from.rxFrames()).isEqualTo(FRAMES + 1);
            assertThat(delivered + dropped).as("p%d: delivered %d + dropped %d (drops %s), last seq %d", p, delivered, dropped,
                    from.nonZeroDrops(), expectedSeq - 1).isEqualTo(FRAMES);
        }
    }
}

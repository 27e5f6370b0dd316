package io.pswitch.tools.bench;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * Worker scaling: the same switch with 1 or N workers, its inputs {@code pcapfile} ports replaying a
 * capture from tmpfs forever at top speed ({@code loop=0}), no output (transmitted frames are counted
 * and discarded), so no generator thread competes with the workers for the cores. Port {@code i}'s
 * capture is known unicast to its partner: with {@link Traffic#CROSS} the partner belongs to another
 * worker (every frame crosses a handoff queue), with {@link Traffic#LOCAL} to the same worker. The
 * figure is frames transmitted per second over all ports.
 */
public final class WorkerScalingBench {
    private static final int RING_SIZE = 1024;
    private static final int BATCH = 256;
    private static final int FRAMES_PER_CAPTURE = 65_536;

    /** Where each port's partner is, with several workers (ports are dealt to workers i mod N). */
    public enum Traffic {
        /** Port i ↔ i xor 1: partners are on different workers. */
        CROSS,
        /** Port i ↔ i xor 2: partners are on the same worker (with 2 workers). */
        LOCAL
    }

    /** One measured run. */
    public record Result(int workers, Traffic traffic, int ports, int frameSize, double seconds, long forwarded, double mpps,
                         double[] busy, String drops) {
    }

    private WorkerScalingBench() {
    }

    static int partner(int port, Traffic traffic) {
        return traffic == Traffic.CROSS ? port ^ 1 : port ^ 2;
    }

    /** Writes the capture port {@code port} replays: unicast from its station to its partner's. */
    static Path capture(Path dir, String tag, int port, int partner, int size) {
        Path file = dir.resolve(tag + "-in" + port + ".pcap");
        byte[] f = new byte[size];
        f[0] = 0x02; f[5] = (byte) (partner + 1);    // dst 02:00:00:00:00:partner
        f[6] = 0x02; f[11] = (byte) (port + 1);      // src 02:00:00:00:00:port
        f[12] = (byte) 0x88; f[13] = (byte) 0xb5;    // local experimental ethertype
        try (PcapWriter w = PcapWriter.create(file)) {
            for (int i = 0; i < FRAMES_PER_CAPTURE; i++) {
                w.write(i * 1_000L, f);
            }
        }
        return file;
    }

    public static Result run(Path dir, int workers, Traffic traffic, int portCount, int size, double warmupSec, double seconds)
            throws Exception {
        String tag = "wbench" + ProcessHandle.current().pid() + "-" + workers + "-" + traffic;
        List<Path> files = new ArrayList<>();
        int buffers = 4 + 2 * RING_SIZE * portCount + 4096 + workers * (workers - 1) * RING_SIZE;
        Path poolFile = dir.resolve(tag + ".pool");
        try (BufferPool pool = BufferPool.open(poolFile, 2048, buffers)) {
            PortDrivers drivers = PortDrivers.installed();
            List<Port> ports = new ArrayList<>();
            try {
                for (int i = 0; i < portCount; i++) {
                    Path in = capture(dir, tag, i, partner(i, traffic), size);
                    files.add(in);
                    PortContext ctx = new PortContext(pool, RING_SIZE, BATCH, io.pswitch.dataplane.counters.CountersFile.inMemory(),
                            SwitchAgent.ownerOf(i, workers));
                    ports.add(drivers.open("p" + i + "=pcapfile:" + in + ",loop=0", ctx));
                }
                SwitchAgent agent = new SwitchAgent(SwitchConfig.defaults().withBatchSize(BATCH).withWorkers(workers)
                        .withHandoffCapacity(RING_SIZE), pool, ports, new SystemEpochNanoClock());
                AgentRunner[] runners = new AgentRunner[workers];
                for (int w = 0; w < workers; w++) {
                    runners[w] = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null, agent.worker(w));
                    AgentRunner.startOnThread(runners[w]);
                }
                try {
                    Thread.sleep((long) (warmupSec * 1000));
                    long tx0 = transmitted(agent);
                    long start = System.nanoTime();
                    Thread.sleep((long) (seconds * 1000));
                    long tx1 = transmitted(agent);
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    double[] busy = new double[workers];
                    for (int w = 0; w < workers; w++) {
                        busy[w] = agent.workerLoad(w).busyFraction();
                    }
                    long forwarded = tx1 - tx0;
                    return new Result(workers, traffic, portCount, size, elapsed, forwarded, forwarded / elapsed / 1e6, busy,
                            drops(agent));
                } finally {
                    for (AgentRunner r : runners) {
                        r.close();
                    }
                    agent.releaseWorkerBuffers();
                }
            } finally {
                for (Port p : ports) {
                    p.close();
                }
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(poolFile);
            }
        }
    }

    /** Drops by cause over all ports since start, the non-zero ones ("ring_full=12 ..."). */
    static String drops(SwitchAgent agent) {
        StringBuilder sb = new StringBuilder();
        for (io.pswitch.dataplane.port.DropCause c : io.pswitch.dataplane.port.DropCause.VALUES) {
            long d = 0;
            for (int p = 0; p < agent.portCount(); p++) {
                d += agent.counters(p).drops(c);
            }
            if (d != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(c.label()).append('=').append(d);
            }
        }
        return sb.toString();
    }

    static long transmitted(SwitchAgent agent) {
        long sum = 0;
        for (int p = 0; p < agent.portCount(); p++) {
            sum += agent.counters(p).txFrames();
        }
        return sum;
    }
}

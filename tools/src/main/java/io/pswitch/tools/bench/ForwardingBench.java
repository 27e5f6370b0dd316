package io.pswitch.tools.bench;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchConfig;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * One forwarding benchmark case: a switch agent on its own busy-spinning thread with N shm ports,
 * and this thread as the traffic generator and sink (pkt-gen style): port 2i sends to port 2i+1.
 * The destination MACs are learned before measuring, so every frame is known unicast (zero copy).
 */
public final class ForwardingBench {
    private static final int BURST = 256;

    /** One measured case. */
    public record Result(int frameSize, int ports, double seconds, long sent, long received, long dropped,
                         double mpps, double gbps) {
    }

    private ForwardingBench() {
    }

    public static Result run(Path dir, int frameSize, int portCount, double warmupSec, double seconds) throws Exception {
        String tag = "bench" + ProcessHandle.current().pid() + "-" + frameSize + "-" + portCount;
        int ringSize = 1024;
        try (BufferPool pool = BufferPool.open(dir.resolve(tag + ".pool"), 2048, 4 + 2 * ringSize * portCount + 4096)) {
            PortDrivers drivers = PortDrivers.installed();
            PortContext ctx = new PortContext(pool, ringSize, BURST);
            List<Port> ports = new ArrayList<>();
            List<ShmEndpoint> peers = new ArrayList<>();
            try {
                for (int i = 0; i < portCount; i++) {
                    ports.add(drivers.open("p" + i + "=shm:" + tag + "-" + i + ",slots=4096", ctx));
                    peers.add(ShmEndpoint.attach(tag + "-" + i));
                }
                SwitchAgent agent = new SwitchAgent(SwitchConfig.defaults().withBatchSize(BURST), pool, ports,
                        new SystemEpochNanoClock());
                AgentRunner runner = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null, agent);
                AgentRunner.startOnThread(runner);
                try {
                    return measure(agent, peers, frameSize, warmupSec, seconds);
                } finally {
                    runner.close();
                }
            } finally {
                for (ShmEndpoint p : peers) {
                    p.close();
                }
                for (Port p : ports) {
                    p.close();
                }
                Files.deleteIfExists(dir.resolve(tag + ".pool"));
            }
        }
    }

    private static byte[] frame(int size, int src, int dst) {
        byte[] f = new byte[size];
        f[0] = 0x02; f[5] = (byte) dst;          // dst 02:00:00:00:00:dst
        f[6] = 0x02; f[11] = (byte) src;         // src 02:00:00:00:00:src
        f[12] = (byte) 0x88; f[13] = (byte) 0xb5; // local experimental ethertype
        return f;
    }

    private static Result measure(SwitchAgent agent, List<ShmEndpoint> peers, int size, double warmupSec, double seconds)
            throws InterruptedException {
        int n = peers.size();
        // Teach the switch where each receiver is: one frame from every port, then let it settle.
        for (int i = 0; i < n; i++) {
            byte[] hello = frame(size, i + 1, 0xff);
            hello[0] = (byte) 0xff; hello[1] = (byte) 0xff; hello[2] = (byte) 0xff;
            hello[3] = (byte) 0xff; hello[4] = (byte) 0xff; hello[5] = (byte) 0xff;
            while (!peers.get(i).send(hello, 0, size)) {
                Thread.onSpinWait();
            }
        }
        Thread.sleep(200);
        for (ShmEndpoint p : peers) {
            drain(p);
        }
        MemorySegment[] templates = new MemorySegment[n];
        for (int i = 0; i < n; i += 2) {
            templates[i] = MemorySegment.ofArray(frame(size, i + 1, i + 2));
        }
        long warmEnd = System.nanoTime() + (long) (warmupSec * 1e9);
        loop(peers, templates, size, warmEnd);
        long sent0 = 0;
        long rx0 = 0;
        long drop0 = drops(agent);
        long start = System.nanoTime();
        long[] counts = loop(peers, templates, size, start + (long) (seconds * 1e9));
        double elapsed = (System.nanoTime() - start) / 1e9;
        long sent = counts[0] - sent0;
        long received = counts[1] - rx0;
        double mpps = received / elapsed / 1e6;
        // Wire rate including preamble, SFD and inter-frame gap (20 B) and the FCS (4 B) a NIC would add.
        double gbps = received * (size + 24) * 8.0 / elapsed / 1e9;
        return new Result(size, n, elapsed, sent, received, drops(agent) - drop0, mpps, gbps);
    }

    private static long drops(SwitchAgent agent) {
        long d = 0;
        for (int p = 0; p < agent.portCount(); p++) {
            for (DropCause c : DropCause.VALUES) {
                d += agent.counters(p).drops(c);
            }
        }
        return d;
    }

    private static void drain(ShmEndpoint p) {
        int got;
        while ((got = p.poll(BURST)) > 0) {
            p.release(got);
        }
    }

    /** Generates on even ports and sinks on odd ports until the deadline; returns {sent, received}. */
    private static long[] loop(List<ShmEndpoint> peers, MemorySegment[] templates, int size, long deadline) {
        ShmEndpoint[] eps = peers.toArray(ShmEndpoint[]::new);
        long sent = 0;
        long received = 0;
        int iter = 0;
        while (true) {
            for (int i = 0; i < eps.length; i += 2) {
                ShmEndpoint tx = eps[i];
                int c = tx.claim(BURST);
                if (c > 0) {
                    MemorySegment seg = tx.segment();
                    for (int k = 0; k < c; k++) {
                        long off = tx.claimedOffset(k);
                        MemorySegment.copy(templates[i], 0, seg, off, size);
                        seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off + 14, sent + k);
                        tx.claimedLength(k, size);
                    }
                    tx.commit(c);
                    sent += c;
                }
                ShmEndpoint rx = eps[i + 1];
                int r = rx.poll(BURST);
                if (r > 0) {
                    rx.release(r);
                    received += r;
                }
            }
            if ((++iter & 63) == 0 && System.nanoTime() >= deadline) {
                return new long[] {sent, received};
            }
        }
    }
}

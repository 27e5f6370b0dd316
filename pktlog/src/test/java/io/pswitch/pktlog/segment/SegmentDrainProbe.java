package io.pswitch.pktlog.segment;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * Benchmark, not a test (run by hand, see BENCHMARKS.md): the segment writer alone, as the drain drives it: 1 KiB records, a flush request every 1024 records (batch).
 * Arguments: DIR PACK_THRESHOLD inline|group MIB FRAME_BYTES.
 */
public class SegmentDrainProbe {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int pack = Integer.parseInt(a[1]);
        boolean group = a[2].equals("group");
        long total = Long.parseLong(a[3]) << 20;
        int frame = Integer.parseInt(a[4]);
        if (Files.exists(dir)) {
            try (var w = Files.walk(dir)) { for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.delete(p); }
        }
        Path poolFile = Path.of("/dev/shm/drainprobe-pool-" + ProcessHandle.current().pid());
        BufferPool pool = BufferPool.open(poolFile, 2048, 8192);
        MemorySegment seg = pool.segment();
        for (long i = 0; i < seg.byteSize(); i += 8) seg.set(ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
        SegmentWriter w = SegmentWriter.open(dir, null, SegmentConfig.of(8L << 30).withPackThreshold(pack));
        SegmentSyncer s = null;
        AgentRunner r = null;
        if (group) {
            s = SegmentSyncer.of(w);
            r = new AgentRunner(new BackoffIdleStrategy(100, 10, 1_000, 100_000), Throwable::printStackTrace, null, s);
            AgentRunner.startOnThread(r);
        }
        long seq = 1, bytes = 0, syncs = 0;
        long t0 = System.nanoTime();
        while (bytes < total) {
            int buf = 2 + (int) (seq % 8000);
            if (!w.add(seq, t0 + seq, 0, 0, 1, 1, frame, frame, 0, seg, pool.offset(buf))) {
                w.write();
                continue;
            }
            bytes += frame;
            if (seq % 1024 == 0) {
                w.write();
                syncs++;
                if (group) {
                    w.requestSync(s);
                    // The hot tier bounds what may wait for a flush (the bench's log: 64 Ki records).
                    while (seq - w.pollSynced(s) > 65536) Thread.onSpinWait();
                } else {
                    w.sync();
                }
            }
            seq++;
        }
        w.write();
        w.sync();
        long t1 = System.nanoTime();
        if (r != null) r.close();
        w.close();
        pool.close();
        Files.deleteIfExists(poolFile);
        System.out.printf("pack<=%d %s frame %d: %.0f MB/s (%d MiB, %d flush requests, %.2f s)%n", pack, group ? "group-commit" : "inline-sync",
                frame, bytes / ((t1 - t0) / 1e9) / 1e6, total >> 20, syncs, (t1 - t0) / 1e9);
    }
}

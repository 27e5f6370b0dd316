package io.pswitch.pktlog.segment;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Benchmark, not a test (run by hand, see BENCHMARKS.md): sync durability at the writer: one 1 KiB record, write + fdatasync, n times; a fresh (fallocated) or a prepared segment.
 * Arguments: DIR fallocated|prepared N.
 */
public class SegmentSyncProbe {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        boolean prepared = a[1].equals("prepared");
        int n = Integer.parseInt(a[2]);
        if (Files.exists(dir)) {
            try (var w = Files.walk(dir)) { for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.delete(p); }
        }
        Path poolFile = Path.of("/dev/shm/syncprobe-pool-" + ProcessHandle.current().pid());
        BufferPool pool = BufferPool.open(poolFile, 2048, 1024);
        MemorySegment seg = pool.segment();
        SegmentWriter w = SegmentWriter.open(dir, null, SegmentConfig.of(8L << 30));
        SegmentPreparer p = null;
        if (prepared) {
            p = SegmentPreparer.of(w);
            w.prepareWith(p);
            p.doWork();
        }
        long[] lat = new long[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long seq = i + 1;
            long s = System.nanoTime();
            w.add(seq, t0 + seq, 0, 0, 1, 1, 1024, 1024, 0, seg, pool.offset(2 + i % 1000));
            w.write();
            w.sync();
            lat[i] = System.nanoTime() - s;
        }
        w.close();
        if (p != null) p.onClose();
        pool.close();
        Files.deleteIfExists(poolFile);
        Arrays.sort(lat);
        System.out.printf("%s segment: write+fdatasync of one 1 KiB record, n=%d: p50 %.0f us, p90 %.0f us, p99 %.0f us (prepared segments used: %d)%n",
                prepared ? "prepared" : "fallocated", n, lat[n / 2] / 1e3, lat[n * 9 / 10] / 1e3, lat[n * 99 / 100] / 1e3, w.counters().segmentsPrepared());
    }
}

package io.pswitch.pktlog.pool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Benchmark, not a test (run by hand, see BENCHMARKS.md "Pool on huge pages"): what one cold pool
 * buffer costs to reach, on the pool's own pages. A pool of {@code MiB} in {@code DIR} (tmpfs: 4 KiB
 * pages; hugetlbfs: 2 MiB pages) is threaded into one random cycle through every buffer's first
 * line, and the probe follows it: each load depends on the one before, so the time per step is the
 * latency of a cold buffer (a cache miss, and on 4 KiB pages a TLB miss and page walk too), which
 * is what the in-place log pays for the spare that replaces a logged buffer and for the buffers
 * retention hands back. The median of {@code ROUNDS} passes is reported, so a pass that lost its
 * core to another process does not count.
 *
 * <p>Arguments: DIR [MiB (default 80)] [ROUNDS (default 21)].
 */
public final class ColdBufferProbe {
    private ColdBufferProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 80;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 21;
        Path file = dir.resolve("cold-probe-" + ProcessHandle.current().pid());
        try (BufferPool pool = BufferPool.open(file, 2048, mib * 512)) {
            MemorySegment seg = pool.segment();
            int n = pool.bufferCount() - BufferPoolDescriptor.RESERVED_BUFFERS;
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i + BufferPoolDescriptor.RESERVED_BUFFERS;
            }
            Random rnd = new Random(42);
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int i = 0; i < n; i++) {
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, pool.offset(order[i]), pool.offset(order[(i + 1) % n]));
            }
            double[] ns = new double[rounds];
            long off = pool.offset(order[0]);
            for (int r = -3; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    off = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
                }
                long t1 = System.nanoTime();
                if (r >= 0) {
                    ns[r] = (t1 - t0) / (double) n;
                }
            }
            Arrays.sort(ns);
            System.out.printf("%s: pool %d MiB (%d buffers) on %s pages: cold buffer load %.1f ns median [%.1f–%.1f] over %d passes (end %d)%n",
                    dir, mib, n, HugePages.label(pool.pageSize()), ns[rounds / 2], ns[0], ns[rounds - 1], rounds, off);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

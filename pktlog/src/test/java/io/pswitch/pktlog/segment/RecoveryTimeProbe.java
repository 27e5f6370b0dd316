package io.pswitch.pktlog.segment;

import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Benchmark, not a test (run by hand, see BENCHMARKS.md, "Recovery time against the log's size"):
 * how long opening the log takes after a crash, as a function of the number of sealed segments.
 *
 * <p>{@code segments DIR N[,N...] RUNS}: for each N, a log of N sealed 1 MiB segments (4 chunks of
 * 64 KiB each) is built in {@code DIR/nN}; then, RUNS times: a torn open tail (3 synced chunks, a
 * 4th written, not synced, with a flipped byte; the writer abandoned as by kill -9), the page cache
 * of the directory's files dropped (POSIX_FADV_DONTNEED: segments are written with O_DIRECT, so after
 * a real crash their pages are not cached either), and {@code SegmentWriter.open} timed (recovery,
 * the new epoch's checkpoint, the tail sealed); then the same with a warm cache. Each interleaved
 * with the same open after the list of sealed segments was removed (what every open did before it).
 *
 * <p>{@code hot-floor POOL_DIR RUNS UNDRAINED}: the same hot tier under a segment tier that holds all
 * but its last UNDRAINED records (the floor passed to recovery), interleaved with the same open
 * without a floor (as before the floor existed); the hot tier is written anew before each open.
 *
 * <p>{@code hot POOL_DIR RUNS}: a full default-size hot tier (65,536 x 2 KiB pool, 65,536-record
 * index, 1 KiB frames) on tmpfs, closed, and its {@code PacketLog.open} timed RUNS times.
 */
public final class RecoveryTimeProbe {
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final MethodHandle OPEN;
    private static final MethodHandle FADVISE;
    private static final MethodHandle CLOSE;

    static {
        Linker l = Linker.nativeLinker();
        var libc = l.defaultLookup();
        OPEN = l.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        FADVISE = l.downcallHandle(libc.find("posix_fadvise").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        CLOSE = l.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private RecoveryTimeProbe() {
    }

    public static void main(String[] a) throws Throwable {
        if (a[0].equals("once")) {
            once(Path.of(a[1]));
            return;
        }
        if (a[0].equals("hot-fill")) {
            deleteTree(Path.of(a[1]));
            fillHot(Path.of(a[1]), 65536);
            return;
        }
        if (a[0].equals("hot-once")) {
            hotOnce(Path.of(a[1]));
            return;
        }
        if (a[0].equals("hot-floor")) {
            hotFloor(Path.of(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]));
            return;
        }
        if (a[0].startsWith("hot")) {
            hot(Path.of(a[1]), Integer.parseInt(a[2]), a[0].equals("hot-pretouch"));
            return;
        }
        Path base = Path.of(a[1]);
        int runs = Integer.parseInt(a[3]);
        for (String n : a[2].split(",")) {
            segments(base.resolve("n" + n), Integer.parseInt(n), runs);
        }
    }

    /**
     * {@code once SEGMENTS_DIR}: in this (fresh) JVM, the writer's recovery read-only three times, the
     * first one broken down: directory listing, reading the list, parsing it.
     */
    private static void once(Path dir) throws Exception {
        long t0 = System.nanoTime();
        SegmentStore store = SegmentStore.directory(dir);
        int n = store.files().size();
        long t1 = System.nanoTime();
        byte[] b = store.sealedListBytes();
        long t2 = System.nanoTime();
        SealedList.Read r = SealedList.parse(b, dir, null);
        long t3 = System.nanoTime();
        System.out.printf("listing %d entries %.1f ms, reading the list (%d B) %.1f ms, parsing it (%d entries) %.1f ms%n", n,
                (t1 - t0) / 1e6, b.length, (t2 - t1) / 1e6, r.entries().size(), (t3 - t2) / 1e6);
        for (int i = 0; i < 3; i++) {
            long s0 = System.nanoTime();
            SegmentRecoveryReport rep = SegmentRecovery.recover(store, dir, null, false, new java.util.HashMap<>(), true);
            System.out.printf("recovery %d: %.1f ms (%d segments, %d from the list)%n", i + 1, (System.nanoTime() - s0) / 1e6,
                    rep.segments().size(), rep.listed());
        }
    }

    private static SegmentConfig config(int n) {
        return new SegmentConfig(1L << 20, (n + 256L) << 20, 64 * 1024, 2048, 0);
    }

    private static void segments(Path dir, int n, int runs) throws Throwable {
        deleteTree(dir);
        SegmentConfig cfg = config(n);
        long t0 = System.nanoTime();
        try (SegmentFrames frames = new SegmentFrames(Path.of("/dev/shm/recovery-probe-pool-" + ProcessHandle.current().pid()), 512)) {
            SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, cfg);
            long seq = 1;
            for (int s = 0; s < n; s++) {
                for (int c = 0; c < 4; c++) {
                    seq = chunk(w, frames, seq);
                }
                w.seal();
            }
            w.close();
            System.out.printf("N=%d: built %d sealed segments in %.1f s%n", n, n, (System.nanoTime() - t0) / 1e9);
            // Interleaved: with the list of sealed segments, and without it (removed before the open:
            // every footer is read, as before the list existed and at the first start of an older log).
            List<Long> cold = new ArrayList<>();
            List<Long> warm = new ArrayList<>();
            List<Long> coldNoList = new ArrayList<>();
            List<Long> warmNoList = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                for (boolean list : new boolean[] {true, false}) {
                    tornTail(dir, cfg, frames);
                    if (!list) {
                        Files.deleteIfExists(SealedList.path(dir));
                    }
                    evict(dir);
                    (list ? cold : coldNoList).add(timedOpen(dir, cfg, list ? "cold" : "cold, no list"));
                }
                for (boolean list : new boolean[] {true, false}) {
                    tornTail(dir, cfg, frames);
                    if (!list) {
                        Files.deleteIfExists(SealedList.path(dir));
                    }
                    (list ? warm : warmNoList).add(timedOpen(dir, cfg, list ? "warm" : "warm, no list"));
                }
            }
            System.out.printf("N=%d RESULT cold open %s ms, warm open %s ms; without the list: cold %s ms, warm %s ms%n", n,
                    stats(cold), stats(warm), stats(coldNoList), stats(warmNoList));
        }
        deleteTree(dir);
        Files.deleteIfExists(Path.of("/dev/shm/recovery-probe-pool-" + ProcessHandle.current().pid()));
    }

    /** Records into the writer until one chunk is written; returns the next sequence. */
    private static long chunk(SegmentWriter w, SegmentFrames frames, long seq) {
        while (true) {
            long off = frames.fill(seq, 0);
            if (!w.add(seq, SegmentFrames.ts(seq), 1, 0, 1, 0, 1024, 1024, 0, frames.poolSegment, off)) {
                w.write();
                return seq;
            }
            seq++;
        }
    }

    /** Opens the log (recovering the previous tail), writes 3 synced chunks and a torn 4th, and abandons the writer. */
    private static void tornTail(Path dir, SegmentConfig cfg, SegmentFrames frames) {
        SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, cfg);
        long seq = w.nextSeq();
        for (int c = 0; c < 3; c++) {
            seq = chunk(w, frames, seq);
            w.sync();
        }
        chunk(w, frames, seq);
        Path tail = SegmentFiles.segments(dir).getLast();
        SegmentFiles.Chunk last = SegmentFiles.chunks(tail).getLast();
        SegmentFiles.flip(tail, last.offset() + last.length() / 2);
        // Abandoned as by kill -9: no close, no seal (its descriptors and memory leak until the probe ends).
    }

    private static long timedOpen(Path dir, SegmentConfig cfg, String what) {
        long t0 = System.nanoTime();
        SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, cfg);
        long t = System.nanoTime() - t0;
        SegmentRecoveryReport r = w.recoveryReport();
        System.out.printf("  %s: open %.1f ms (recovery %.1f ms): %d segments (%d from the list), dropped %d chunk(s), %s%n",
                what, t / 1e6, r.durationNs() / 1e6, r.segments().size(), r.listed(), r.dropped().size(),
                r.checkpointUsed() ? "from the checkpoint" : "full tail scan: " + r.checkpointProblem());
        w.close();
        return t;
    }

    private static void evict(Path dir) throws Throwable {
        try (Arena arena = Arena.ofConfined(); var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                int fd = (int) OPEN.invokeExact(arena.allocateFrom(p.toString()), 0);
                if (fd >= 0) {
                    int rc = (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
                    int ignored = (int) CLOSE.invokeExact(fd);
                }
            }
        }
    }

    /**
     * {@code hot-once POOL_DIR} (after {@code hot-fill POOL_DIR} in another JVM): the hot tier's open
     * in this fresh JVM, as a restarted switch does it, once; the pool is mapped anew, so its pages
     * fault in as after a crash (tmpfs keeps them in memory).
     */
    private static void hotOnce(Path poolDir) {
        Path poolFile = poolDir.resolve("pool");
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        try (BufferPool pool = BufferPool.openExisting(poolFile)) {
            long t1 = System.nanoTime();
            try (PacketLog log = PacketLog.open(pool, PacketLogConfig.of(65536))) {
                long t2 = System.nanoTime();
                long c2 = threads.getCurrentThreadCpuTime();
                System.out.printf("hot-once RESULT pool map %.1f ms, log open %.1f ms (recovery %.1f ms), total %.1f ms,"
                        + " this thread's CPU %.1f ms: %s%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6,
                        log.recoveryReport().durationNs() / 1e6, (t2 - t0) / 1e6, (c2 - c0) / 1e6, log.recoveryReport());
            }
        }
    }

    private static void hotFloor(Path poolDir, int runs, int undrained) throws Exception {
        List<Long> withFloor = new ArrayList<>();
        List<Long> without = new ArrayList<>();
        Path poolFile = poolDir.resolve("pool");
        for (int r = 0; r < runs; r++) {
            for (boolean floor : new boolean[] {true, false}) {
                deleteTree(poolDir);
                fillHot(poolDir, 65536);
                long t0 = System.nanoTime();
                try (BufferPool pool = BufferPool.openExisting(poolFile);
                     PacketLog log = PacketLog.open(pool, io.pswitch.pktlog.index.IndexFileDescriptor.defaultPath(poolFile),
                             PacketLogConfig.of(65536), io.pswitch.pktlog.index.LogStorage.MAPPED,
                             floor ? 65536 - undrained + 1 : 0)) {
                    long t = System.nanoTime() - t0;
                    (floor ? withFloor : without).add(t);
                    System.out.printf("  hot open %s %.1f ms (recovery %.1f ms): %s%n", floor ? "floor" : "no floor", t / 1e6,
                            log.recoveryReport().durationNs() / 1e6, log.recoveryReport());
                }
            }
        }
        System.out.printf("hot-floor RESULT %d undrained: open with the floor %s ms, without %s ms%n", undrained, stats(withFloor),
                stats(without));
        deleteTree(poolDir);
    }

    private static void hot(Path poolDir, int runs, boolean pretouch) throws Exception {
        Path poolFile = poolDir.resolve("pool");
        int records = 65536;
        deleteTree(poolDir);
        fillHot(poolDir, records);
        List<Long> times = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            try (BufferPool pool = BufferPool.openExisting(poolFile);
                 PacketLog log = open(pool, records, pretouch)) {
                long t = System.nanoTime() - t0;
                times.add(t);
                System.out.printf("  hot open %.1f ms (recovery %.1f ms): %s%n", t / 1e6, log.recoveryReport().durationNs() / 1e6,
                        log.recoveryReport());
            }
        }
        System.out.printf("hot RESULT open %s ms%n", stats(times));
        deleteTree(poolDir);
    }

    /** A hot tier of {@code records} 1 KiB frames in a 65,536 x 2 KiB pool, closed. */
    private static void fillHot(Path poolDir, int records) throws Exception {
        Files.createDirectories(poolDir);
        Path poolFile = poolDir.resolve("pool");
        try (BufferPool pool = BufferPool.open(poolFile, 2048, 65536);
             PacketLog log = PacketLog.open(pool, PacketLogConfig.of(records))) {
            long ts = 1_700_000_000_000_000_000L;
            for (long s = 1; s <= records; s++) {
                int buf = pool.allocate();
                MemorySegment seg = pool.segment();
                long off = pool.offset(buf);
                for (int i = 0; i < 1024; i += 8) {
                    seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off + i, s * 31 + i);
                }
                if (log.append(buf, 1024, 1024, ts + s, 1, 1, 0, 0) < 0) {
                    throw new IllegalStateException("refused");
                }
                if (s % 256 == 0) {
                    log.commit();
                }
            }
            log.commit();
        }
    }

    /** With {@code pretouch}: every page of the pool read first (and timed apart): how much of recovery is page faults. */
    private static PacketLog open(BufferPool pool, int records, boolean pretouch) {
        if (pretouch) {
            long t0 = System.nanoTime();
            long sum = 0;
            MemorySegment seg = pool.segment();
            for (long i = 0; i < seg.byteSize(); i += 4096) {
                sum += seg.get(ValueLayout.JAVA_BYTE, i);
            }
            System.out.printf("  pretouch %.1f ms (%d)%n", (System.nanoTime() - t0) / 1e6, sum & 1);
        }
        return PacketLog.open(pool, PacketLogConfig.of(records));
    }

    private static String stats(List<Long> ns) {
        long[] v = ns.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("%.1f [%.1f-%.1f]", v[v.length / 2] / 1e6, v[0] / 1e6, v[v.length - 1] / 1e6);
    }

    private static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (var w = Files.walk(dir)) {
                for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}

package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.index.ShmTempDirFactory;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drain's steady state (add, write, sync within a segment) allocates nothing. */
class SegmentWriterAllocationTest {
    private static final long MIB = 1 << 20;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path shm;

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()) {
            t.setThreadAllocatedMemoryEnabled(true);
            return t;
        }
        return null;
    }

    private static void drain(SegmentFrames frames, SegmentWriter w, long[] offsets, long from, long to) {
        for (long seq = from; seq <= to; seq++) {
            long off = offsets[(int) (seq % offsets.length)];
            if (!frames.add0(w, seq, off)) {
                w.write();
                frames.add0(w, seq, off);
            }
            if (seq % 100 == 0) {
                w.write();
                w.sync();
            }
        }
    }

    @Test
    void addWriteAndSyncAllocateNothing() {
        com.sun.management.ThreadMXBean t = threads();
        Assumptions.assumeTrue(t != null, "this JVM cannot measure per-thread allocation: skipped");
        try (SegmentFrames frames = new SegmentFrames(shm.resolve("pool"), 1024);
             SegmentWriter w = SegmentWriter.open(disk.resolve("segments"), SegmentFrames.LOG_ID,
                     SegmentConfig.of(512 * MIB, 256 * MIB).withCheckpointIntervalNs(Long.MAX_VALUE))) {
            // Frames are filled once; record seq uses the buffer of seq % 1000 (the bytes do not matter here).
            long[] offsets = new long[1000];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = frames.fill(i, 0);
            }
            drain(frames, w, offsets, 1, 30_000); // warm up: class loading, JIT, the first segment
            long before = t.getCurrentThreadAllocatedBytes();
            drain(frames, w, offsets, 30_001, 60_000);
            long allocated = t.getCurrentThreadAllocatedBytes() - before;
            w.write();
            assertThat(w.sync()).isEqualTo(60_000);
            assertThat(w.counters().segmentsSealed()).as("no roll during the measurement").isZero();
            assertThat(allocated).as("bytes allocated draining 30000 records").isLessThan(4096);
        }
    }
}

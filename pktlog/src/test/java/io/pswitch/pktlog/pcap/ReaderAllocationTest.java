package io.pswitch.pktlog.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stepping through records allocates nothing: the readers sit on a dataplane hot path. */
class ReaderAllocationTest {
    @TempDir
    Path tmp;

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()) {
            t.setThreadAllocatedMemoryEnabled(true);
            return t;
        }
        return null;
    }

    private static long readAll(CaptureReader r) {
        long sum = 0;
        while (r.next()) {
            sum += r.capturedLength() + r.timestampNs() + r.interfaceIndex() + r.linkType() + r.buffer().get(
                    java.lang.foreign.ValueLayout.JAVA_BYTE, r.dataOffset());
        }
        return sum;
    }

    @Test
    void readingRecordsAllocatesNothing() {
        com.sun.management.ThreadMXBean t = threads();
        Assumptions.assumeTrue(t != null, "this JVM cannot measure per-thread allocation: skipped");
        Path pcap = tmp.resolve("a.pcap");
        Path pcapng = tmp.resolve("a.pcapng");
        try (PcapWriter w = PcapWriter.create(pcap); PcapngWriter ng = PcapngWriter.create(pcapng)) {
            ng.addInterface("p0");
            for (int i = 0; i < 20_000; i++) {
                byte[] f = RawCapture.frame(60 + i % 1400, i);
                w.write(i, f);
                ng.write(0, i, f, null);
            }
        }
        for (Path file : new Path[] {pcap, pcapng}) {
            try (CaptureReader warm = CaptureReader.open(file)) {
                readAll(warm); // warm up: class loading and JIT compilation allocate
            }
            try (CaptureReader r = CaptureReader.open(file)) {
                long before = t.getCurrentThreadAllocatedBytes();
                long sum = readAll(r);
                long allocated = t.getCurrentThreadAllocatedBytes() - before;
                assertThat(sum).isNotZero();
                assertThat(allocated).as("bytes allocated reading 20000 records of %s", file.getFileName()).isLessThan(4096);
            }
        }
    }
}

package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.index.LiveLogView;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.query.LogQuery;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export beside a writer that keeps appending and retiring, as a running switch does. */
class LiveExportTest {
    static final long START_NS = 1_763_700_000_000_000_000L;
    static final long SPACING_NS = 1000;

    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    @TempDir
    Path out;

    @Test
    void exportBesideAWriterThatRetiresEmitsOnlyIntactRecordsAndCountsTheSkipped() throws Exception {
        // A small index (256 records) that the writer wraps many times during each export.
        BufferPool pool = BufferPool.open(TestLog.pool(dir), TestLog.BUFFER_SIZE, 512);
        PacketLog log = PacketLog.open(pool, new PacketLogConfig(256, 0, 16));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // The switch holds the data directory's lock while it runs; the tools must not need it.
        try (FileChannel lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = lockFile.lock()) {
            for (int i = 0; i < 300; i++) {
                TestLog.append(pool, log, TestLog.frame(i), START_NS + i * SPACING_NS, i % 3, TestLog.mask(null, i));
            }
            log.commit();
            written.set(300);
            Thread writer = new Thread(() -> {
                try {
                    for (long i = 300; !stop.get(); i++) {
                        TestLog.append(pool, log, TestLog.frame((int) i), START_NS + i * SPACING_NS, (int) (i % 3),
                                TestLog.mask(null, (int) i));
                        if (i % 8 == 0) {
                            log.commit();
                        }
                        written.set(i + 1);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "test-writer");
            writer.start();
            long exported = 0;
            long skipped = 0;
            long crc = 0;
            try {
                for (int round = 0; round < 40; round++) {
                    Path f = out.resolve("live-" + round + ".pcapng");
                    ExportResult r;
                    try (LiveLogView view = new DataDir(dir).openLog()) {
                        // A slow consumer (a filter that spins) so that retirement overtakes the reader.
                        LogQuery slow = new LogQuery(Long.MIN_VALUE, Long.MAX_VALUE, null,
                                (seg, o, s, w) -> spin(20_000), Long.MAX_VALUE);
                        r = new LogExporter(view, LogCatalog.EMPTY).export(slow, CaptureFormat.PCAPNG, f, 0, null);
                    }
                    exported += r.records();
                    skipped += r.skippedRetired();
                    crc += r.crcMismatches();
                    // Every record written must be exactly what was logged for its timestamp.
                    long prevTs = Long.MIN_VALUE;
                    long n = 0;
                    try (CaptureReader in = CaptureReader.open(f)) {
                        while (in.next()) {
                            long ts = in.timestampNs();
                            assertThat(ts).isGreaterThan(prevTs);
                            prevTs = ts;
                            long i = (ts - START_NS) / SPACING_NS;
                            assertThat((ts - START_NS) % SPACING_NS).isZero();
                            assertThat(in.data()).as("frame logged at index %d", i).isEqualTo(TestLog.frame((int) i));
                            n++;
                        }
                    }
                    assertThat(n).isEqualTo(r.records());
                }
            } finally {
                stop.set(true);
                writer.join(10_000);
            }
            assertThat(failure.get()).isNull();
            assertThat(written.get()).as("the writer wrapped the index many times").isGreaterThan(256 * 20);
            assertThat(exported).isPositive();
            assertThat(skipped).as("records retired under the exporter were counted").isPositive();
            assertThat(crc).as("a retired record is counted as retired, not as corrupt").isZero();
        } finally {
            log.close();
            pool.close();
        }
    }

    private static boolean spin(long ns) {
        long end = System.nanoTime() + ns;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        return true;
    }
}

package io.pswitch.pktlog.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.export.ExportResult;
import io.pswitch.pktlog.export.LogExporter;
import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.index.TestFrames;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.HugetlbfsMount;
import io.pswitch.pktlog.pool.StorageClass;
import io.pswitch.pktlog.query.LogQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PASTE hot tier on huge pages: a switch's data directory on tmpfs with {@code --pool-dir} on a
 * real hugetlbfs. Records are logged in place in the pool there, the switch "crashes" (the log is
 * opened again while the first one was never closed: nothing it held in memory is written out), and
 * recovery finds every committed record in the huge pages, byte for byte.
 */
class HugePagesHotTierTest {
    private static final int RECORDS = 200;
    private static HugetlbfsMount huge;

    @TempDir(factory = ShmTempDirFactory.class)
    Path dataDir;

    @TempDir
    Path out;

    @BeforeAll
    static void mount() throws Exception {
        // Pool (4096 + 1024 x 2048 bytes) and index (4096 + 512 x 64 bytes): one 2 MiB page each.
        huge = HugetlbfsMount.mount(Path.of(System.getProperty("java.io.tmpdir")), 4, 4);
    }

    @AfterAll
    static void unmount() throws Exception {
        if (huge != null) {
            huge.close();
        }
    }

    private TieredLog open() {
        return TieredLog.open(new TieredLog.Settings(dataDir, huge.dir(), 2048, 1024, new PacketLogConfig(512, 32, 16), 0, 0,
                DrainPolicy.EVERY_WRITE));
    }

    @Test
    void aDataDirectoryOnHugetlbfsIsRefusedInOneLinePointingAtPoolDir() {
        Path onHuge = huge.dir().resolve("data");
        assertThatThrownBy(() -> TieredLog.open(new TieredLog.Settings(onHuge, null, 2048, 1024, new PacketLogConfig(512, 32, 16),
                0, 0, DrainPolicy.EVERY_WRITE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the data directory " + onHuge + " is on hugetlbfs, which holds only the buffer pool")
                .hasMessageContaining("--pool-dir");
        assertThat(Files.exists(onHuge)).as("nothing made there").isFalse();
    }

    @Test
    void recordsLoggedInPlaceOnHugePagesSurviveACrashAndExportTheSameBytes() throws Exception {
        TieredLog crashed = open();
        BufferPool pool = crashed.pool();
        Path poolFile = crashed.layout().poolFile();
        assertThat(poolFile).startsWith(huge.dir());
        assertThat(pool.pageSize()).isEqualTo(HugetlbfsMount.PAGE);
        assertThat(pool.storageClass()).isEqualTo(StorageClass.VOLATILE);
        assertThat(crashed.report().getFirst()).startsWith("hot tier: volatile pool " + poolFile + " (1024 x 2048 B, on 2 MiB huge pages of hugetlbfs)");
        assertThat(Files.size(IndexFileDescriptor.defaultPath(poolFile)) % HugetlbfsMount.PAGE)
                .as("the index beside the pool is in whole huge pages too").isZero();
        for (int i = 1; i <= RECORDS; i++) {
            assertThat(TestFrames.append(crashed.hot(), pool, i, 60 + 7 * i, 1_000_000L * i, i % 3)).isEqualTo(i);
        }
        crashed.hot().commit();
        Path before = out.resolve("before.pcap");
        ExportResult live = new LogExporter(LogView.of(crashed), LogCatalog.EMPTY).export(LogQuery.all(), CaptureFormat.PCAP,
                before, 0, null);
        assertThat(live.records()).isEqualTo(RECORDS);

        // The crash: the first log is never closed; a new switch opens the same data directory.
        try (TieredLog recovered = open()) {
            assertThat(recovered.layout().poolFile()).as("the restart finds the hot tier again").isEqualTo(poolFile);
            assertThat(recovered.pool().created()).isFalse();
            assertThat(recovered.hot().recoveryReport().recovered()).isEqualTo(RECORDS);
            assertThat(recovered.hot().recoveryReport().dropped()).isEmpty();
            for (long seq = 1; seq <= RECORDS; seq++) {
                assertThat(TestFrames.holds(recovered.pool(), recovered.hot().bufIdx(seq), seq, (int) (60 + 7 * seq)))
                        .as("record %d's frame", seq).isTrue();
            }
            Path after = out.resolve("after.pcap");
            ExportResult offline;
            try (LogView view = LogView.open(dataDir)) {
                offline = new LogExporter(view, LogCatalog.EMPTY).export(LogQuery.all(), CaptureFormat.PCAP, after, 0, null);
            }
            assertThat(offline.records()).isEqualTo(RECORDS);
            assertThat(Files.readAllBytes(after)).as("the export after recovery").isEqualTo(Files.readAllBytes(before));
            assertThat(TestFrames.appendNext(recovered.hot(), recovered.pool(), 100, 1_000_000L * (RECORDS + 1), 0))
                    .as("logging goes on after the recovered tail").isEqualTo(RECORDS + 1);
        } finally {
            // Only now (it has nothing left to commit): the crashed log's mappings hold the mount
            // busy until they are unmapped.
            crashed.hot().close();
            crashed.pool().close();
        }
    }
}

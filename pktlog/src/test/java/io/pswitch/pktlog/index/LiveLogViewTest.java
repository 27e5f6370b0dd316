package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveLogViewTest {
    static final int BUFFER_SIZE = 256;

    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    private long append(BufferPool pool, PacketLog log, long tag, long ts) {
        int buf = pool.allocate();
        TestFrames.write(pool, buf, tag, 100);
        return log.append(buf, 100, 100, ts, 0, 1, 0, 0);
    }

    @Test
    void findsTheWindowOfAWrappedLogWithoutScanningIt() {
        Path poolPath = dir.resolve("pool");
        try (BufferPool pool = BufferPool.open(poolPath, BUFFER_SIZE, 200);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(64, 0, 8))) {
            for (int i = 1; i <= 150; i++) {
                append(pool, log, i, 1000L * i);
            }
            log.commit();
            try (LiveLogView view = LiveLogView.open(poolPath)) {
                assertThat(view.oldestSeq()).isEqualTo(log.oldestSeq());
                assertThat(view.newestSeq()).isEqualTo(150);
                List<Long> seqs = new ArrayList<>();
                new LogReader(view).query(LogQuery.all(), (r, f, o) -> seqs.add(r.sequence()));
                assertThat(seqs).hasSize((int) (150 - log.oldestSeq() + 1));
                assertThat(seqs.getLast()).isEqualTo(150);
            }
        }
    }

    @Test
    void recordsRetiredAfterOpeningAreReportedRetiredNotCorrupt() {
        Path poolPath = dir.resolve("pool");
        try (BufferPool pool = BufferPool.open(poolPath, BUFFER_SIZE, 200);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(64, 0, 8))) {
            for (int i = 1; i <= 60; i++) {
                append(pool, log, i, 1000L * i);
            }
            log.commit();
            try (LiveLogView view = LiveLogView.open(poolPath)) {
                assertThat(view.newestSeq()).isEqualTo(60);
                // The writer goes on: slots of 1..~40 are reused, their buffers rewritten.
                for (int i = 61; i <= 100; i++) {
                    append(pool, log, i, 1000L * i);
                }
                log.commit();
                assertThat(view.oldestSeq()).isEqualTo(log.oldestSeq()).isGreaterThan(1);
                LogReader reader = new LogReader(view);
                List<Long> seqs = new ArrayList<>();
                reader.query(LogQuery.all(), (r, f, o) -> seqs.add(r.sequence()));
                assertThat(seqs.getFirst()).isEqualTo(log.oldestSeq());
                assertThat(seqs.getLast()).isEqualTo(60);
                assertThat(reader.crcMismatches()).isZero();
            }
        }
    }

    @Test
    void anEmptyLogHasAnEmptyWindowAndATruncatedIndexIsRefused() throws Exception {
        Path poolPath = dir.resolve("pool");
        try (BufferPool pool = BufferPool.open(poolPath, BUFFER_SIZE, 20);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 0, 1))) {
            log.commit();
        }
        try (LiveLogView view = LiveLogView.open(poolPath)) {
            assertThat(view.newestSeq()).isEqualTo(view.oldestSeq() - 1);
        }
        Path index = IndexFileDescriptor.defaultPath(poolPath);
        try (var ch = java.nio.channels.FileChannel.open(index, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(index) - 64);
        }
        assertThatThrownBy(() -> LiveLogView.open(poolPath)).hasMessageContaining("truncated").hasMessageContaining("verify");
    }
}

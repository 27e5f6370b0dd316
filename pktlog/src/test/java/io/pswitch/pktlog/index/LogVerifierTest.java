package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.pool.PoolFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogVerifierTest {
    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    private int[] bufIdx;

    private LogFiles build(int n) {
        LogFiles files = new LogFiles(dir.resolve("data"));
        bufIdx = new int[n + 1];
        try (BufferPool pool = files.openPool(32); PacketLog log = PacketLog.open(pool, new PacketLogConfig(16, 0, 1))) {
            for (int i = 1; i <= n; i++) {
                TestFrames.appendNext(log, pool, 80, 1_000_000L * i, 0);
                bufIdx[i] = log.bufIdx(i);
            }
            log.commit();
        }
        return files;
    }

    @Test
    void reportsTheValidWindowOfACleanLog() {
        LogFiles files = build(6);
        LogVerifier.Report r = LogVerifier.verify(files.pool);
        assertThat(r.clean()).isTrue();
        assertThat(r.validRecords()).isEqualTo(6);
        assertThat(r.oldestSeq()).isEqualTo(1);
        assertThat(r.newestSeq()).isEqualTo(6);
        assertThat(r.timeSpanNs()).isEqualTo(5_000_000L);
        assertThat(r.lines()).first().isEqualTo("valid records: 6 (seq 1..6)");
    }

    @Test
    void reportsEveryBadRecordWithItsReasonAndRepairsNothing() throws Exception {
        LogFiles files = build(6);
        files.xorPoolByte(BufferPoolDescriptor.bufferOffset(LogFiles.BUFFER_SIZE, bufIdx[4]) + 40, 0x04);
        files.writeIndex(IndexFileDescriptor.slotOffset(6) + 40, new byte[24]);
        byte[] indexBefore = Files.readAllBytes(files.index);
        byte[] poolBefore = Files.readAllBytes(files.pool);
        LogVerifier.Report r = LogVerifier.verify(files.pool, files.index);
        assertThat(r.validRecords()).isEqualTo(3);
        assertThat(r.bad()).containsExactly(
                new DroppedRecord(4, 4, RecordStatus.BAD_CRC),
                new DroppedRecord(5, 5, RecordStatus.AFTER_GAP),
                new DroppedRecord(6, 6, RecordStatus.TORN));
        assertThat(r.clean()).isFalse();
        assertThat(r.lines()).contains("bad records: 3", "  slot 4 seq 4: BAD_CRC");
        assertThat(Files.readAllBytes(files.index)).isEqualTo(indexBefore);
        assertThat(Files.readAllBytes(files.pool)).isEqualTo(poolBefore);
    }

    @Test
    void reportsATruncatedIndexWithoutExtendingIt() {
        LogFiles files = build(3);
        files.truncateIndex(IndexFileDescriptor.slotOffset(3) + 10);
        LogVerifier.Report r = LogVerifier.verify(files.pool, files.index);
        assertThat(r.validRecords()).isEqualTo(2);
        assertThat(r.truncatedBytes()).isEqualTo(IndexFileDescriptor.fileSize(16) - IndexFileDescriptor.slotOffset(3) - 10);
        assertThat(r.bad()).containsExactly(new DroppedRecord(3, 3, RecordStatus.TORN));
        assertThat(files.index).hasSize(IndexFileDescriptor.slotOffset(3) + 10);
    }

    @Test
    void saysWhatIsMissing() {
        LogFiles files = build(1);
        assertThatThrownBy(() -> LogVerifier.verify(files.pool, dir.resolve("nope")))
                .isInstanceOf(IndexFileException.class).hasMessage("no index at " + dir.resolve("nope"));
        assertThatThrownBy(() -> LogVerifier.verify(dir.resolve("nopool")))
                .isInstanceOf(PoolFileException.class).hasMessageContaining("no buffer pool at");
    }
}

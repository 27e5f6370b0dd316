package io.pswitch.tools.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogVerifyInspectTest {
    static final long START_NS = 1_763_700_000_000_000_000L;

    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    @Test
    void verifyReportsACleanLogAndExitsZero() {
        TestLog.build(dir, 50, START_NS, 1_000_000, true);
        String[] r = LogExportTest.cli("log", "verify", "--data-dir", dir.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("hot tier: 50 valid records (seq 1..50)", "time span: 2025-11-21T04:40:00Z .. 2025-11-21T04:40:00.049Z",
                "bad records: 0", "log is clean");
    }

    @Test
    void verifyNamesACorruptedRecordAndExitsNonZero() {
        TestLog t = TestLog.build(dir, 50, START_NS, 1_000_000, true);
        // Flip one byte of record 20's stored frame, in the pool file itself.
        try (BufferPool pool = BufferPool.openExisting(TestLog.pool(dir))) {
            int bufIdx = 2 + 19; // the test log allocates buffers in order from the first free one
            long at = pool.offset(bufIdx) + 30;
            pool.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, at,
                    (byte) ~pool.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, at));
            pool.segment().force();
        }
        assertThat(t.logged.get(19).seq()).isEqualTo(20);
        String[] r = LogExportTest.cli("log", "verify", "--data-dir", dir.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).contains("hot tier: 19 valid records (seq 1..19)", "seq 20: BAD_CRC", "log has problems");
        // Records after the bad one are reported too (the valid run stops at the gap).
        assertThat(r[1]).contains("seq 21: AFTER_GAP", "seq 50: AFTER_GAP");
    }

    @Test
    void inspectAndStatsShowSizesWindowAndPerPortAndPerFilterCounts() throws Exception {
        TestLog.build(dir, 70, START_NS, 1_000_000, true);
        String[] r = LogExportTest.cli("log", "inspect", "--data-dir", dir.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("records:          70 (seq 1..70)", "uplink: 24", "vm-a: 23",
                "vm-b: 23", "icmp: 10", "web: 20", "all: 70", "catalog:          log-catalog.json");
        r = LogExportTest.cli("log", "stats", "--data-dir", dir.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1].trim().lines().count()).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(r[1]);
        assertThat(j.get("records").asLong()).isEqualTo(70);
        assertThat(j.get("oldestSeq").asLong()).isEqualTo(1);
        assertThat(j.get("newestSeq").asLong()).isEqualTo(70);
        assertThat(j.get("oldestTimestampNs").asLong()).isEqualTo(START_NS);
        assertThat(j.get("timeSpanNs").asLong()).isEqualTo(69_000_000L);
        assertThat(j.get("perPort").get("vm-b").asLong()).isEqualTo(23);
        assertThat(j.get("perFilter").get("web").asLong()).isEqualTo(20);
        assertThat(j.get("freeBuffers").asLong()).isEqualTo(70 + 256 - 2 - 70);
        assertThat(j.get("storageClass").asText()).isIn("volatile", "block", "dax");
    }
}

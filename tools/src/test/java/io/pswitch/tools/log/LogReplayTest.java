package io.pswitch.tools.log;

import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.query.LogQuery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReplayTest {
    static final long START_NS = 1_763_700_000_000_000_000L;
    static final int COUNT = 60;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @TempDir
    Path out;

    /** Gaps alternate 2, 5 and 9 ms: a replay that ignored the spacing would not match them. */
    static long gapNs(int i) {
        return switch (i % 3) {
            case 0 -> 2_000_000;
            case 1 -> 5_000_000;
            default -> 9_000_000;
        };
    }

    List<Long> buildLog() {
        List<Long> ts = new ArrayList<>();
        try (BufferPool pool = BufferPool.open(TestLog.pool(dir), TestLog.BUFFER_SIZE, COUNT + 64);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(COUNT + 8, 0, 1))) {
            long t = START_NS;
            for (int i = 0; i < COUNT; i++) {
                TestLog.append(pool, log, TestLog.frame(i), t, i % 3, TestLog.mask(null, i));
                ts.add(t);
                t += gapNs(i);
            }
            log.commit();
        }
        return ts;
    }

    record Frame(long ts, byte[] data) {
    }

    static List<Frame> read(Path f) {
        List<Frame> r = new ArrayList<>();
        try (CaptureReader in = CaptureReader.open(f)) {
            while (in.next()) {
                r.add(new Frame(in.timestampNs(), in.data()));
            }
        }
        return r;
    }

    /** Replays the log at original speed into a pcapfile port; returns the tool's JSON line. */
    String replayOriginal(Path f) {
        String[] r = LogExportTest.cli("log", "replay", "--data-dir", dir.toString(), "--to-port", "pcapfile:out=" + f,
                "--speed", "original", "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("\"framesSent\":" + COUNT, "\"passes\":1");
        return r[1].trim();
    }

    @Test
    void originalSpeedReplayIntoAPcapfilePortReproducesTheFramesInOrder() {
        buildLog();
        Path f = out.resolve("replayed.pcap");
        replayOriginal(f);
        List<Frame> sent = read(f);
        assertThat(sent).hasSize(COUNT);
        for (int i = 0; i < COUNT; i++) {
            assertThat(sent.get(i).data()).as("frame %d", i).isEqualTo(TestLog.frame(i));
        }
    }

    /** Replays the whole log at original speed in-process; returns each paced frame's scheduled offset by sequence. */
    static java.util.Map<Long, Long> scheduleOf(Path dir, io.pswitch.dataplane.port.PortSpec spec) {
        java.util.Map<Long, Long> due = new java.util.LinkedHashMap<>();
        try (LogView view = new DataDir(dir).openLog()) {
            LogQuery all = Selection.of(null, null, null, null, null).resolve(LogCatalog.EMPTY, 0);
            ReplayResult r = new LogReplayer(view).schedule(due::put).replay(all, spec, ReplaySpeed.ORIGINAL, 1);
            assertThat(r.framesSent()).isEqualTo(COUNT);
            assertThat(r.paced()).isTrue();
            // How closely this machine kept the schedule is a measurement, printed, never asserted.
            System.out.printf("replay kept its schedule to a mean gap error of %.1f us (max %.1f us)%n",
                    r.meanGapErrorNs() / 1e3, r.maxGapErrorNs() / 1e3);
        }
        return due;
    }

    /** The replay's own schedule keeps the logged spacing exactly: frame i is due at (ts_i - ts_0) / speed. */
    static void assertScheduleKeepsTheLoggedSpacing(java.util.Map<Long, Long> due, List<Long> logged) {
        assertThat(due).hasSize(logged.size());
        List<Long> offsets = new ArrayList<>(due.values());
        for (int i = 0; i < logged.size(); i++) {
            assertThat(offsets.get(i)).as("frame %d is due at its logged offset", i).isEqualTo(logged.get(i) - logged.getFirst());
        }
    }

    @Test
    void originalSpeedReplayReproducesTheLoggedGaps() {
        List<Long> logged = buildLog();
        Path f = out.resolve("replayed.pcap");
        java.util.Map<Long, Long> due = scheduleOf(dir, LogReplayer.portSpec("out=pcapfile:out=" + f, null, out));
        assertScheduleKeepsTheLoggedSpacing(due, logged);
        List<Frame> sent = read(f);
        assertThat(sent).hasSize(COUNT);
        for (int i = 0; i < COUNT; i++) {
            assertThat(sent.get(i).data()).as("frame %d, in order", i).isEqualTo(TestLog.frame(i));
        }
    }

    @Test
    void topSpeedWithLoopsSendsTheSelectionRepeatedlyAndFasterThanLogged() {
        buildLog();
        Path f = out.resolve("top.pcap");
        ReplayResult r;
        try (LogView view = new DataDir(dir).openLog()) {
            LogQuery sel = Selection.of(null, null, "icmp or arp", null, null).resolve(LogCatalog.EMPTY, 0);
            r = new LogReplayer(view).replay(sel, LogReplayer.portSpec("out=pcapfile:out=" + f, null, out), ReplaySpeed.TOP, 3);
        }
        assertThat(r.paced()).as("top speed follows no schedule").isFalse();
        List<Frame> sent = read(f);
        long perPass = (COUNT + 6) / 7 + (COUNT + 3) / 7; // frames i % 7 == 0 (icmp) and == 3 (arp)
        assertThat(r.framesSent()).isEqualTo(3 * perPass);
        assertThat(r.passes()).isEqualTo(3);
        assertThat(sent).hasSize((int) (3 * perPass));
        assertThat(sent.get(0).data()).isEqualTo(TestLog.frame(0));
        assertThat(sent.get(1).data()).isEqualTo(TestLog.frame(3));
        assertThat(sent.get((int) perPass).data()).isEqualTo(TestLog.frame(0));
    }

    @Test
    void replayNeedsExactlyOneDestinationAndAKnownSpeed() {
        assertThatThrownBy(() -> LogReplayer.portSpec(null, null, out)).hasMessageContaining("exactly one of --to-port");
        assertThatThrownBy(() -> LogReplayer.portSpec("shm:a", "eth0", out)).hasMessageContaining("exactly one of --to-port");
        assertThatThrownBy(() -> ReplaySpeed.parse("fast")).hasMessageContaining("--speed fast");
        assertThat(ReplaySpeed.parse("2x").factor()).isEqualTo(2.0);
        assertThat(LogReplayer.portSpec(null, "eth0", out).text()).isEqualTo("replay=pcap:eth0");
        buildLog();
        String[] r = LogExportTest.cli("log", "replay", "--data-dir", dir.toString(), "--to-port", "nodriver:x");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("unknown driver 'nodriver'");
    }
}

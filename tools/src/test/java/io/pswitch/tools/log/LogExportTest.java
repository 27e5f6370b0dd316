package io.pswitch.tools.log;

import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.export.ExportResult;
import io.pswitch.pktlog.export.LogExporter;
import io.pswitch.control.time.TimeSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.tools.cli.Pswitch;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LogExportTest {
    static final int COUNT = 700;
    static final long START_NS = 1_763_700_000_123_456_789L; // 2025-11-21T04:40:00.123456789Z
    static final long SPACING_NS = 1_000_123L;

    @TempDir(factory = ShmTempDir.class)
    static Path dir;

    @TempDir
    static Path out;

    static TestLog log;

    @BeforeAll
    static void buildLog() {
        log = TestLog.build(dir, COUNT, START_NS, SPACING_NS, true);
    }

    record Read(long ts, byte[] data, int wire, String iface) {
    }

    static List<Read> read(Path capture) {
        List<Read> r = new ArrayList<>();
        try (CaptureReader in = CaptureReader.open(capture)) {
            while (in.next()) {
                String iface = in.interfaceCount() > 0 ? in.interfaceName(in.interfaceIndex()) : null;
                r.add(new Read(in.timestampNs(), in.data(), in.wireLength(), iface));
            }
        }
        return r;
    }

    ExportResult export(Selection selection, CaptureFormat format, Path file, long split) {
        try (LogView view = new DataDir(dir).openLog()) {
            return new LogExporter(view, TestLog.CATALOG).export(selection.resolve(TestLog.CATALOG, Clock.nowNs()),
                    format, file, split, null);
        }
    }

    static Selection all() {
        return Selection.of(null, null, null, null, null);
    }

    @Test
    void exportedPcapHoldsEveryLoggedFrameInOrderWithItsNanosecondTimestamp() throws Exception {
        Path f = out.resolve("all.pcap");
        ExportResult r = export(all(), CaptureFormat.PCAP, f, 0);
        List<Read> read = read(f);
        assertThat(r.records()).isEqualTo(COUNT);
        assertThat(r.skippedRetired()).isZero();
        assertThat(r.crcMismatches()).isZero();
        assertThat(r.bytes()).isEqualTo(Files.size(f));
        assertThat(read).hasSize(COUNT);
        long prev = Long.MIN_VALUE;
        for (int i = 0; i < COUNT; i++) {
            TestLog.Logged want = log.logged.get(i);
            assertThat(read.get(i).data()).as("frame %d", i).isEqualTo(want.frame());
            assertThat(read.get(i).ts()).as("timestamp %d", i).isEqualTo(want.timestampNs());
            assertThat(read.get(i).ts()).isGreaterThan(prev);
            prev = read.get(i).ts();
        }
    }

    @Test
    void pcapngHasOneInterfacePerPortNamedAfterItAndCommentsNamingTheFilters() {
        Path f = out.resolve("all.pcapng");
        export(all(), CaptureFormat.PCAPNG, f, 0);
        List<Read> read = read(f);
        assertThat(read).hasSize(COUNT);
        for (int i = 0; i < COUNT; i++) {
            assertThat(read.get(i).iface()).isEqualTo(TestLog.CATALOG.portName(log.logged.get(i).port()));
            assertThat(read.get(i).data()).isEqualTo(log.logged.get(i).frame());
        }
    }

    @Test
    void tsharkReadsBothFormatsWithoutWarningsAndShowsPortNamesAndFilterComments() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestLog.toolPresent("tshark"), "tshark is not installed");
        Path pcap = out.resolve("t.pcap");
        Path ng = out.resolve("t.pcapng");
        export(all(), CaptureFormat.PCAP, pcap, 0);
        export(all(), CaptureFormat.PCAPNG, ng, 0);
        for (Path f : List.of(pcap, ng)) {
            String[] r = TestLog.run(List.of("tshark", "-r", f.toString()));
            assertThat(r[0]).as("tshark exit on %s: %s", f, r[2]).isEqualTo("0");
            assertThat(TestLog.warnings(r[2])).as("tshark warnings on " + f).isEmpty();
            assertThat(r[1].lines().count()).isEqualTo(COUNT);
        }
        String[] fields = TestLog.run(List.of("tshark", "-r", ng.toString(), "-T", "fields", "-e", "frame.interface_name",
                "-e", "frame.comment"));
        List<String> lines = fields[1].lines().toList();
        assertThat(lines).hasSize(COUNT);
        assertThat(lines.get(0)).isEqualTo("uplink\tlogged by: icmp, all");
        assertThat(lines.get(1)).isEqualTo("vm-a\tlogged by: web, all");
        assertThat(lines.get(2)).isEqualTo("vm-b\tlogged by: all");
    }

    @Test
    void filterCountsEqualTcpdumpCountsOnTheEquivalentPcap() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestLog.toolPresent("tcpdump"), "tcpdump is not installed");
        for (String expr : List.of("icmp", "tcp port 80", "udp", "arp", "ip6", "vlan 42", "not ip", "tcp[tcpflags] & tcp-syn != 0",
                "greater 100", "ether broadcast")) {
            Path f = out.resolve("filtered.pcap");
            ExportResult r = export(Selection.of(null, null, expr, null, null), CaptureFormat.PCAP, f, 0);
            String[] td = TestLog.run(List.of("tcpdump", "-nn", "-r", dir.resolve("all.pcap").toString(), expr));
            assertThat(td[0]).as("tcpdump exit for '%s': %s", expr, td[2]).isEqualTo("0");
            long want = td[1].lines().count();
            assertThat(want).as("tcpdump matches something for '%s'", expr).isPositive();
            assertThat(r.records()).as("records for '%s'", expr).isEqualTo(want);
            assertThat(read(f)).hasSize((int) want);
        }
    }

    @Test
    void timeWindowSelectsExactlyTheRecordsInsideIt() {
        long from = START_NS + 100 * SPACING_NS;
        long to = START_NS + 250 * SPACING_NS; // exclusive
        Path f = out.resolve("window.pcap");
        ExportResult r = export(Selection.of(TimeSpec.format(from), TimeSpec.format(to), null, null, null), CaptureFormat.PCAP, f, 0);
        assertThat(r.records()).isEqualTo(150);
        List<Read> read = read(f);
        assertThat(read.getFirst().ts()).isEqualTo(from);
        assertThat(read.getLast().ts()).isEqualTo(to - SPACING_NS);
        assertThat(read.getFirst().data()).isEqualTo(log.logged.get(100).frame());
    }

    @Test
    void relativeTimesCountBackFromNow() {
        long now = START_NS + 500 * SPACING_NS;
        LogQuery s = Selection.of("100ms", null, null, null, null).resolve(LogCatalog.EMPTY, now);
        assertThat(s.fromNs()).isEqualTo(now - 100_000_000L);
        assertThat(TimeSpec.parse("--from", "2h", now)).isEqualTo(now - 7_200_000_000_000L);
        assertThat(TimeSpec.parse("--from", "2026-11-21T16:00:00.5+01:00", 0))
                .isEqualTo(Instant.parse("2026-11-21T15:00:00.5Z").getEpochSecond() * 1_000_000_000L + 500_000_000L);
        assertThatThrownBy(() -> TimeSpec.parse("--from", "yesterday", now)).hasMessageContaining("RFC 3339");
    }

    @Test
    void portsAreSelectedByCatalogNameAndLimitStopsTheExport() {
        Path f = out.resolve("ports.pcapng");
        ExportResult r = export(Selection.of(null, null, null, List.of("vm-a", "vm-b"), 100L), CaptureFormat.PCAPNG, f, 0);
        assertThat(r.records()).isEqualTo(100);
        List<Read> read = read(f);
        assertThat(read).extracting(Read::iface).containsOnly("vm-a", "vm-b");
        assertThat(read.getFirst().data()).isEqualTo(log.logged.get(1).frame());
        assertThatThrownBy(() -> Selection.of(null, null, null, List.of("nosuch"), null).resolve(TestLog.CATALOG, 0))
                .hasMessageContaining("no port named 'nosuch'").hasMessageContaining("uplink, vm-a, vm-b");
    }

    @Test
    void splitRollsToNumberedFilesThatTogetherHoldEveryRecord() throws Exception {
        Path f = out.resolve("part.pcap");
        ExportResult r = export(all(), CaptureFormat.PCAP, f, 8192);
        assertThat(r.files().size()).isGreaterThan(3);
        assertThat(r.files().getFirst().getFileName().toString()).isEqualTo("part-000.pcap");
        assertThat(r.files().get(1).getFileName().toString()).isEqualTo("part-001.pcap");
        List<Read> joined = new ArrayList<>();
        for (Path p : r.files()) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(8192);
            joined.addAll(read(p));
        }
        assertThat(joined).hasSize(COUNT);
        assertThat(joined.getLast().data()).isEqualTo(log.logged.getLast().frame());
    }

    @Test
    void withoutACatalogPortsAndFiltersGetGenericNames() throws Exception {
        Path plain = out.resolve("plain");
        Files.createDirectories(plain);
        TestLog.build(plain, 10, START_NS, SPACING_NS, false);
        Path f = out.resolve("generic.pcapng");
        try (LogView view = new DataDir(plain).openLog()) {
            LogCatalog c = new DataDir(plain).catalog();
            assertThat(c).isEqualTo(LogCatalog.EMPTY);
            new LogExporter(view, c).export(Selection.of(null, null, null, List.of("port1"), null).resolve(c, 0),
                    CaptureFormat.PCAPNG, f, 0, null);
        }
        assertThat(read(f)).extracting(Read::iface).containsOnly("port1");
        assertThat(c(LogCatalog.EMPTY.filterNames(1L << 1 | 1L << 3, 1))).isEqualTo("filter1, filter3");
    }

    private static String c(String s) {
        return s;
    }

    @Test
    void commandLineExportPrintsAOneLineJsonSummaryAndPicksPcapngFromTheExtension() throws Exception {
        Path f = out.resolve("cli.pcapng");
        String[] r = cli("log", "export", "--data-dir", dir.toString(), "--filter", "icmp", "--json", "-o", f.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1].trim()).startsWith("{\"records\":100,").contains("\"skippedRetired\":0", "\"crcMismatches\":0",
                "\"elapsedMs\":");
        assertThat(r[1].trim().lines().count()).isEqualTo(1);
        assertThat(read(f)).hasSize(100).extracting(Read::iface).containsOnly("uplink", "vm-a", "vm-b");
    }

    @Test
    void dashWritesTheCaptureToStandardOutput() throws Exception {
        String[] r = cliBytes("log", "export", "--data-dir", dir.toString(), "--filter", "arp", "--json", "-o", "-");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        Path f = out.resolve("from-stdout.pcap");
        Files.write(f, r[1].getBytes(StandardCharsets.ISO_8859_1));
        List<Read> read = read(f);
        assertThat(read).hasSize(100);
        assertThat(read.getFirst().data()).isEqualTo(log.logged.get(3).frame());
        assertThat(cli("log", "export", "--data-dir", dir.toString(), "--split", "1M", "-o", "-")[2])
                .contains("--split needs a file name");
    }

    /** As {@link #cli}, standard output kept as bytes (ISO-8859-1 string). */
    static String[] cliBytes(String... args) {
        CommandLine cl = Pswitch.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        PrintStream saved = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true));
        int code;
        try {
            code = cl.execute(args);
        } finally {
            System.setOut(saved);
            System.setErr(savedErr);
        }
        return new String[] {Integer.toString(code), bytes.toString(StandardCharsets.ISO_8859_1), err.toString()};
    }

    @Test
    void badUsageIsOneLineAndExitCodeTwo() {
        String[] r = cli("log", "export", "--data-dir", dir.toString(), "--filter", "tcp port", "-o", out.resolve("x.pcap").toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].trim().lines().count()).isEqualTo(1);
        assertThat(r[2]).startsWith("pswitch: ").contains("tcp port");
        r = cli("log", "export", "--data-dir", out.resolve("nolog").toString(), "-o", out.resolve("x.pcap").toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("no data directory");
        r = cli("log", "export", "--data-dir", dir.toString(), "--from", "soon", "-o", out.resolve("x.pcap").toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--from 'soon' is not a time");
        r = cli("log", "export", "--data-dir", dir.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--output");
    }

    /** Runs the real command line in-process; returns {exit code, stdout, stderr}. */
    static String[] cli(String... args) {
        CommandLine cl = Pswitch.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = cl.execute(args);
        } finally {
            System.setOut(saved);
        }
        return new String[] {Integer.toString(code), bytes.toString(StandardCharsets.UTF_8), err.toString()};
    }
}

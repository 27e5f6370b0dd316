package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.index.IndexRecordDescriptor;
import io.pswitch.pktlog.index.LogStorage;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.export.ExportResult;
import io.pswitch.pktlog.export.LogExporter;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TierLayout;
import io.pswitch.tools.log.DataDir;
import io.pswitch.tools.log.Selection;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.tools.log.Clock;
import io.pswitch.tools.testpcaps.FrameBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./pswitch bench --export}: export from the packet log against tcpdump/editcap on the
 * equivalent pcap, in one run on one machine.
 *
 * <p>Builds a log of N records (64-128 B frames, 100 us apart; 1 in 100 is SSH, the rest a mix of
 * ICMP, web, DNS and ARP) in a data directory on tmpfs, and {@code all.pcap} with the same frames
 * and times. Then times, each best of {@code runs}: a 1% time-window export vs {@code editcap -A -B}
 * (the Wireshark suite's time cut) and vs {@code tcpdump -r all.pcap -w out.pcap} (tcpdump has no
 * time filter: reading the whole file is its floor); a selective filter export ({@code tcp port 22})
 * vs {@code tcpdump -r all.pcap -w out.pcap 'tcp port 22'}; and a full export vs a full tcpdump
 * copy. Our export runs in this JVM (open of the log included, JVM start not); the external tools
 * are timed as processes (their start included, a few ms).
 *
 * <p>The log is built through a {@link LogStorage} that does not flush: what is measured is
 * reading and exporting, not how fast the log can be made durable.
 */
final class ExportBench {
    static final String SELECTIVE = "tcp port 22";
    static final long SPACING_NS = 100_000;

    record Case(String name, String tool, double seconds, long records, long bytes, String note) {
        double recordsPerSecond() {
            return seconds == 0 ? 0 : records / seconds;
        }
    }

    private ExportBench() {
    }

    static int run(Path baseDir, int records, int runs, Path out, PrintStream o) throws Exception {
        if (records < 1000) {
            throw new IllegalArgumentException("--records " + records + " must be at least 1000");
        }
        Path dir = baseDir.resolve("pswitch-export-bench-" + ProcessHandle.current().pid());
        Files.createDirectories(dir);
        try {
            long startNs = Clock.nowNs() - records * SPACING_NS;
            long t0 = System.nanoTime();
            build(dir, records, startNs);
            double buildSeconds = (System.nanoTime() - t0) / 1e9;
            o.printf(Locale.ROOT, "built a log of %d records and the equivalent pcap (%d bytes) in %s in %.1f s%n", records,
                    Files.size(dir.resolve("all.pcap")), dir, buildSeconds);

            long span = records * SPACING_NS;
            long winFrom = startNs + span / 2;
            long winTo = winFrom + span / 100;
            List<Case> cases = new ArrayList<>();
            Path all = dir.resolve("all.pcap");
            Path res = dir.resolve("out.pcap");

            cases.add(ours("time window 1%", dir, Selection.of(TimeSpec.format(winFrom), TimeSpec.format(winTo), null, null, null),
                    res, runs, "binary search on time, then reads only the window"));
            cases.add(external("time window 1%", runs, res, "editcap -A/-B: reads the whole file",
                    "editcap", "-F", "pcap", "-A", editcapTime(winFrom), "-B", editcapTime(winTo), all.toString(), res.toString()));
            cases.add(external("time window 1%", runs, res, "tcpdump has no time filter: a full read is its floor",
                    "tcpdump", "-r", all.toString(), "-w", res.toString()));

            cases.add(ours("filter '" + SELECTIVE + "'", dir, Selection.of(null, null, SELECTIVE, null, null), res, runs,
                    "BPF (libpcap-compiled, run as JVM bytecode) over every stored frame"));
            cases.add(external("filter '" + SELECTIVE + "'", runs, res, "",
                    "tcpdump", "-r", all.toString(), "-w", res.toString(), SELECTIVE));

            cases.add(ours("full export", dir, Selection.of(null, null, null, null, null), res, runs, "pcap, every record CRC-verified"));
            Path resNg = dir.resolve("out.pcapng");
            cases.add(ours("full export pcapng", dir, Selection.of(null, null, null, null, null), resNg, runs,
                    "pcapng with interface per port and a comment per packet"));
            cases.add(external("full export", runs, res, "tcpdump full copy of the pcap",
                    "tcpdump", "-r", all.toString(), "-w", res.toString()));

            o.printf("%-28s %-8s %10s %12s %14s  %s%n", "case", "tool", "seconds", "records", "records/s", "note");
            for (Case c : cases) {
                o.printf(Locale.ROOT, "%-28s %-8s %10.4f %12d %14.0f  %s%n", c.name(), c.tool(), c.seconds(), c.records(),
                        c.recordsPerSecond(), c.note());
            }
            write(out, records, buildSeconds, cases);
            o.println("results written to " + out);
            return 0;
        } finally {
            deleteTree(dir);
        }
    }

    private static String editcapTime(long epochNs) {
        // editcap takes seconds with a fraction (microsecond resolution in this build's parser is enough).
        return String.format(Locale.ROOT, "%d.%09d", Math.floorDiv(epochNs, 1_000_000_000L), Math.floorMod(epochNs, 1_000_000_000L));
    }

    /** Frames of 64..128 bytes: SSH for 1 in 100, otherwise ICMP, web, DNS, ARP. */
    static byte[] frame(int i) {
        byte[] a = FrameBuilder.mac("02:00:00:00:00:0a");
        byte[] b = FrameBuilder.mac("02:00:00:00:00:0b");
        byte[] ipA = FrameBuilder.ip("10.0.0.1");
        byte[] ipB = FrameBuilder.ip("10.0.0.2");
        int pad = i % 40; // IPv4/TCP headers are 54 bytes: 64..128 with these payloads
        if (i % 100 == 7) {
            return FrameBuilder.ethernet(b, a).ipv4(ipA, ipB).tcp(50022, 22, i, 1, FrameBuilder.TCP_ACK, 512).payload(10 + pad).build();
        }
        return switch (i % 4) {
            case 0 -> FrameBuilder.ethernet(b, a).ipv4(ipA, ipB).icmpEcho(true, 1, i).payload(22 + pad).build();
            case 1 -> FrameBuilder.ethernet(a, b).ipv4(ipB, ipA).tcp(80, 40000, i, 1, FrameBuilder.TCP_ACK, 512).payload(10 + pad).build();
            case 2 -> FrameBuilder.ethernet(b, a).ipv4(ipA, ipB).udp(5353, 53).payload(22 + pad).build();
            default -> FrameBuilder.ethernet(FrameBuilder.BROADCAST, a).arp(FrameBuilder.ARP_REQUEST, a, ipA, FrameBuilder.ZERO_MAC, ipB).build();
        };
    }

    private static final LogStorage NO_FLUSH = new LogStorage() {
        @Override
        public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
            MemorySegment.copy(src, 0, segment, offset, length);
        }

        @Override
        public void force(MemorySegment segment, long offset, long length) {
            // Building the bench input: durability is not what is measured.
        }
    };

    static void build(Path dir, int records, long startNs) {
        byte[][] templates = new byte[400][];
        for (int i = 0; i < templates.length; i++) {
            templates[i] = frame(i);
        }
        Path poolPath = dir.resolve(TierLayout.POOL_FILE);
        try (BufferPool pool = BufferPool.open(poolPath, 128, records + 1024);
             PacketLog log = PacketLog.open(pool, io.pswitch.pktlog.index.IndexFileDescriptor.defaultPath(poolPath),
                     new PacketLogConfig(records + 16, 0, 1), NO_FLUSH);
             PcapWriter pcap = PcapWriter.create(dir.resolve("all.pcap"))) {
            MemorySegment poolSeg = pool.segment();
            for (int i = 0; i < records; i++) {
                byte[] f = templates[i % templates.length];
                int buf = pool.allocate();
                MemorySegment.copy(MemorySegment.ofArray(f), 0, poolSeg, pool.offset(buf), f.length);
                long ts = startNs + i * SPACING_NS;
                long mask = i % 100 == 7 ? 0b110 : 0b10;
                log.append(buf, f.length, f.length, ts, i % 4, mask, 1, IndexRecordDescriptor.DECISION_FLOOD);
                pcap.write(ts, poolSeg, pool.offset(buf), f.length, f.length);
                if ((i & 1023) == 1023) {
                    log.commit();
                }
            }
            log.commit();
        }
        LogCatalogDescriptor.write(dir, new LogCatalog(
                List.of(new LogCatalog.PortEntry(0, "p0"), new LogCatalog.PortEntry(1, "p1"), new LogCatalog.PortEntry(2, "p2"),
                        new LogCatalog.PortEntry(3, "p3")),
                List.of(new LogCatalog.FilterEntry(1, "all", ""), new LogCatalog.FilterEntry(2, "ssh", SELECTIVE))));
    }

    private static Case ours(String name, Path dir, Selection selection, Path res, int runs, String note) {
        double best = Double.MAX_VALUE;
        ExportResult last = null;
        DataDir data = new DataDir(dir);
        LogCatalog catalog = data.catalog();
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            try (LogView view = data.openLog()) {
                last = new LogExporter(view, catalog).export(selection.resolve(catalog, Clock.nowNs()),
                        CaptureFormat.choose(null, res), res, 0, null);
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return new Case(name, "pswitch", best, last.records(), last.bytes(), note);
    }

    private static Case external(String name, int runs, Path res, String note, String... command) throws Exception {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < runs; r++) {
            Files.deleteIfExists(res);
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 10 minutes");
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue());
            }
        }
        long count = countRecords(res);
        return new Case(name, command[0], best, count, Files.size(res), note.isEmpty() ? String.join(" ", command) : note);
    }

    private static long countRecords(Path pcap) {
        try (io.pswitch.pktlog.pcap.CaptureReader in = io.pswitch.pktlog.pcap.CaptureReader.open(pcap)) {
            long n = 0;
            while (in.next()) {
                n++;
            }
            return n;
        }
    }

    private static void write(Path out, int records, double buildSeconds, List<Case> cases) throws IOException {
        ObjectMapper json = BenchJson.mapper();
        ObjectNode root = BenchJson.root(json, "export");
        root.put("records", records);
        root.put("frameBytes", "64-128");
        root.put("buildSeconds", buildSeconds);
        ArrayNode results = root.putArray("results");
        for (Case c : cases) {
            ObjectNode n = results.addObject();
            n.put("case", c.name());
            n.put("tool", c.tool());
            n.put("seconds", c.seconds());
            n.put("records", c.records());
            n.put("bytes", c.bytes());
            n.put("recordsPerSecond", c.recordsPerSecond());
            n.put("note", c.note());
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writeValue(out.toFile(), root);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

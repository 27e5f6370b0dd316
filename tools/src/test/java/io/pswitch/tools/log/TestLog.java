package io.pswitch.tools.log;

import static io.pswitch.tools.testpcaps.FrameBuilder.ip;
import static io.pswitch.tools.testpcaps.FrameBuilder.mac;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.index.IndexRecordDescriptor;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.tools.testpcaps.FrameBuilder;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real data directory for the tool tests: a pool and index written by {@link PacketLog} with real
 * frames (ICMP, TCP/80, UDP/53, ARP, IPv6, VLAN-tagged) from three ports, the equivalent pcap
 * (same bytes, same timestamps) for tcpdump, and optionally a log catalog.
 */
final class TestLog {
    static final int BUFFER_SIZE = 2048;
    static final LogCatalog CATALOG = new LogCatalog(
            List.of(new LogCatalog.PortEntry(0, "uplink"), new LogCatalog.PortEntry(1, "vm-a"), new LogCatalog.PortEntry(2, "vm-b")),
            List.of(new LogCatalog.FilterEntry(1, "icmp", "icmp"), new LogCatalog.FilterEntry(2, "web", "tcp port 80"),
                    new LogCatalog.FilterEntry(3, "all", "")));

    /** One logged frame, as the test wrote it. */
    record Logged(long seq, long timestampNs, int port, long filterMask, byte[] frame) {
    }

    final Path dir;
    final List<Logged> logged = new ArrayList<>();

    private TestLog(Path dir) {
        this.dir = dir;
    }

    static Path pool(Path dir) {
        return dir.resolve(io.pswitch.pktlog.tier.TierLayout.POOL_FILE);
    }

    /** Frame number {@code i} of a repeating mix. */
    static byte[] frame(int i) {
        byte[] a = mac("02:00:00:00:00:0a");
        byte[] b = mac("02:00:00:00:00:0b");
        byte[] ipA = ip("10.0.0.1");
        byte[] ipB = ip("10.0.0.2");
        return switch (i % 7) {
            case 0 -> FrameBuilder.ethernet(b, a).ipv4(ipA, ipB).icmpEcho(true, 7, i).payload(32 + i % 20).build();
            case 1 -> FrameBuilder.ethernet(a, b).ipv4(ipB, ipA).tcp(80, 40000 + i % 100, i, 1, FrameBuilder.TCP_ACK, 512)
                    .payload(i % 90).build();
            case 2 -> FrameBuilder.ethernet(b, a).ipv4(ipA, ipB).udp(5353, 53).payload(20 + i % 50).build();
            case 3 -> FrameBuilder.ethernet(FrameBuilder.BROADCAST, a).arp(FrameBuilder.ARP_REQUEST, a, ipA,
                    FrameBuilder.ZERO_MAC, ipB).build();
            case 4 -> FrameBuilder.ethernet(b, a).ipv6(ip("fe80::1"), ip("fe80::2")).udp(546, 547).payload(40).build();
            case 5 -> FrameBuilder.ethernet(b, a).vlan(42).ipv4(ipA, ipB).tcp(443, 50000, i, 0, FrameBuilder.TCP_SYN, 1024).build();
            default -> FrameBuilder.ethernet(a, b).ipv4(ipB, ipA).tcp(40001, 80, i, 0, FrameBuilder.TCP_SYN, 1024).payload(10).build();
        };
    }

    static long mask(byte[] frame, int i) {
        return switch (i % 7) {
            case 0 -> 1L << 1 | 1L << 3;
            case 1, 6 -> 1L << 2 | 1L << 3;
            default -> 1L << 3;
        };
    }

    /**
     * Logs {@code count} frames, {@code spacingNs} apart from {@code startNs}, port {@code i % 3},
     * and writes {@code DIR/all.pcap} with the same frames and times.
     */
    static TestLog build(Path dir, int count, long startNs, long spacingNs, boolean withCatalog) {
        TestLog t = new TestLog(dir);
        try (BufferPool pool = BufferPool.open(pool(dir), BUFFER_SIZE, count + 256);
             PacketLog log = PacketLog.open(pool, new PacketLogConfig(Math.max(16, count + 8), 0, 1));
             PcapWriter pcap = PcapWriter.create(dir.resolve("all.pcap"))) {
            for (int i = 0; i < count; i++) {
                byte[] f = frame(i);
                long ts = startNs + i * spacingNs;
                long seq = append(pool, log, f, ts, i % 3, mask(f, i));
                pcap.write(ts, f);
                t.logged.add(new Logged(seq, ts, i % 3, mask(f, i), f));
                if (i % 64 == 63) {
                    log.commit();
                }
            }
            log.commit();
        }
        if (withCatalog) {
            LogCatalogDescriptor.write(dir, CATALOG);
        }
        return t;
    }

    static long append(BufferPool pool, PacketLog log, byte[] f, long ts, int port, long mask) {
        int buf = pool.allocate();
        if (buf == 0) {
            throw new IllegalStateException("test pool exhausted");
        }
        MemorySegment.copy(MemorySegment.ofArray(f), 0, pool.segment(), pool.offset(buf), f.length);
        return log.append(buf, f.length, f.length, ts, port, mask, Long.numberOfTrailingZeros(mask),
                IndexRecordDescriptor.DECISION_FLOOD);
    }

    static boolean toolPresent(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command, returns {exit code, stdout, stderr}. */
    static String[] run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("logtools-out", ".txt");
        Path err = Files.createTempFile("logtools-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish in 60 s");
            }
            return new String[] {Integer.toString(p.exitValue()), Files.readString(out), Files.readString(err)};
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Lines of stderr that are real warnings (tshark's note about running as root is not one). */
    static List<String> warnings(String stderr) {
        List<String> w = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (!line.isBlank() && !line.contains("Running as user \"root\"")) {
                w.add(line);
            }
        }
        return w;
    }
}

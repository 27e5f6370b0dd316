package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.control.config.DurationParser;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pswitch bench}: the forwarding benchmark over shm ports; prints a table and writes JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Forwarding benchmark over shm ports; prints a table and writes JSON.",
                "A switch with shm ports on one busy-spinning dataplane thread, this process",
                "generating and sinking traffic on another (port 0 -> 1, 2 -> 3).",
                "Frames are known unicast (moved by bufIdx, zero copy). Results go to a table and a JSON file."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", paramLabel = "BYTES", description = "Frame sizes. Default: 64,1500.")
    List<Integer> sizes = new ArrayList<>(List.of(64, 1500));

    @Option(names = "--ports", split = ",", paramLabel = "N", description = "Port counts (even). Default: 2,4.")
    List<Integer> ports = new ArrayList<>(List.of(2, 4));

    @Option(names = "--duration", paramLabel = "DURATION", description = "Measured time per case. Default: 5s.")
    String duration = "5s";

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Warm-up per case. Default: 2s.")
    String warmup = "2s";

    @Option(names = "--out", paramLabel = "FILE", description = "JSON results. Default: bench-results/forwarding.json")
    Path out = Path.of("bench-results", "forwarding.json");

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the pool file goes. Default: /dev/shm (tmpfs).")
    Path dir = Path.of("/dev/shm");

    @Option(names = "--export", description = {"Run the log export benchmark instead (against tcpdump/editcap);",
            "results go to bench-results/export.json unless --out is given."})
    boolean export;

    @Option(names = "--records", paramLabel = "N", description = "With --export: records in the log. Default: 1000000.")
    int records = 1_000_000;

    @Option(names = "--runs", paramLabel = "N", description = "With --export: runs per case, best taken. Default: 3.")
    int runs = 3;

    @Override
    public Integer call() throws Exception {
        PrintStream o = System.out;
        if (export) {
            Path exportOut = out.equals(Path.of("bench-results", "forwarding.json")) ? Path.of("bench-results", "export.json") : out;
            return ExportBench.run(dir, records, Math.max(1, runs), exportOut, o);
        }
        double secs = DurationParser.parse(duration).toNanos() / 1e9;
        double warm = DurationParser.parse(warmup).toNanos() / 1e9;
        for (int p : ports) {
            if (p < 2 || p % 2 != 0) {
                throw new IllegalArgumentException("--ports " + p + ": port counts must be even and at least 2");
            }
        }
        for (int s : sizes) {
            if (s < 60 || s > 2048) {
                throw new IllegalArgumentException("--sizes " + s + ": frame sizes must be between 60 and 2048");
            }
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", "forwarding");
        root.put("time", Instant.now().toString());
        root.put("host", InetAddress.getLocalHost().getHostName());
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("java", Runtime.version().toString());
        root.put("seconds", secs);
        ArrayNode results = root.putArray("results");
        o.printf("%-6s %-6s %12s %12s %10s %10s%n", "size", "ports", "sent", "forwarded", "Mpps", "Gb/s");
        for (int p : ports) {
            for (int s : sizes) {
                ForwardingBench.Result r = ForwardingBench.run(dir, s, p, warm, secs);
                o.printf(Locale.ROOT, "%-6d %-6d %12d %12d %10.2f %10.2f%n", s, p, r.sent(), r.received(), r.mpps(), r.gbps());
                ObjectNode n = results.addObject();
                n.put("frameSize", s);
                n.put("ports", p);
                n.put("seconds", r.seconds());
                n.put("sent", r.sent());
                n.put("forwarded", r.received());
                n.put("dropped", r.dropped());
                n.put("mpps", r.mpps());
                n.put("gbps", r.gbps());
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        json.writeValue(out.toFile(), root);
        o.println("results written to " + out);
        return 0;
    }
}

package io.pswitch.tools.log;

import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.query.LogQuery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pswitch log replay}: send logged frames out of a port or an interface. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Send logged frames out of a port or a network interface.",
                "The port is opened with the switch's own drivers (shm:NAME, pcap:IFACE, pcapfile:out=FILE, ...);",
                "frames keep their logged spacing (scaled by --speed) or go at top speed.",
                "Reports frames sent and the timing error (mean/max gap error)."})
public final class ReplayCommand implements Callable<Integer> {
    @Mixin
    DataDir dataDir;

    @Mixin
    Selection selection;

    @Option(names = "--to-port", paramLabel = "SPEC", description = "Port spec, e.g. shm:demo or pcapfile:out=replayed.pcap.")
    String toPort;

    @Option(names = "--iface", paramLabel = "IF", description = "Network interface (same as --to-port pcap:IF).")
    String iface;

    @Option(names = "--speed", paramLabel = "SPEED", description = "original, top or a factor like 2x. Default: original.")
    String speed = "original";

    @Option(names = "--loop", paramLabel = "N", description = "Send the selection N times. Default: 1.")
    long loop = 1;

    @Option(names = "--json", description = "Print a one-line JSON summary instead of text.")
    boolean json;

    @Override
    public Integer call() {
        ReplaySpeed s = ReplaySpeed.parse(speed);
        PortSpec spec = LogReplayer.portSpec(toPort, iface, LogReplayer.scratchDir());
        LogCatalog catalog = dataDir.catalog();
        LogQuery sel = selection.resolve(catalog, Clock.nowNs());
        try (LogView log = dataDir.openLog()) {
            ReplayResult r = new LogReplayer(log).replay(sel, spec, s, loop);
            System.out.println(json ? r.toJson() : r.toText());
            if (log.older() != null) {
                // Archive objects or chunks that were missing or failed their CRC: named, never replayed.
                for (String p : log.older().problems()) {
                    System.err.println("skipped: " + p);
                }
            }
        }
        return 0;
    }
}

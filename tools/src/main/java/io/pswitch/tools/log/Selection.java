package io.pswitch.tools.log;

import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.tunnel.TunnelMeta;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Which records a command works on (export and replay share it): a time window, a tcpdump filter
 * re-applied to the stored bytes, ingress ports by name, a count limit.
 */
public final class Selection {
    @Option(names = "--from", paramLabel = "TIME",
            description = "Start (inclusive): RFC 3339 (2026-11-21T16:00:00Z), a span back from now (90s, 15m, 2h, 1d) or now. Default: oldest record.")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "End (exclusive), same forms. Default: newest record.")
    String to;

    @Option(names = {"-f", "--filter"}, paramLabel = "EXPR",
            description = "tcpdump filter expression re-applied to the stored bytes.")
    String filter;

    @Option(names = "--port", arity = "1..*", paramLabel = "NAME",
            description = "Ingress ports (names from log-catalog.json, or port0, port1, ...). Default: all.")
    List<String> ports = new ArrayList<>();

    @Option(names = "--limit", paramLabel = "N", description = "At most N records.")
    Long limit;

    @Option(names = "--vni", paramLabel = "VNI",
            description = "Only frames that arrived through VXLAN with this network identifier (a mirror session).")
    Integer vni;

    public Selection() {
    }

    /** For callers outside picocli (tests, benchmarks). */
    public static Selection of(String from, String to, String filter, List<String> ports, Long limit) {
        Selection s = new Selection();
        s.from = from;
        s.to = to;
        s.filter = filter;
        s.ports = ports == null ? new ArrayList<>() : new ArrayList<>(ports);
        s.limit = limit;
        return s;
    }

    /**
     * Parses and compiles the selection into the query every reader runs.
     *
     * @throws IllegalArgumentException for a bad time, window, limit, VNI or port name
     * @throws io.pswitch.pktlog.filter.FilterSyntaxException for a filter libpcap rejects
     */
    public LogQuery resolve(LogCatalog catalog, long nowNs) {
        long fromNs = from == null ? Long.MIN_VALUE : TimeSpec.parse("--from", from, nowNs);
        long toNs = to == null ? Long.MAX_VALUE : TimeSpec.parse("--to", to, nowNs);
        if (toNs < fromNs) {
            throw new IllegalArgumentException("--to " + to + " is before --from " + from);
        }
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("--limit " + limit + " must be >= 0");
        }
        if (vni != null && (vni < 0 || vni > TunnelMeta.MAX_VNI)) {
            throw new IllegalArgumentException("--vni " + vni + " is not a VXLAN network identifier (0.." + TunnelMeta.MAX_VNI + ")");
        }
        BitSet portSet = null;
        if (!ports.isEmpty()) {
            portSet = new BitSet();
            for (String p : ports) {
                for (String name : p.split(",")) {
                    if (!name.isBlank()) {
                        portSet.set(catalog.portIndex(name.trim()));
                    }
                }
            }
        }
        return LogQuery.between(fromNs, toNs).onPorts(portSet).withVni(vni == null ? LogQuery.ANY_VNI : vni)
                .limit(limit == null ? Long.MAX_VALUE : limit).matching(filter);
    }
}

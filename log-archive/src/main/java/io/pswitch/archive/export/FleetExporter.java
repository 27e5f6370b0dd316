package io.pswitch.archive.export;

import io.pswitch.archive.query.ArchiveQuery;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pcap.PcapngWriter;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.tunnel.TunnelMeta;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet query: a {@link LogQuery} over the archives of several switches to one capture, in
 * time order, from any machine that can read the bucket (no switch needs to run). pcapng gets one
 * interface per (switch, port), named {@code <switch>/<port name>} from the names each object's
 * manifest carries, and a comment per packet naming the switch and the filters that logged it.
 */
public final class FleetExporter {
    /**
     * @param problems objects and chunks skipped (missing, or failing their CRC), one line each naming them
     */
    public record Result(long records, long bytes, int switches, int objects, long chunksFetched, long bytesFetched,
                         List<String> problems, long elapsedNs) {
        public String toJson() {
            StringBuilder p = new StringBuilder("[");
            for (int i = 0; i < problems.size(); i++) {
                p.append(i == 0 ? "" : ",").append('"').append(problems.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
            return "{\"records\":" + records + ",\"bytes\":" + bytes + ",\"switches\":" + switches + ",\"objects\":" + objects
                    + ",\"chunksFetched\":" + chunksFetched + ",\"bytesFetched\":" + bytesFetched + ",\"elapsedNs\":" + elapsedNs
                    + ",\"problems\":" + p.append(']') + "}";
        }
    }

    private final ArchiveStore store;

    public FleetExporter(ArchiveStore store) {
        this.store = store;
    }

    /**
     * Exports what {@code query} selects from {@code switches} (null or empty: every switch under
     * the prefix) to {@code output}.
     *
     * @throws IllegalArgumentException when a named switch has nothing in the archive
     */
    public Result export(LogQuery query, List<String> switches, CaptureFormat format, Path output) {
        long start = System.nanoTime();
        ArchiveQuery q = new ArchiveQuery(store);
        List<String> all = q.switches();
        List<String> chosen = switches == null || switches.isEmpty() ? all : switches;
        for (String s : chosen) {
            if (!all.contains(s)) {
                throw new IllegalArgumentException("switch '" + s + "' has nothing in " + store.location() + " (switches there: "
                        + (all.isEmpty() ? "none" : String.join(", ", all)) + ")");
            }
        }
        List<ArchiveQuery.ArchiveObject> objects = q.objects(chosen, query.fromNs(), query.toNs());
        long records;
        long bytes;
        if (format == CaptureFormat.PCAP) {
            try (PcapWriter w = PcapWriter.create(output)) {
                records = q.runOver(query, objects, (o, r, frame, off) -> {
                    w.write(r.timestampNs(), frame, off, r.storedLength(), r.wireLength());
                    return true;
                });
                w.flush();
                bytes = w.size();
            }
        } else {
            try (PcapngWriter w = PcapngWriter.create(output)) {
                Map<String, Integer> interfaces = new HashMap<>();
                records = q.runOver(query, objects, (o, r, frame, off) -> {
                    String name = o.switchName() + "/" + o.catalog().portName(r.ingressPort());
                    Integer iface = interfaces.get(name);
                    if (iface == null) {
                        iface = w.addInterface(name);
                        interfaces.put(name, iface);
                    }
                    String filters = o.catalog().filterNames(r.filterMask(), r.firstFilterId());
                    String comment = "switch " + o.switchName() + "; logged by: " + (filters.isEmpty() ? "(no filter recorded)" : filters);
                    if (TunnelMeta.present(r.tunnel())) {
                        comment = comment + "; " + TunnelMeta.toString(r.tunnel());
                    }
                    w.write(iface, r.timestampNs(), frame, off, r.storedLength(), r.wireLength(), comment);
                    return true;
                });
                w.flush();
                bytes = w.size();
            }
        }
        return new Result(records, bytes, chosen.size(), objects.size(), q.chunksFetched(), q.bytesFetched(),
                List.copyOf(q.problems()), System.nanoTime() - start);
    }
}

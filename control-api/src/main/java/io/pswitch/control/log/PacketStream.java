package io.pswitch.control.log;

import io.pswitch.pktlog.index.IndexRecordDescriptor;
import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pcap.PcapngWriter;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Streams the records a {@link LogQuery} selects from a live log as a capture file, in constant
 * memory: each verified record goes into the writer's 64 KiB buffer, which goes to {@code out}
 * whenever it fills, so the file is never held whole. The switch keeps logging meanwhile; the
 * stream covers what was published when it began (and skips what retention retires under it).
 *
 * <ul>
 *   <li>pcap: nanosecond timestamps, Ethernet;</li>
 *   <li>pcapng: one interface per switch port, named after it (index = port index), and per packet
 *       a comment naming the filter(s) that logged it, by their names now (a filter deleted since
 *       shows as {@code #id}).</li>
 * </ul>
 * One stream per thread (it owns a {@link LogReader}).
 */
public final class PacketStream {
    public enum Format {
        PCAP("application/vnd.tcpdump.pcap", "pcap"),
        PCAPNG("application/x-pcapng", "pcapng");

        public final String contentType;
        public final String extension;

        Format(String contentType, String extension) {
            this.contentType = contentType;
            this.extension = extension;
        }

        /** {@code pcap} or {@code pcapng}, any case. */
        public static Format parse(String text) {
            for (Format f : values()) {
                if (f.extension.equals(text.toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new IllegalArgumentException("format '" + text + "' is not pcap or pcapng");
        }
    }

    private final LogSource source;
    private final List<String> portNames;
    private final Map<Integer, String> filterNames;
    /** Comments by filter mask: a handful of distinct masks, so a packet rarely builds a string. */
    private final Map<Long, String> comments = new HashMap<>();

    /**
     * @param portNames port names by port index, as records store the ingress port
     * @param filterNames the filter names by id now
     */
    public PacketStream(LogSource source, List<String> portNames, Map<Integer, String> filterNames) {
        this.source = source;
        this.portNames = List.copyOf(portNames);
        this.filterNames = Map.copyOf(filterNames);
    }

    /**
     * Writes the whole capture file to {@code out} and closes it.
     *
     * @return the number of packets written
     * @throws java.io.UncheckedIOException when the receiver goes away
     */
    public long write(LogQuery query, Format format, OutputStream out) {
        LogReader reader = new LogReader(source);
        if (format == Format.PCAP) {
            try (PcapWriter w = PcapWriter.to("the response", out)) {
                reader.query(query, (rec, frame, offset) -> {
                    w.write(rec.timestampNs(), frame, offset, rec.storedLength(), rec.wireLength());
                    return true;
                });
                return w.records();
            }
        }
        try (PcapngWriter w = PcapngWriter.to("the response", out)) {
            for (String name : portNames) {
                w.addInterface(name);
            }
            Map<Integer, Integer> strayPorts = new HashMap<>();
            reader.query(query, (rec, frame, offset) -> {
                int iface = rec.ingressPort();
                if (iface < 0 || iface >= portNames.size()) {
                    // A record from a switch started with other ports on this data directory.
                    iface = strayPorts.computeIfAbsent(rec.ingressPort(), p -> w.addInterface("port#" + p));
                }
                w.write(iface, rec.timestampNs(), frame, offset, rec.storedLength(), rec.wireLength(), comment(rec));
                return true;
            });
            return w.packets();
        }
    }

    private String comment(LogRecord rec) {
        long mask = rec.filterMask();
        int first = rec.firstFilterId();
        if (first >= 64) {
            // Ids from 64 up have no mask bit: the record names only the first one.
            return describe(mask, first);
        }
        String c = comments.get(mask);
        if (c == null) {
            c = describe(mask, first);
            comments.put(mask, c);
        }
        return c;
    }

    private String describe(long mask, int first) {
        List<String> names = new ArrayList<>();
        if (first >= 64) {
            names.add(name(first));
        }
        for (long m = mask; m != 0; m &= m - 1) {
            names.add(name(Long.numberOfTrailingZeros(m)));
        }
        if (names.isEmpty() && first != IndexRecordDescriptor.NO_FILTER) {
            names.add(name(first));
        }
        return names.isEmpty() ? "logged by no recorded filter" : "logged by filter " + String.join(", ", names);
    }

    private String name(int id) {
        String n = filterNames.get(id);
        return n == null ? "#" + id + " (deleted)" : n + " (#" + id + ")";
    }
}

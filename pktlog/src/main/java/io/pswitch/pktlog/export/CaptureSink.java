package io.pswitch.pktlog.export;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pcap.PcapngWriter;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.tunnel.TunnelMeta;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One export file being written: classic pcap (ns), or pcapng with an interface per switch port
 * and the logging filters' names as each packet's comment. Memory stays bounded whatever the
 * export's size: the writers stream, and the comment cache is capped.
 */
public abstract class CaptureSink implements AutoCloseable {
    public abstract void write(LogRecord record, MemorySegment frame, long offset);

    /** Bytes of the file so far. */
    public abstract long size();

    @Override
    public abstract void close();

    /** {@code -o -}: the capture goes to standard output (for {@code | tshark -r -}). */
    public static final String STDOUT = "-";

    /** A capture written to {@code out} (an HTTP response), named {@code what} in errors; closing closes {@code out}. */
    public static CaptureSink open(CaptureFormat format, String what, java.io.OutputStream out, LogCatalog catalog) {
        if (format == CaptureFormat.PCAP) {
            return new Pcap(PcapWriter.to(what, out));
        }
        return new Pcapng(PcapngWriter.to(what, out), catalog);
    }

    public static CaptureSink open(CaptureFormat format, Path path, LogCatalog catalog) {
        boolean stdout = path.toString().equals(STDOUT);
        if (format == CaptureFormat.PCAP) {
            return new Pcap(stdout ? PcapWriter.to("standard output", new UnclosedStream(System.out)) : PcapWriter.create(path));
        }
        return new Pcapng(stdout ? PcapngWriter.to("standard output", new UnclosedStream(System.out)) : PcapngWriter.create(path),
                catalog);
    }

    /** Standard output outlives one capture: closing the writer flushes it but leaves it open. */
    private static final class UnclosedStream extends java.io.FilterOutputStream {
        UnclosedStream(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws java.io.IOException {
            out.flush();
        }
    }

    private static final class Pcap extends CaptureSink {
        private final PcapWriter writer;

        Pcap(PcapWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(LogRecord record, MemorySegment frame, long offset) {
            writer.write(record.timestampNs(), frame, offset, record.storedLength(), record.wireLength());
        }

        @Override
        public long size() {
            return writer.size();
        }

        @Override
        public void close() {
            writer.close();
        }
    }

    private static final class Pcapng extends CaptureSink {
        /** Distinct filter combinations are few; the cap only guards against a pathological log. */
        private static final int COMMENT_CACHE_LIMIT = 4096;

        private final PcapngWriter writer;
        private final LogCatalog catalog;
        /** Interface index by port index (0..65535 as unsigned), -1 before the port's first packet. */
        private final int[] interfaceOfPort = new int[1 << 16];
        private final Map<Long, String> comments = new HashMap<>();

        Pcapng(PcapngWriter writer, LogCatalog catalog) {
            this.writer = writer;
            this.catalog = catalog;
            Arrays.fill(interfaceOfPort, -1);
            // Every port the switch has gets its interface up front, in index order, so that
            // interface numbers are the same in every file of a split export.
            catalog.ports().stream().sorted((a, b) -> Integer.compare(a.index(), b.index()))
                    .forEach(p -> interfaceOfPort[p.index()] = writer.addInterface(p.name()));
        }

        @Override
        public void write(LogRecord record, MemorySegment frame, long offset) {
            int port = record.ingressPort() & 0xFFFF;
            int iface = interfaceOfPort[port];
            if (iface < 0) {
                iface = writer.addInterface(catalog.portName(record.ingressPort()));
                interfaceOfPort[port] = iface;
            }
            String comment = comment(record);
            if (TunnelMeta.present(record.tunnel())) {
                // Mirror sessions: which VXLAN network (session) and which VTEP sent the frame.
                comment = comment + "; " + TunnelMeta.toString(record.tunnel());
            }
            writer.write(iface, record.timestampNs(), frame, offset, record.storedLength(), record.wireLength(), comment);
        }

        private String comment(LogRecord record) {
            long mask = record.filterMask();
            int first = record.firstFilterId();
            if (first >= 64) {
                // The mask cannot hold this id, so the mask alone is no cache key: rare, not cached.
                return text(catalog.filterNames(mask, first));
            }
            String c = comments.get(mask);
            if (c == null) {
                c = text(catalog.filterNames(mask, first));
                if (comments.size() < COMMENT_CACHE_LIMIT) {
                    comments.put(mask, c);
                }
            }
            return c;
        }

        private static String text(String names) {
            return names.isEmpty() ? "logged by: (no filter recorded)" : "logged by: " + names;
        }

        @Override
        public long size() {
            return writer.size();
        }

        @Override
        public void close() {
            writer.close();
        }
    }
}

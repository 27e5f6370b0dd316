package io.pswitch.tools.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.index.LiveLogView;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code log inspect} shows and {@code log stats} prints as JSON: storage, sizes, the
 * retention window, and per-port / per-filter record counts from one verified pass over the log.
 *
 * @param freeBuffers pool buffers not held by the log (a running switch's rings hold some of them)
 * @param perPort records by ingress port name
 * @param perFilter records by filter name (a record logged by several filters counts for each)
 * @param crcMismatches records that failed their CRC during the pass
 * @param skippedRetired records retired by a running switch during the pass
 */
public record LogSummary(String dataDir, String storageClass, long poolBytes, int bufferSize, int bufferCount,
                         long indexBytes, int indexCapacity, long records, long oldestSeq, long newestSeq,
                         long oldestTimestampNs, long newestTimestampNs, long freeBuffers, boolean catalogPresent,
                         Map<String, Long> perPort, Map<String, Long> perFilter, long crcMismatches, long skippedRetired) {

    public static LogSummary of(Path dataDir, LiveLogView log, LogCatalog catalog, boolean catalogPresent) {
        BufferPool pool = log.pool();
        Map<Integer, Long> ports = new TreeMap<>();
        Map<Integer, Long> filters = new TreeMap<>();
        long[] span = {0, 0, 0};
        LogReader reader = new LogReader(log);
        long oldest = log.oldestSeq();
        reader.query(LogQuery.all(), (rec, frame, off) -> {
            if (span[2]++ == 0) {
                span[0] = rec.timestampNs();
            }
            span[1] = rec.timestampNs();
            ports.merge(rec.ingressPort(), 1L, Long::sum);
            long m = rec.filterMask();
            while (m != 0) {
                filters.merge(Long.numberOfTrailingZeros(m), 1L, Long::sum);
                m &= m - 1;
            }
            if (rec.firstFilterId() >= 64) {
                filters.merge(rec.firstFilterId(), 1L, Long::sum);
            }
            return true;
        });
        Map<String, Long> perPort = new TreeMap<>();
        ports.forEach((p, n) -> perPort.put(catalog.portName(p), n));
        Map<String, Long> perFilter = new TreeMap<>();
        filters.forEach((id, n) -> perFilter.put(catalog.filterName(id), n));
        long newest = log.newestSeq();
        long records = Math.max(0, newest - oldest + 1);
        return new LogSummary(dataDir.toString(), pool.storageClass().label(), size(pool.path()), pool.bufferSize(),
                pool.bufferCount(), size(log.indexPath()), log.capacity(), records, oldest, newest, span[0], span[1],
                Math.max(0, pool.bufferCount() - BufferPoolDescriptor.RESERVED_BUFFERS - records), catalogPresent,
                perPort, perFilter, reader.crcMismatches(), reader.retiredSkipped());
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    public long timeSpanNs() {
        return records == 0 ? 0 : newestTimestampNs - oldestTimestampNs;
    }

    public void print(PrintStream out) {
        out.println("data directory:   " + dataDir);
        out.println("storage class:    " + storageClass);
        out.println("pool:             " + poolBytes + " bytes (" + bufferCount + " buffers of " + bufferSize + " bytes)");
        out.println("index:            " + indexBytes + " bytes (" + indexCapacity + " records)");
        out.println("records:          " + records + (records == 0 ? "" : " (seq " + oldestSeq + ".." + newestSeq + ")"));
        if (records > 0) {
            out.println("time span:        " + TimeSpec.format(oldestTimestampNs) + " .. " + TimeSpec.format(newestTimestampNs)
                    + " (" + String.format(java.util.Locale.ROOT, "%.3f", timeSpanNs() / 1e9) + " s)");
        }
        out.println("retention:        oldest seq " + oldestSeq + ", newest seq " + newestSeq + ", index "
                + String.format(java.util.Locale.ROOT, "%.1f", 100.0 * records / indexCapacity) + "% full, "
                + freeBuffers + " buffers not held by the log");
        out.println("catalog:          " + (catalogPresent ? "log-catalog.json" : "none (generic port and filter names)"));
        out.println("records by port:");
        perPort.forEach((p, n) -> out.println("  " + p + ": " + n));
        out.println("records by filter:");
        perFilter.forEach((f, n) -> out.println("  " + f + ": " + n));
        if (crcMismatches > 0 || skippedRetired > 0) {
            out.println("unreadable:       " + crcMismatches + " failing their CRC, " + skippedRetired + " retired while counting");
        }
    }

    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode n = mapper.valueToTree(this);
        n.put("timeSpanNs", timeSpanNs());
        return n;
    }
}

package io.pswitch.tools.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.segment.SegmentRecoveryReport;
import io.pswitch.archive.tier.ArchivedSegments;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TieredLogReader;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.query.LogQuery;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code log inspect} shows and {@code log stats} prints as JSON: where each tier lives, sizes,
 * the retention window, and per-port / per-filter record counts from one verified pass over the
 * whole log (segments and hot tier).
 *
 * @param storageClass the hot tier's storage class ({@code none} when it is gone: drained by a clean stop)
 * @param hotRecords records the hot tier holds (not yet drained, or the whole log without segments)
 * @param segments segment files, {@code segmentBytes} their size on disk
 * @param freeBuffers pool buffers not held by the hot tier (a running switch's rings hold some of them)
 * @param perPort records by ingress port name
 * @param perFilter records by filter name (a record logged by several filters counts for each)
 * @param crcMismatches records that failed their CRC during the pass
 * @param archive the archive below the segments, from its manifests (null when the switch archives nothing);
 *     the counts and span above are of the local tiers: a pass over the archive would fetch all of it
 */
public record LogSummary(String dataDir, String storageClass, String poolFile, long poolBytes, int bufferSize, int bufferCount,
                         long indexBytes, int indexCapacity, long hotRecords, String segmentsDir, long segments,
                         long segmentBytes, long records, long oldestSeq, long newestSeq, long oldestTimestampNs,
                         long newestTimestampNs, long freeBuffers, boolean catalogPresent, Map<String, Long> perPort,
                         Map<String, Long> perFilter, long crcMismatches, ArchivedSegments.Summary archive) {

    public static LogSummary of(Path dataDir, LogView log, LogCatalog catalog, boolean catalogPresent) {
        BufferPool pool = log.pool();
        LogSource hot = log.hot();
        Map<Integer, Long> ports = new TreeMap<>();
        Map<Integer, Long> filters = new TreeMap<>();
        long[] span = {0, 0, 0, 0, 0};
        TieredLogReader reader = new TieredLogReader(log.segments(), hot);
        reader.query(LogQuery.all(), (rec, frame, off) -> {
            if (span[2]++ == 0) {
                span[0] = rec.timestampNs();
                span[3] = rec.sequence();
            }
            span[1] = rec.timestampNs();
            span[4] = rec.sequence();
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
        long hotRecords = hot == null ? 0 : Math.max(0, hot.newestSeq() - hot.oldestSeq() + 1);
        long segs = 0;
        long segBytes = 0;
        if (log.segments() != null) {
            SegmentRecoveryReport r = log.segments().inspect();
            segs = r.segments().size();
            segBytes = r.segmentBytes();
        }
        int capacity = hot == null ? 0 : hot.capacity();
        return new LogSummary(dataDir.toString(), pool == null ? "none" : pool.storageClass().label(),
                pool == null ? null : pool.path().toString(), pool == null ? 0 : size(pool.path()),
                pool == null ? 0 : pool.bufferSize(), pool == null ? 0 : pool.bufferCount(),
                hot == null ? 0 : size(log.layout().indexFile()), capacity, hotRecords,
                log.segments() == null ? null : log.layout().segmentsDir().toString(), segs, segBytes, span[2], span[3], span[4],
                span[0], span[1], pool == null ? 0 : Math.max(0, pool.bufferCount() - BufferPoolDescriptor.RESERVED_BUFFERS - hotRecords),
                catalogPresent, perPort, perFilter, reader.crcMismatches(),
                log.older() instanceof ArchivedSegments a ? a.summary() : null);
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
        if (poolFile != null) {
            out.println("hot tier:         " + storageClass + ", pool " + poolFile + ": " + poolBytes + " bytes (" + bufferCount
                    + " buffers of " + bufferSize + " bytes), index " + indexBytes + " bytes (" + indexCapacity + " records)");
            out.println("                  " + hotRecords + " records not yet drained (or the whole log without segments), "
                    + freeBuffers + " buffers not held by it");
        } else {
            out.println("hot tier:         none (a clean stop drained it into the segments)");
        }
        out.println("segment tier:     " + (segmentsDir == null ? "none" : segmentsDir + ": " + segments + " segment(s), "
                + segmentBytes + " bytes"));
        if (archive != null) {
            out.println("archive tier:     " + archive.where() + ": " + archive.objects() + " object(s), " + archive.records()
                    + " records" + (archive.records() == 0 ? "" : " (seq " + archive.firstSeq() + ".." + archive.lastSeq() + ", "
                    + TimeSpec.format(archive.minTsNs()) + " .. " + TimeSpec.format(archive.maxTsNs()) + "), "
                    + archive.compressedBytes() + " bytes compressed from " + archive.rawBytes() + "; the counts below are of the local tiers"));
        }
        out.println("records:          " + records + (records == 0 ? "" : " (seq " + oldestSeq + ".." + newestSeq + ")"));
        if (records > 0) {
            out.println("time span:        " + TimeSpec.format(oldestTimestampNs) + " .. " + TimeSpec.format(newestTimestampNs)
                    + " (" + String.format(java.util.Locale.ROOT, "%.3f", timeSpanNs() / 1e9) + " s)");
        }
        out.println("catalog:          " + (catalogPresent ? "log-catalog.json" : "none (generic port and filter names)"));
        out.println("records by port:");
        perPort.forEach((p, n) -> out.println("  " + p + ": " + n));
        out.println("records by filter:");
        perFilter.forEach((f, n) -> out.println("  " + f + ": " + n));
        if (crcMismatches > 0) {
            out.println("unreadable:       " + crcMismatches + " failing their CRC");
        }
    }

    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode n = mapper.valueToTree(this);
        n.put("timeSpanNs", timeSpanNs());
        return n;
    }
}

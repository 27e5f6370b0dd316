package io.pswitch.control.metrics;

import io.pswitch.archive.upload.ArchiveCounters;
import io.pswitch.control.archive.ArchiveTier;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.List;

/**
 * The archive tier ({@code --archive}): the upload backlog (closed segments not yet verified in
 * the store: it grows while the store is down or refusing), what was uploaded, and failures.
 */
public final class ArchiveCollector extends Collector {
    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples> out = new ArrayList<>();
        ArchiveTier tier = ArchiveTier.current();
        out.add(new GaugeMetricFamily("pswitch_archive_enabled", "1 when sealed segments are uploaded to object storage (--archive).",
                tier == null ? 0 : 1));
        if (tier == null) {
            return out;
        }
        ArchiveCounters.Snapshot s = tier.status();
        out.add(new GaugeMetricFamily("pswitch_archive_backlog_segments",
                "Closed segments waiting for upload (kept locally until their object is verified).", s.backlogSegments()));
        out.add(new GaugeMetricFamily("pswitch_archive_backlog_bytes", "Bytes of the segments waiting for upload.", s.backlogBytes()));
        out.add(new CounterMetricFamily("pswitch_archive_objects_total", "Objects uploaded and verified (or found verified at start).",
                s.uploaded()));
        out.add(new CounterMetricFamily("pswitch_archive_records_total", "Records in uploaded objects.", s.records()));
        out.add(new CounterMetricFamily("pswitch_archive_uploaded_bytes_total", "Compressed bytes uploaded.", s.objectBytes()));
        out.add(new CounterMetricFamily("pswitch_archive_raw_bytes_total", "Uncompressed record bytes in uploaded objects.", s.rawBytes()));
        out.add(new CounterMetricFamily("pswitch_archive_failures_total",
                "Upload attempts that failed (store down or refusing, verification mismatch); retried with backoff.", s.failures()));
        // By cause: --log-size is a hard bound on the disk, held segments included (a store down
        // for longer than the log holds leaves a counted gap, never a full disk).
        CounterMetricFamily lost = new CounterMetricFamily("pswitch_archive_lost_segments_total",
                "Segments deleted locally before their upload (gaps in the archive): log-size when --log-size needed them gone"
                        + " while the store was behind, disk-full when the file system was full.", List.of("cause"));
        lost.addMetric(List.of("log-size"), s.lostToLogSize());
        lost.addMetric(List.of("disk-full"), s.lost() - s.lostToLogSize());
        out.add(lost);
        out.add(new CounterMetricFamily("pswitch_archive_expired_objects_total", "Objects deleted by --archive-retention.", s.expired()));
        return out;
    }
}

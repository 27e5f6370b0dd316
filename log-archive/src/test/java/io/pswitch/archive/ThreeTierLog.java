package io.pswitch.archive;

import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.tier.ArchiveTierFile;
import io.pswitch.archive.tier.ArchivedSegments;
import io.pswitch.archive.upload.ArchiveUploader;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.segment.SegmentRecoveryReport;
import io.pswitch.pktlog.tier.DrainPolicy;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TieredLog;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.EpochNanoClock;

/**
 * A test log in three tiers, built as a switch builds it: real UDP frames ({@link UdpFrames},
 * record {@code seq} holds {@code UdpFrames.frame(seq)} at {@code UdpFrames.ts(seq)}) appended to
 * the hot tier, drained into 1 MiB segments, each closed segment uploaded to a real S3 server by
 * the archive tier's uploader, and capacity retention (3 MiB) deleting the oldest segments once
 * their objects are verified. What is left: the oldest records only in the archive, then records
 * in local segments (the newest of them also in the archive), then records only in the hot tier.
 * {@code DIR/archive.json} says where the archive is, as {@code pswitch run --archive} writes it.
 */
public final class ThreeTierLog implements AutoCloseable {
    /** One packet of an exported capture: its time and bytes. */
    public record Packet(long ts, byte[] frame) {
    }

    /** Every packet of {@code capture} (pcap or pcapng), in file order. */
    public static List<Packet> readCapture(Path capture) {
        List<Packet> out = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(capture)) {
            while (r.next()) {
                out.add(new Packet(r.timestampNs(), r.data()));
            }
        }
        return out;
    }

    public static final String SWITCH = "edge-1";
    public static final String LOCATION = "s3://fleet/archive";
    public static final LogCatalog CATALOG = new LogCatalog(
            List.of(new LogCatalog.PortEntry(0, "uplink"), new LogCatalog.PortEntry(1, "mirror-a"), new LogCatalog.PortEntry(2, "mirror-b")),
            List.of(new LogCatalog.FilterEntry(0, "all-udp", "udp")));

    /** A clock the fixture moves: the uploader's scan interval and backoff pass at once. */
    private static final class ManualClock implements EpochNanoClock {
        long now = 1_800_000_000_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }
    }

    private final Path dataDir;
    private final TieredLog log;
    private final ArchiveStore store;
    private final ArchiveUploader uploader;
    private final ManualClock clock = new ManualClock();
    private final ArchiveTierFile file;

    private ThreeTierLog(Path dataDir, Path poolDir, S3ProxyServer s3) {
        this.dataDir = dataDir;
        this.log = TieredLog.open(new TieredLog.Settings(dataDir, poolDir, 2048, 1024, new PacketLogConfig(512, 32, 16), 3L << 20,
                1L << 20, DrainPolicy.EVERY_WRITE));
        LogCatalogDescriptor.write(dataDir, CATALOG);
        this.store = s3.store(LOCATION);
        this.file = new ArchiveTierFile(store.location(), s3.endpoint(), SWITCH, log.layout().logId());
        // Small chunks: a time window then needs only some of an object's chunks.
        this.uploader = new ArchiveUploader(new ArchiveUploader.Settings(store, SWITCH, log.layout().logId(),
                log.layout().segmentsDir(), dataDir.resolve("archive-staging"), () -> CATALOG, 0, 64 << 10, 3), clock);
        log.segments().holdBy(uploader);
        file.write(dataDir);
    }

    /**
     * Logs {@code drained} records through hot tier, segments and archive, then {@code hotOnly}
     * more that stay in the hot tier. The bucket {@code fleet} must exist.
     */
    public static ThreeTierLog build(Path dataDir, Path poolDir, S3ProxyServer s3, int drained, int hotOnly) {
        ThreeTierLog t = new ThreeTierLog(dataDir, poolDir, s3);
        long seq = 1;
        while (seq <= drained) {
            long end = Math.min(drained, seq + 199);
            t.append(seq, end);
            seq = end + 1;
            t.drainAndUpload();
        }
        t.drainAndUpload();
        t.append(seq, seq + hotOnly - 1L);
        return t;
    }

    private void append(long from, long to) {
        PacketLog hot = log.hot();
        BufferPool pool = log.pool();
        for (long seq = from; seq <= to; seq++) {
            byte[] f = UdpFrames.frame(seq);
            int buf = pool.allocate();
            MemorySegment.copy(MemorySegment.ofArray(f), 0, pool.segment(), pool.offset(buf), f.length);
            long got = hot.append(buf, f.length, f.length, UdpFrames.ts(seq), UdpFrames.port(seq), 1L, 0, 0);
            if (got != seq) {
                throw new IllegalStateException("record " + seq + " appended as " + got);
            }
        }
        hot.commit();
    }

    private void drainAndUpload() {
        while (log.drain().doWork() > 0) {
            // until nothing is left to write or sync
        }
        log.hot().retireDrained();
        for (int i = 0; i < 50; i++) {
            clock.now += ArchiveUploader.MAX_BACKOFF_NS;
            if (uploader.doWork() == 0 && uploader.status().backlogSegments() == 0) {
                break;
            }
        }
    }

    /** Logs {@code n} more records through every tier (the drain and retention go on: the oldest local segments go). */
    public void logMore(int n) {
        long last = newestSeq() + n;
        for (long seq = newestSeq() + 1; seq <= last; seq += 200) {
            append(seq, Math.min(last, seq + 199));
            drainAndUpload();
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    public TieredLog log() {
        return log;
    }

    public ArchiveStore store() {
        return store;
    }

    /** {@code DIR/archive.json} as the switch wrote it. */
    public ArchiveTierFile file() {
        return file;
    }

    /** A reader of the archive below the segments, sharing this fixture's store client. */
    public ArchivedSegments archive() {
        return new ArchivedSegments(store, file);
    }

    /** The running log, every tier (as the REST layer sees it). */
    public LogView view(ArchivedSegments archive) {
        return LogView.of(log, archive);
    }

    /** First sequence the local segments hold (those below are in the archive only). */
    public long localOldestSeq() {
        SegmentRecoveryReport r = new io.pswitch.pktlog.segment.SegmentReader(log.layout().segmentsDir(), log.layout().logId()).inspect();
        return r.firstSeq();
    }

    /** Last sequence logged. */
    public long newestSeq() {
        return log.hot().appendedSeq();
    }

    @Override
    public void close() {
        log.close();
        store.close();
    }
}

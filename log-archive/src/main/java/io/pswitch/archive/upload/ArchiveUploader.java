package io.pswitch.archive.upload;

import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.segment.SegmentHold;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentRecoveryReport;
import io.pswitch.pktlog.segment.SegmentSummary;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;

/**
 * The archive tier's agent: uploads every closed segment of one log, oldest first, one object per
 * segment ({@link io.pswitch.archive.object.ArchiveObjectDescriptor}), and only once an object
 * reads back as written does it let the segment go ({@link SegmentHold}: capacity retention keeps
 * a segment until then).
 *
 * <ul>
 *   <li>Closed: sealed, or older than the newest segment (a tail left unsealed by a crash is
 *       closed once a newer segment exists). The open segment is never uploaded.</li>
 *   <li>Idempotent: the key is the log id and segment number; an object already there that
 *       verifies (an upload that finished before a crash) is not uploaded again; one that does not
 *       is replaced. At start, multipart uploads left under this switch's prefix and the staging
 *       directory's leftovers are removed.</li>
 *   <li>A store that is down or refusing: the segment waits, retried with exponential backoff
 *       ({@link #MIN_BACKOFF_NS} to {@link #MAX_BACKOFF_NS}); the backlog is counted
 *       ({@link #status()}). Nothing here blocks the drain or the dataplane.</li>
 *   <li>Archive retention ({@code --archive-retention}): objects of this switch older than it are
 *       deleted, checked at most every {@link #RETENTION_INTERVAL_NS}.</li>
 * </ul>
 * Blocking S3 calls run on this agent's own thread; {@code doWork} returns 0 while it has nothing
 * to do or waits for its next attempt.
 */
public final class ArchiveUploader implements Agent, SegmentHold {
    public static final long MIN_BACKOFF_NS = 1_000_000_000L;
    public static final long MAX_BACKOFF_NS = 60_000_000_000L;
    public static final long SCAN_INTERVAL_NS = 1_000_000_000L;
    public static final long RETENTION_INTERVAL_NS = 3_600_000_000_000L;

    /** What the uploader needs to know. */
    public record Settings(ArchiveStore store, String switchName, UUID logId, Path segmentsDir, Path stagingDir,
                           Supplier<LogCatalog> catalog, long retentionNs, int chunkBytes, int level) {
    }

    private final Settings s;
    private final EpochNanoClock clock;
    private final SegmentArchiver archiver;
    private final SegmentReader scanReader;
    private final ArrayDeque<SegmentSummary> pending = new ArrayDeque<>();
    private final ArchiveCounters counters = new ArchiveCounters();
    /** Every segment up to this number is archived (or gone): capacity retention may delete it. */
    private volatile long releasedThrough = -1;
    private long lastQueued = -1;
    private long nextAttemptNs;
    private long nextScanNs;
    private long nextRetentionNs;
    private long backoffNs = MIN_BACKOFF_NS;
    private boolean started;

    public ArchiveUploader(Settings settings, EpochNanoClock clock) {
        this.s = settings;
        this.clock = clock;
        this.archiver = new SegmentArchiver(s.store(), s.switchName(), s.logId(), s.segmentsDir(), s.stagingDir(),
                s.chunkBytes(), s.level());
        this.scanReader = new SegmentReader(s.segmentsDir(), s.logId());
    }

    @Override
    public String roleName() {
        return "archive-uploader";
    }

    @Override
    public boolean mayDelete(long segmentNumber) {
        return segmentNumber <= releasedThrough;
    }

    @Override
    public int doWork() {
        long now = clock.nanoTime();
        if (now < nextAttemptNs) {
            return 0;
        }
        try {
            if (pending.isEmpty() && now >= nextScanNs) {
                // Local only: the backlog is counted while the store is down.
                scan();
                nextScanNs = now + SCAN_INTERVAL_NS;
            }
            if (!started) {
                start();
                return 1;
            }
            if (pending.isEmpty()) {
                return retention(now);
            }
            uploadOldest();
            backoffNs = MIN_BACKOFF_NS;
            return 1;
        } catch (RuntimeException e) {
            counters.failed(e.getMessage());
            nextAttemptNs = now + backoffNs;
            backoffNs = Math.min(MAX_BACKOFF_NS, backoffNs * 2);
            return 1;
        }
    }

    /** Clears what a crash left: staged files here, multipart uploads in the store. */
    private void start() {
        clearStaging();
        int aborted = s.store().abortUploads(s.switchName() + "/");
        counters.aborted(aborted);
        started = true;
    }

    private void clearStaging() {
        if (!Files.isDirectory(s.stagingDir())) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(s.stagingDir(), "*.part")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(s.stagingDir() + ": cannot clear staged uploads: " + e.getMessage(), e);
        }
    }

    /** Queues the closed segments not yet queued; the newest segment only when sealed. */
    private void scan() {
        SegmentRecoveryReport r = scanReader.inspect();
        List<SegmentSummary> segs = r.segments();
        long bytes = 0;
        for (int i = 0; i < segs.size(); i++) {
            SegmentSummary seg = segs.get(i);
            boolean closed = seg.sealed() || i < segs.size() - 1;
            if (!closed) {
                break;
            }
            if (seg.number() > lastQueued) {
                pending.addLast(seg);
                lastQueued = seg.number();
            }
        }
        for (SegmentSummary p : pending) {
            bytes += p.sizeBytes();
        }
        if (pending.isEmpty() && !segs.isEmpty()) {
            // Nothing closed is waiting: everything before the open segment is archived.
            releasedThrough = Math.max(releasedThrough, lastQueued);
        }
        counters.backlog(pending.size(), bytes);
    }

    private void uploadOldest() {
        SegmentSummary seg = pending.peekFirst();
        SegmentSummary next = null;
        for (SegmentSummary p : pending) {
            if (p.number() > seg.number()) {
                next = p;
                break;
            }
        }
        long lastSeq = seg.lastSeq() >= 0 ? seg.lastSeq() : next != null ? next.firstSeq() - 1 : Long.MAX_VALUE;
        if (!Files.exists(seg.path())) {
            // Deleted under a hold: the file system filled and local logging came first.
            counters.lost(seg.number());
        } else {
            SegmentArchiver.Result r = archiver.archive(seg, lastSeq, s.catalog().get());
            counters.uploaded(r.records(), r.rawBytes(), r.objectBytes(), r.alreadyThere());
        }
        pending.pollFirst();
        releasedThrough = seg.number();
        long bytes = 0;
        for (SegmentSummary p : pending) {
            bytes += p.sizeBytes();
        }
        counters.backlog(pending.size(), bytes);
    }

    private int retention(long now) {
        if (s.retentionNs() <= 0 || now < nextRetentionNs) {
            return 0;
        }
        nextRetentionNs = now + RETENTION_INTERVAL_NS;
        Instant cutoff = Instant.ofEpochSecond(0, clock.nanoTime() - s.retentionNs());
        int deleted = 0;
        for (ArchiveStore.ObjectInfo o : s.store().list(s.switchName() + "/")) {
            if (o.lastModified().isBefore(cutoff)) {
                s.store().delete(o.key());
                deleted++;
            }
        }
        counters.expired(deleted);
        return deleted;
    }

    /**
     * Uploads everything closed, without backoff waits, until nothing is left or {@code deadlineNs}
     * (this uploader's clock) passes: the clean stop, after the open segment was sealed.
     *
     * @return whether the backlog is empty
     */
    public boolean finish(long deadlineNs) {
        nextAttemptNs = 0;
        nextScanNs = 0;
        while (clock.nanoTime() < deadlineNs) {
            doWork();
            long now = clock.nanoTime();
            if (started && pending.isEmpty() && nextAttemptNs <= now) {
                scan();
                if (pending.isEmpty()) {
                    return true;
                }
            }
            if (nextAttemptNs > now) {
                java.util.concurrent.locks.LockSupport.parkNanos(Math.min(nextAttemptNs, deadlineNs) - now);
            }
        }
        return false;
    }

    public ArchiveCounters.Snapshot status() {
        return counters.snapshot();
    }

    /** The highest segment number capacity retention may delete. */
    public long releasedThrough() {
        return releasedThrough;
    }
}

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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;

/**
 * The archive tier's agent: uploads every closed segment of one log, oldest first, one object per
 * segment ({@link io.pswitch.archive.object.ArchiveObjectDescriptor}), and only once an object
 * reads back as written does it let the segment go ({@link SegmentHold}: until then the segment
 * is never recycled).
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
 *       ({@link #status()}), scanned on its own schedule so that it grows during the outage.
 *       Nothing here blocks the drain or the dataplane.</li>
 *   <li>A backlog that outgrows {@code --log-size}: the log's capacity is a hard bound on the disk
 *       (local logging never stops for the store), so retention deletes the oldest segment held
 *       or not. One that goes before its upload is a gap in the archive: named in one warning line
 *       on standard error (the switch's log) and counted ({@code lost}, by cause), and no object is
 *       made of it. One deleted while its upload reads it is read to its end (unlink semantics)
 *       and uploaded whole; retention never recycles a held segment, which would change its bytes
 *       under the reader.</li>
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
    /** Every segment up to this number is archived (or gone): retention may recycle it. */
    private volatile long releasedThrough = -1;
    /** Held segments retention deleted, by number: told on the drain thread, taken on this one. */
    private final Map<Long, Deleted> deleted = new ConcurrentHashMap<>();
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

    /** What retention said of a held segment it deleted. */
    private record Deleted(long firstSeq, long lastSeq, boolean diskFull) {
    }

    @Override
    public void deletedWhileHeld(long segmentNumber, long firstSeq, long lastSeq, boolean diskFull) {
        deleted.put(segmentNumber, new Deleted(firstSeq, lastSeq, diskFull));
    }

    @Override
    public int doWork() {
        long now = clock.nanoTime();
        int work = 0;
        if (now >= nextScanNs) {
            // Local only, and not behind the backoff: the backlog (and a segment retention took
            // before its upload) is counted while the store is down.
            nextScanNs = now + SCAN_INTERVAL_NS;
            try {
                work += scan();
            } catch (RuntimeException e) {
                counters.failed(e.getMessage());
            }
        }
        if (now < nextAttemptNs) {
            return work;
        }
        try {
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

    /**
     * Queues the closed segments not yet queued (the newest segment only when sealed), and
     * reports the held segments retention deleted before they were ever queued.
     *
     * @return the segments queued or found lost
     */
    private int scan() {
        SegmentRecoveryReport r = scanReader.inspect();
        List<SegmentSummary> segs = r.segments();
        int work = 0;
        for (int i = 0; i < segs.size(); i++) {
            SegmentSummary seg = segs.get(i);
            boolean closed = seg.sealed() || i < segs.size() - 1;
            if (!closed) {
                break;
            }
            if (seg.number() > lastQueued) {
                pending.addLast(seg);
                lastQueued = seg.number();
                work++;
            }
        }
        for (Long n : deleted.keySet()) {
            if (n <= releasedThrough || queued(n)) {
                // Uploaded before it went, or still queued: uploadOldest finds out which.
                if (n <= releasedThrough) {
                    deleted.remove(n);
                }
                continue;
            }
            // Deleted between two scans, never queued: an upload could not even start.
            lost(n, null);
            lastQueued = Math.max(lastQueued, n);
            work++;
        }
        if (pending.isEmpty() && !segs.isEmpty()) {
            // Nothing closed is waiting: everything before the open segment is archived.
            releasedThrough = Math.max(releasedThrough, lastQueued);
        }
        countBacklog();
        return work;
    }

    private boolean queued(long number) {
        for (SegmentSummary p : pending) {
            if (p.number() == number) {
                return true;
            }
        }
        return false;
    }

    private void countBacklog() {
        long bytes = 0;
        for (SegmentSummary p : pending) {
            bytes += p.sizeBytes();
        }
        counters.backlog(pending.size(), bytes);
    }

    /**
     * Segment {@code number} went before its upload: one warning line naming it and its records
     * (from retention's notice, else from {@code seg}), and the count by cause. No object is made
     * of it, so a reader of the archive finds the gap and names it too.
     */
    private void lost(long number, SegmentSummary seg) {
        Deleted d = deleted.remove(number);
        long first = d != null ? d.firstSeq() : seg != null ? seg.firstSeq() : -1;
        long last = d != null && d.lastSeq() >= 0 ? d.lastSeq() : seg != null ? seg.lastSeq() : -1;
        boolean logSize = d != null && !d.diskFull();
        String records = first < 0 ? "" : " (records " + first + ".." + (last >= first ? Long.toString(last) : "?") + ")";
        String message = "segment " + number + records + " was deleted locally before its upload ("
                + (logSize ? "--log-size reached while the store was behind" : "the file system was full")
                + "): the archive has a gap there";
        counters.lost(logSize, message);
        System.err.println("pswitch: archive: warning: " + s.store().name(s.switchName() + "/") + ": " + message);
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
            // Deleted under the hold: the capacity (or a full file system) came first.
            goneLocally(seg, lastSeq);
        } else {
            try {
                SegmentArchiver.Result r = archiver.archive(seg, lastSeq, s.catalog().get());
                counters.uploaded(r.records(), r.rawBytes(), r.objectBytes(), r.alreadyThere());
                deleted.remove(seg.number());
            } catch (SegmentArchiver.SegmentGoneException e) {
                goneLocally(seg, lastSeq);
            }
        }
        pending.pollFirst();
        releasedThrough = seg.number();
        countBacklog();
    }

    /**
     * A queued segment is gone locally. Lost only if its object is not in the store: an upload
     * may have completed before the store failed its verification (the store went down between
     * the two), and such an object is whole. With the store unreachable this throws, and the
     * question waits for the next attempt.
     */
    private void goneLocally(SegmentSummary seg, long lastSeq) {
        SegmentArchiver.Result r = archiver.inStore(seg, lastSeq);
        if (r == null) {
            lost(seg.number(), seg);
            return;
        }
        counters.uploaded(r.records(), r.rawBytes(), r.objectBytes(), true);
        deleted.remove(seg.number());
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

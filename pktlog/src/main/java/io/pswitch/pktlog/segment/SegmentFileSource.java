package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where a new segment's file comes from, before the writer opens it: the oldest segment recycled by
 * rename when capacity retention would delete it anyway ({@link SegmentConfig#recycle()}), else the
 * {@link SegmentPreparer}'s spare with its blocks already written, else nothing (the writer then
 * preallocates a fresh file). Either way the rename is made durable (directory fsync) before the
 * writer writes the new header: a crash in between leaves a newest file with an older header or an
 * all-zero one, both of which recovery handles (see SegmentRecovery). Used by the drain thread only.
 */
final class SegmentFileSource {
    private final Path dir;
    private final SegmentConfig cfg;
    private final SegmentRetention retention;
    private SegmentPreparer preparer;
    private long recycled;
    private long prepared;

    SegmentFileSource(Path dir, SegmentConfig cfg, SegmentRetention retention) {
        this.dir = dir;
        this.cfg = cfg;
        this.retention = retention;
    }

    /** A log already at its size when {@code p} comes recycles its next segment: {@code p} starts retired. */
    void prepareWith(SegmentPreparer p) {
        this.preparer = p;
        if (p != null && cfg.recycle() && retention.wouldReuseOldest(cfg.segmentSize())) {
            p.retire();
        }
    }

    /**
     * Puts a ready file at {@code path} when there is one. Returns whether it is a recycled segment
     * (its old contents stay until overwritten: the header says so, see OpenSegment#writeHeader).
     */
    boolean provide(Path path) {
        Path reuse = cfg.recycle() ? retention.takeOldestForReuse(cfg.segmentSize()) : null;
        if (reuse != null) {
            try {
                Files.move(reuse, path, StandardCopyOption.ATOMIC_MOVE);
                SegmentFile.forceDirectory(dir);
                recycled++;
                if (preparer != null) {
                    // Written blocks come with every recycled file: a zeroed spare would only take disk.
                    preparer.retire();
                }
                return true;
            } catch (IOException e) {
                SegmentFile.deleteQuietly(reuse);
                return false;
            }
        }
        if (preparer != null) {
            preparer.resume();
            usePrepared(path);
        }
        return false;
    }

    private void usePrepared(Path path) {
        Path spare = preparer.take();
        if (spare == null) {
            return; // not ready yet: the writer preallocates as usual
        }
        try {
            Files.move(spare, path, StandardCopyOption.ATOMIC_MOVE);
            SegmentFile.forceDirectory(dir);
            prepared++;
        } catch (IOException e) {
            SegmentFile.deleteQuietly(spare);
        } finally {
            preparer.taken();
        }
    }

    long recycled() {
        return recycled;
    }

    long prepared() {
        return prepared;
    }
}

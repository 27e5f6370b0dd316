package io.pswitch.pktlog.tier;

import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.LiveLogView;
import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.segment.SegmentReader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A log for its readers, all tiers as one: the hot tier (records not yet drained, in their pool
 * buffers), the segment tier and, when the switch archives, the archive below them
 * ({@link OlderTier}, wired by whoever knows the store: the tools and the REST layer). The tools open it on a data directory — a switch may be writing it:
 * nothing here takes its lock or writes — and the REST layer wraps a running switch's tiers.
 * Readers go through {@link #reader()}: one per thread.
 */
public final class LogView implements AutoCloseable {
    private final TierLayout layout;
    private final LogSource hot;
    private final LiveLogView ownedHot;
    private final SegmentReader segments;
    private final OlderTier older;

    private LogView(TierLayout layout, LogSource hot, LiveLogView ownedHot, SegmentReader segments, OlderTier older) {
        this.layout = layout;
        this.hot = hot;
        this.ownedHot = ownedHot;
        this.segments = segments;
        this.older = older;
    }

    /**
     * Opens the log of {@code dataDir} read-only.
     *
     * @throws IllegalArgumentException when the directory holds no log (naming what is missing)
     */
    public static LogView open(Path dataDir) {
        return open(dataDir, null);
    }

    /**
     * Opens the log of {@code dataDir} read-only, with the archive below its segments.
     *
     * @param older the archive, or null when the switch archives nothing
     * @throws IllegalArgumentException when the directory holds no log (naming what is missing)
     */
    public static LogView open(Path dataDir, OlderTier older) {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("no data directory " + dataDir);
        }
        TierLayout layout = TierLayout.forReading(dataDir);
        Path pool = layout.poolFile();
        Path index = IndexFileDescriptor.defaultPath(pool);
        boolean hasHot = Files.isRegularFile(pool) && Files.isRegularFile(index);
        boolean hasSegments = layout.logId() != null && Files.isDirectory(layout.segmentsDir());
        if (!hasHot && !hasSegments && older == null) {
            throw new IllegalArgumentException("no packet log in " + dataDir + ": neither a hot tier (" + pool
                    + ") nor segments (" + layout.segmentsDir() + ")");
        }
        LiveLogView view = hasHot ? LiveLogView.open(pool, index) : null;
        SegmentReader seg = hasSegments ? new SegmentReader(layout.segmentsDir(), layout.logId()) : null;
        return new LogView(layout, view, view, seg, older);
    }

    /** The tiers of a running switch (closing the view leaves them open). */
    public static LogView of(TieredLog live) {
        return of(live, null);
    }

    /** The tiers of a running switch and its archive ({@code older}, or null). */
    public static LogView of(TieredLog live, OlderTier older) {
        SegmentReader seg = live.drain() == null ? null
                // Up to what is written, not only durable: a volatile hot tier lets records go once
                // written, and a reader must find them in the segments then.
                : new SegmentReader(live.layout().segmentsDir(), live.layout().logId(), live.drain()::writtenSeq);
        return new LogView(live.layout(), live.hot(), null, seg, older);
    }

    /** A new reader over every tier (one per thread). */
    public TieredLogReader reader() {
        return new TieredLogReader(older, segments, hot);
    }

    /** The archive below the segments, or null. */
    public OlderTier older() {
        return older;
    }

    /** The hot tier, or null when there is none (a reboot emptied its memory, or a clean stop drained it). */
    public LogSource hot() {
        return hot;
    }

    /** The segment tier, or null when the log has none. */
    public SegmentReader segments() {
        return segments;
    }

    public TierLayout layout() {
        return layout;
    }

    /** The hot tier's pool, or null. */
    public BufferPool pool() {
        return hot == null ? null : hot.pool();
    }

    /** First sequence any tier holds, 0 when the log is empty. */
    public long oldestSeq() {
        long a = older == null ? 0 : older.oldestSeq();
        if (a > 0) {
            return a;
        }
        long s = segments == null ? 0 : segments.oldestSeq();
        if (s > 0) {
            return s;
        }
        return hot == null || hot.newestSeq() < hot.oldestSeq() ? 0 : hot.oldestSeq();
    }

    /** Last sequence any tier holds, 0 when the log is empty. */
    public long newestSeq() {
        long h = hot == null || hot.newestSeq() < hot.oldestSeq() ? 0 : hot.newestSeq();
        long s = segments == null ? 0 : segments.newestSeq();
        return Math.max(h, s);
    }

    @Override
    public void close() {
        if (ownedHot != null) {
            ownedHot.close();
        }
        if (older != null) {
            older.close();
        }
    }
}

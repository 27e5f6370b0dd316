package io.pswitch.pktlog.tier;

import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.LogStorage;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.index.PacketLogConfig;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.HotTierStorage;
import io.pswitch.pktlog.pool.HugePages;
import io.pswitch.pktlog.sched.StorageThreads;
import io.pswitch.pktlog.segment.SegmentConfig;
import io.pswitch.pktlog.segment.SegmentPreparer;
import io.pswitch.pktlog.segment.SegmentSyncer;
import io.pswitch.pktlog.segment.SegmentWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;

/**
 * A switch's packet log, its tiers put together: the pool and the hot tier (PASTE, in place) where
 * {@link TierLayout} puts them, and, when the log has a capacity of its own ({@code --log-size}),
 * the segment tier with the drain agent that fills it.
 *
 * <p>Opening order matters: the pool, then the segments' recovery (it touches no buffer), then the
 * hot tier's recovery with the segments' end as its floor: the records the segments hold already
 * retire there, unread, so its time is bounded by the records not yet drained, not by the pool
 * (it claims the buffers of the others before any ring takes one); then the hot tier is told how
 * far the segments go (an emptied hot tier continues their numbering). Closing is the reverse: the drain writes and syncs what is published,
 * then the writer, the hot tier and the pool close.
 */
public final class TieredLog implements AutoCloseable {
    /**
     * @param poolDir where the pool goes when the data directory is on a block device (null: /dev/shm)
     * @param logSizeBytes the segment tier's capacity; 0 for none (only possible where the hot tier
     *     is durable or in memory: dax, tmpfs)
     * @param segmentSize bytes per segment file (0: the default)
     * @param drainPolicy when the drain makes its writes durable
     */
    public record Settings(Path dataDir, Path poolDir, int bufferSize, int buffers, PacketLogConfig hot,
                           long logSizeBytes, long segmentSize, DrainPolicy drainPolicy) {
    }

    private final TierLayout layout;
    private final BufferPool pool;
    private final PacketLog hot;
    private final SegmentWriter segments;
    private final SegmentDrain drain;
    private final boolean dataDirHoldsHotTier;
    private final DrainPolicy drainPolicy;
    private AgentRunner drainRunner;
    private volatile boolean sealOnClose;
    private AgentRunner syncerRunner;
    private AgentRunner preparerRunner;
    private StorageThreads threads = StorageThreads.normal();

    private TieredLog(TierLayout layout, BufferPool pool, PacketLog hot, SegmentWriter segments, SegmentDrain drain,
                      boolean dataDirHoldsHotTier, DrainPolicy drainPolicy) {
        this.drainPolicy = drainPolicy;
        this.layout = layout;
        this.pool = pool;
        this.hot = hot;
        this.segments = segments;
        this.drain = drain;
        this.dataDirHoldsHotTier = dataDirHoldsHotTier;
    }

    /**
     * Where the hot tier of {@code dataDir} goes, decided (and stored) now: the pool geometry of a
     * data directory in use is read from there.
     */
    public static TierLayout layout(Path dataDir, Path poolDir) {
        return TierLayout.decide(dataDir, poolDir, HotTierStorage.canHold(dataDir));
    }

    public static TieredLog open(Settings s) {
        String onHugePages = HugePages.dataDirRefusal(s.dataDir());
        if (onHugePages != null) {
            throw new IllegalArgumentException(onHugePages);
        }
        boolean inPlace = HotTierStorage.canHold(s.dataDir());
        if (!inPlace && s.logSizeBytes() <= 0) {
            throw new IllegalArgumentException("the data directory " + s.dataDir() + " is on a block device: its log needs a"
                    + " capacity (--log-size) for the segment tier; the hot tier lives in memory");
        }
        TierLayout layout = TierLayout.decide(s.dataDir(), s.poolDir(), inPlace);
        BufferPool pool = BufferPool.open(layout.poolFile(), s.bufferSize(), s.buffers());
        PacketLog hot = null;
        SegmentWriter writer = null;
        try {
            if (s.logSizeBytes() > 0) {
                SegmentConfig cfg = s.segmentSize() > 0 ? SegmentConfig.of(s.logSizeBytes(), s.segmentSize())
                        : SegmentConfig.of(s.logSizeBytes());
                writer = SegmentWriter.open(layout.segmentsDir(), layout.logId(), cfg);
            }
            hot = PacketLog.open(pool, IndexFileDescriptor.defaultPath(layout.poolFile()), s.hot(), LogStorage.MAPPED,
                    writer != null ? writer.nextSeq() : 0);
            SegmentDrain drain = null;
            if (writer != null) {
                long segmentsNext = writer.nextSeq();
                // An emptied hot tier (a reboot cleared its memory) continues the segments' numbering.
                hot.startAtLeast(segmentsNext);
                long first = Math.max(segmentsNext, hot.oldestSeq());
                if (segmentsNext != 0 && first > segmentsNext) {
                    // Records between were lost before they reached the segments (a hot tier in
                    // memory that did not survive): the segment tier says so and goes on after them.
                    writer.restartAt(first);
                }
                hot.tiered(first - 1);
                drain = new SegmentDrain(hot, writer, s.drainPolicy(), new SystemNanoClock(), first);
            }
            return new TieredLog(layout, pool, hot, writer, drain, inPlace, s.drainPolicy());
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.close();
            }
            if (hot != null) {
                hot.close();
            }
            pool.close();
            throw e;
        }
    }

    /**
     * How the storage threads (drain, syncer, preparer, and the hot tier's commit agent) start: at
     * which nice value. Before {@link #startDrain} and before the dataplane starts the commit agent.
     */
    public void storageThreads(StorageThreads t) {
        this.threads = t;
        hot.storageThreads(t);
    }

    public StorageThreads storageThreads() {
        return threads;
    }

    /** Starts the drain on its own thread (no-op without a segment tier). */
    public void startDrain() {
        if (drain != null && drainRunner == null) {
            if (drainPolicy.groupCommit()) {
                // Flushes on their own thread: the drain writes on meanwhile (see SegmentSyncer).
                SegmentSyncer syncer = SegmentSyncer.of(segments);
                drain.attach(syncer);
                syncerRunner = new AgentRunner(new BackoffIdleStrategy(100, 10, 1_000, 100_000), this::onDrainError, null, syncer);
                threads.start(syncerRunner);
            } else {
                // sync: a frame waits for each flush; new segments come with their blocks written
                // (no journal commit per flush, see SegmentPreparer).
                SegmentPreparer preparer = SegmentPreparer.of(segments);
                segments.prepareWith(preparer);
                // The first segment too (a start writes its first record into a new segment).
                preparer.doWork();
                preparerRunner = new AgentRunner(new BackoffIdleStrategy(1, 1, 1_000_000, 10_000_000), this::onDrainError, null,
                        preparer);
                threads.start(preparerRunner);
            }
            // Backs off to 100 µs parks when idle: a sync-mode writer waits at most that long for a wake-up.
            drainRunner = new AgentRunner(new BackoffIdleStrategy(100, 10, 1_000, 100_000), this::onDrainError, null, drain);
            threads.start(drainRunner);
        }
    }

    private void onDrainError(Throwable t) {
        // The drain catches write errors itself; anything else is a bug worth a line.
        System.err.println("pswitch: drain: " + t);
    }

    public TierLayout layout() {
        return layout;
    }

    public BufferPool pool() {
        return pool;
    }

    public PacketLog hot() {
        return hot;
    }

    /** The segment tier's writer, or null when the log has none. */
    public SegmentWriter segments() {
        return segments;
    }

    /**
     * A clean close seals the open segment (after the drain's last write) instead of leaving it to
     * the next start: the archive tier uploads sealed segments only, and a switch that stopped
     * cleanly has all it logged in the archive.
     */
    public void sealOnClose() {
        sealOnClose = true;
    }

    /** The drain, or null when the log has no segment tier. */
    public SegmentDrain drain() {
        return drain;
    }

    /** Start-up report lines: where each tier lives and what recovery found. */
    public List<String> report() {
        List<String> lines = new ArrayList<>();
        lines.add("hot tier: " + pool.storageClass() + " pool " + layout.poolFile() + " (" + pool.bufferCount() + " x "
                + pool.bufferSize() + " B" + (pool.pageSize() > HugePages.SMALL_PAGE
                ? ", on " + HugePages.label(pool.pageSize()) + " huge pages of hugetlbfs" : "") + ")" + (layout.relocated() ? ", moved off the data directory"
                + (dataDirHoldsHotTier ? "" : " (a block device: the pool lives in memory, the segments take the data)") : ""));
        if (segments != null) {
            lines.add("segment tier: " + layout.segmentsDir() + ", " + segments.segmentCount() + " segment(s), "
                    + segments.segmentBytes() / (1 << 20) + " MiB, " + (segments.directIo() ? "direct I/O" : "buffered I/O (no O_DIRECT here)")
                    + ", alignment " + segments.alignment().chunk() + " B");
            lines.add("segment recovery: " + segments.recoveryReport());
            for (String w : segments.warnings()) {
                lines.add("segment tier warning: " + w);
            }
        } else {
            lines.add("segment tier: none (no --log-size): the hot tier is the whole log, FIFO by --log-records");
        }
        lines.add(threads.reportLine());
        return lines;
    }

    /**
     * Stops the drain (it writes and syncs everything published first), then closes the hot tier
     * and the pool. A relocated hot tier that the drain emptied completely is removed: everything
     * it held is in the segments, and a memory file system should not keep 100s of MiB for nothing.
     * After a crash it stays, and the next start recovers and drains it.
     */
    @Override
    public void close() {
        if (drainRunner != null) {
            drainRunner.close();
            if (syncerRunner != null) {
                syncerRunner.close();
            }
            if (preparerRunner != null) {
                preparerRunner.close();
            }
        } else if (drain != null) {
            drain.onClose();
        }
        boolean empty = false;
        if (segments != null) {
            if (sealOnClose) {
                try {
                    segments.seal();
                } catch (RuntimeException e) {
                    // Full file system: the next start seals the tail instead.
                    System.err.println("pswitch: segment tier: cannot seal the open segment at close: " + e.getMessage());
                }
            }
            segments.close();
            // The dataplane has stopped: this thread is the hot tier's writer now.
            hot.retireAllDrained();
            empty = hot.appendedSeq() <= hot.drainedSeq() && hot.liveRecords() == 0;
        }
        hot.close();
        pool.close();
        if (empty && layout.relocated()) {
            removeHotTier();
        }
    }

    private void removeHotTier() {
        Path dir = layout.poolFile().getParent();
        try {
            java.nio.file.Files.deleteIfExists(layout.indexFile());
            java.nio.file.Files.deleteIfExists(layout.poolFile());
            java.nio.file.Files.deleteIfExists(dir);
        } catch (java.io.IOException e) {
            // Left for the next start, which reuses it.
        }
    }
}

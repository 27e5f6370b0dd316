package io.pswitch.control.archive;

import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectWriter;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.tier.ArchiveTierFile;
import io.pswitch.archive.tier.ArchivedSegments;
import io.pswitch.archive.upload.ArchiveCounters;
import io.pswitch.archive.upload.ArchiveUploader;
import io.pswitch.control.config.ConfigException;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.tier.TieredLog;
import java.nio.file.Path;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * A running switch's archive tier: the uploader agent on its own thread, holding each segment
 * until its object is verified. Started after the switch (the segment writer exists), finished
 * after it: the clean stop seals the open segment ({@link TieredLog#sealOnClose()}) and then
 * uploads what is left, for at most the stop timeout; what does not make it resumes at the next
 * start.
 */
public final class ArchiveTier implements AutoCloseable {
    /** The one archive tier of this process, for /metrics and GET /api/v1/log (null when none). */
    private static volatile ArchiveTier current;

    private final ArchiveOptions options;
    private final ArchiveStore store;
    private final ArchiveUploader uploader;
    private final ArchiveTierFile file;
    /** Verified manifests, shared by every reader of this switch's archive (objects are immutable once verified). */
    private final java.util.Map<String, ArchiveManifest> manifests = new java.util.concurrent.ConcurrentHashMap<>();
    private final SystemEpochNanoClock clock = new SystemEpochNanoClock();
    private AgentRunner runner;

    private ArchiveTier(ArchiveOptions options, ArchiveStore store, ArchiveUploader uploader, ArchiveTierFile file) {
        this.options = options;
        this.store = store;
        this.uploader = uploader;
        this.file = file;
    }

    /**
     * Starts archiving the segments of {@code tiers} (of the switch whose data directory is {@code dataDir}).
     *
     * @throws ConfigException when the log has no segment tier
     */
    public static ArchiveTier start(ArchiveOptions options, TieredLog tiers, Path dataDir) {
        if (tiers.segments() == null) {
            throw new ConfigException("--archive uploads sealed segments, and this log has no segment tier: give it --log-size");
        }
        ArchiveStore store = ArchiveStore.open(options.location(), options.endpoint(), null);
        ArchiveUploader uploader = new ArchiveUploader(new ArchiveUploader.Settings(store, options.name(), tiers.layout().logId(),
                tiers.layout().segmentsDir(), dataDir.resolve("archive-staging"), () -> LogCatalogDescriptor.read(dataDir),
                options.retention() == null ? 0 : options.retention().toNanos(), ArchiveObjectWriter.DEFAULT_CHUNK_BYTES,
                ArchiveObjectWriter.DEFAULT_LEVEL), new SystemEpochNanoClock());
        tiers.segments().holdBy(uploader);
        tiers.sealOnClose();
        // Where this log's archive is, for the tools reading the data directory (they read it as the tier below the segments).
        ArchiveTierFile file = new ArchiveTierFile(options.location(), options.endpoint(), options.name(), tiers.layout().logId());
        file.write(dataDir);
        ArchiveTier t = new ArchiveTier(options, store, uploader, file);
        // Idle: uploads are seconds apart at most; a sleeping agent costs nothing between them.
        t.runner = new AgentRunner(new SleepingMillisIdleStrategy(50), e -> System.err.println("pswitch: archive: " + e), null, uploader);
        AgentRunner.startOnThread(t.runner);
        current = t;
        return t;
    }

    /** The archive tier of this process, or null. */
    public static ArchiveTier current() {
        return current;
    }

    /** This switch's archive as the tier below its segments, for one reader (REST export): shares the store and the manifests. */
    public ArchivedSegments olderTier() {
        return new ArchivedSegments(store, file.keyPrefix(), manifests);
    }

    public ArchiveOptions options() {
        return options;
    }

    public ArchiveCounters.Snapshot status() {
        return uploader.status();
    }

    /** {@code GET /api/v1/log}'s {@code archive} member. */
    public java.util.Map<String, Object> statusJson() {
        ArchiveCounters.Snapshot s = uploader.status();
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("location", options.location().toString());
        m.put("name", options.name());
        m.put("endpoint", options.endpoint());
        m.put("backlogSegments", s.backlogSegments());
        m.put("backlogBytes", s.backlogBytes());
        m.put("uploadedObjects", s.uploaded());
        m.put("uploadedRecords", s.records());
        m.put("uploadedBytes", s.objectBytes());
        m.put("rawBytes", s.rawBytes());
        m.put("compressionRatio", s.compressionRatio());
        m.put("failures", s.failures());
        m.put("lastError", s.lastError());
        m.put("lostSegments", s.lost());
        m.put("lostSegmentsToLogSize", s.lostToLogSize());
        m.put("abortedUploads", s.abortedUploads());
        m.put("expiredObjects", s.expired());
        return m;
    }

    /**
     * After the switch closed (the open segment sealed): stops the agent, then uploads what is
     * left on this thread until done or the stop timeout.
     *
     * @return whether nothing is left
     */
    public boolean finish() {
        if (runner != null) {
            runner.close();
            runner = null;
        }
        return uploader.finish(clock.nanoTime() + options.stopTimeout().toNanos());
    }

    @Override
    public void close() {
        if (runner != null) {
            runner.close();
            runner = null;
        }
        store.close();
        if (current == this) {
            current = null;
        }
    }
}

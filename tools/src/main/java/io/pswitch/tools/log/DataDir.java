package io.pswitch.tools.log;

import io.pswitch.archive.tier.ArchiveTierFile;
import io.pswitch.archive.tier.ArchivedSegments;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TierLayout;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --data-dir} every log command takes: the switch's data directory, holding the segment
 * tier, {@code tiers.json} (where the hot tier lives), the pool and index when the hot tier is in
 * place, and (optionally) {@code log-catalog.json}. Opening it never takes the
 * directory's lock, so the tools run beside a switch that is writing the log.
 *
 * <p>When the switch archives ({@code run --archive}), it records where in {@code DIR/archive.json};
 * the tools then read the archive below the segments too (credentials and region from the AWS
 * SDK's default chain), unless {@code --no-archive}.
 */
public final class DataDir {
    @Option(names = {"-d", "--data-dir"}, required = true, paramLabel = "DIR",
            description = "The switch's data directory (segments, tiers.json, log-catalog.json; the pool when in place).")
    Path dir;

    @Option(names = "--no-archive",
            description = "Read the local tiers only, even when the switch archives (DIR/archive.json names the archive).")
    boolean noArchive;

    public DataDir() {
    }

    public DataDir(Path dir) {
        this(dir, false);
    }

    public DataDir(Path dir, boolean noArchive) {
        this.dir = dir;
        this.noArchive = noArchive;
    }

    public Path dir() {
        return dir;
    }

    /** The hot tier's pool file (in the data directory, or where the switch moved it: see tiers.json). */
    public Path poolPath() {
        return TierLayout.forReading(dir).poolFile();
    }

    public Path indexPath() {
        return TierLayout.forReading(dir).indexFile();
    }

    /** The log over all its tiers (the archive too, when the switch archives), read-only and tolerant of a switch writing it. */
    public LogView openLog() {
        ArchivedSegments archive = openArchive();
        try {
            return LogView.open(dir, archive);
        } catch (RuntimeException e) {
            if (archive != null) {
                archive.close();
            }
            throw e;
        }
    }

    /**
     * The archive below the segments, as the switch recorded it ({@code DIR/archive.json}), with a
     * store client of its own (close it); null when the switch archives nothing, or with {@code --no-archive}.
     */
    public ArchivedSegments openArchive() {
        ArchiveTierFile file = noArchive ? null : ArchiveTierFile.read(dir);
        return file == null ? null : ArchivedSegments.open(file);
    }

    /** Port and filter names; {@link LogCatalog#EMPTY} (generic names) when the switch wrote none. */
    public LogCatalog catalog() {
        return LogCatalogDescriptor.read(dir);
    }
}

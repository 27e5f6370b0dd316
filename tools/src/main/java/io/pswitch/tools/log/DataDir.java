package io.pswitch.tools.log;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TierLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --data-dir} every log command takes: the switch's data directory, holding the segment
 * tier, {@code tiers.json} (where the hot tier lives), the pool and index when the hot tier is in
 * place, and (optionally) {@code log-catalog.json}. Opening it never takes the
 * directory's lock, so the tools run beside a switch that is writing the log.
 */
public final class DataDir {
    @Option(names = {"-d", "--data-dir"}, required = true, paramLabel = "DIR",
            description = "The switch's data directory (segments, tiers.json, log-catalog.json; the pool when in place).")
    Path dir;

    public DataDir() {
    }

    public DataDir(Path dir) {
        this.dir = dir;
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

    /** The log over all its tiers, read-only and tolerant of a switch writing it. */
    public LogView openLog() {
        return LogView.open(dir);
    }

    /** Port and filter names; {@link LogCatalog#EMPTY} (generic names) when the switch wrote none. */
    public LogCatalog catalog() {
        return LogCatalogDescriptor.read(dir);
    }
}

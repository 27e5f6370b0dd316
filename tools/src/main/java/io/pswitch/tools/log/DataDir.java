package io.pswitch.tools.log;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.index.LiveLogView;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --data-dir} every log command takes: the switch's data directory, holding {@code pool},
 * the index next to it and (optionally) {@code log-catalog.json}. Opening it never takes the
 * directory's lock, so the tools run beside a switch that is writing the log.
 */
public final class DataDir {
    public static final String POOL_FILE = "pool";

    @Option(names = {"-d", "--data-dir"}, required = true, paramLabel = "DIR",
            description = "The switch's data directory (pool, index, log-catalog.json).")
    Path dir;

    public DataDir() {
    }

    public DataDir(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path poolPath() {
        return dir.resolve(POOL_FILE);
    }

    public Path indexPath() {
        return IndexFileDescriptor.defaultPath(poolPath());
    }

    /** Checks the directory holds a log, with a message that says what is missing. */
    public void check() {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no data directory " + dir);
        }
        if (!Files.isRegularFile(poolPath())) {
            throw new IllegalArgumentException("no packet log in " + dir + ": " + POOL_FILE + " is missing");
        }
        if (!Files.isRegularFile(indexPath())) {
            throw new IllegalArgumentException("no packet log in " + dir + ": " + indexPath().getFileName() + " is missing");
        }
    }

    /** The log, read-only and tolerant of a switch writing it. */
    public LiveLogView openLog() {
        check();
        return LiveLogView.open(poolPath(), indexPath());
    }

    /** Port and filter names; {@link LogCatalog#EMPTY} (generic names) when the switch wrote none. */
    public LogCatalog catalog() {
        return LogCatalogDescriptor.read(dir);
    }
}

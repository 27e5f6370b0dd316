package io.pswitch.control.assembly;

import io.pswitch.control.config.ConfigException;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.index.IndexFileDescriptor;
import io.pswitch.pktlog.sched.StorageThreads;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The packet log of a running switch: the filters it starts with, when records become durable and
 * how many records the index holds (retention is FIFO beyond that, or when free buffers run low).
 *
 * @param filters the start-up filters; null means "the ones persisted in the data directory"
 * @param records index capacity in records
 * @param commitOracle where {@link CommitOracle} appends every committed record (a test and
 *     diagnostic aid, {@code --commit-oracle}), or null for none
 * @param logSize the segment tier's capacity ({@code --log-size}: bytes, or a share of the data
 *     directory's file system such as {@code 10%}); null for the default: {@link #DEFAULT_LOG_SIZE}
 *     on a block device, none (the hot tier is the log, in place) on tmpfs or dax
 * @param segmentSize bytes per segment file, 0 for the default (64 MiB)
 * @param poolDir where the pool goes when the data directory is on a block device (null: /dev/shm)
 * @param storageNice the nice value of the log's storage threads ({@code --storage-nice}, -20..19;
 *     0 leaves them at normal priority), see {@link StorageThreads}
 */
public record LogSettings(List<Filter> filters, Durability durability, int records, Path commitOracle, String logSize,
                          long segmentSize, Path poolDir, int storageNice) {
    public static final int DEFAULT_RECORDS = 65536;
    /** The segment tier of a data directory on a disk, unless --log-size says otherwise. */
    public static final String DEFAULT_LOG_SIZE = "1G";

    public LogSettings {
        if (filters != null) {
            filters = List.copyOf(filters);
            Set<String> names = new HashSet<>();
            for (Filter f : filters) {
                if (!names.add(f.name())) {
                    throw new ConfigException("filter name '" + f.name() + "' is used twice");
                }
            }
        }
        if (durability == null) {
            throw new ConfigException("durability missing");
        }
        String badNice = StorageThreads.rangeError(storageNice);
        if (badNice != null) {
            throw new ConfigException(badNice);
        }
        String bad = IndexFileDescriptor.validateCapacity(records);
        if (bad != null) {
            throw new ConfigException("log records: " + bad);
        }
    }

    /** Storage threads at the default nice for the durability ({@link StorageThreads#defaultNice}), as {@code pswitch run} has them. */
    public LogSettings(List<Filter> filters, Durability durability, int records, Path commitOracle, String logSize,
                       long segmentSize, Path poolDir) {
        this(filters, durability, records, commitOracle, logSize, segmentSize, poolDir,
                StorageThreads.defaultNice(durability != null && durability.mode() == Durability.Mode.SYNC));
    }

    /** Without a commit oracle. */
    public LogSettings(List<Filter> filters, Durability durability, int records) {
        this(filters, durability, records, null);
    }

    /** The default tiers (see {@link #logSize}). */
    public LogSettings(List<Filter> filters, Durability durability, int records, Path commitOracle) {
        this(filters, durability, records, commitOracle, null, 0, null);
    }

    /** No start-up filters given (the persisted ones apply), batch durability, the default size. */
    public static LogSettings defaults() {
        return new LogSettings(null, Durability.parse("batch"), DEFAULT_RECORDS);
    }

    /**
     * Parses {@code NAME=EXPRESSION} (the {@code --filter} flag); ids follow the order given.
     *
     * @throws ConfigException naming the flag when there is no '=' or the name is not valid
     */
    public static Filter parseFilterFlag(String text, int id) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--filter '" + text + "': expected NAME=EXPRESSION, e.g. --filter 'icmp=icmp or arp'");
        }
        try {
            return Filter.of(id, text.substring(0, eq).trim(), text.substring(eq + 1).trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--filter '" + text + "': " + e.getMessage());
        }
    }
}

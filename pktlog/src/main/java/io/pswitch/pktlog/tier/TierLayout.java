package io.pswitch.pktlog.tier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.pktlog.catalog.AtomicFile;
import io.pswitch.pktlog.index.IndexFileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Where one log's tiers live, decided when a switch first uses a data directory and kept in
 * {@code DIR/tiers.json}, so that the tools (and a switch restarted after {@code kill -9}) find the
 * hot tier again wherever it went.
 *
 * <p>The hot tier (the PASTE pool and its index) must live where an in-place flush is cheap: on
 * persistent memory ({@code dax}) or in memory ({@code volatile}: tmpfs, hugetlbfs). On a block
 * file system a mapped pool makes the kernel write back the page of every received frame and
 * {@code msync} is page-granular over scattered buffers (measured: forwarding fell to 0.35x). So a
 * data directory on {@code block} gets its pool in {@code /dev/shm/pswitch-<log id>/} (or under
 * {@code --pool-dir}), named after the log id; the segment tier (the log's capacity) stays in the
 * data directory, written by the drain with direct I/O.
 *
 * @param logId the log's identity: segments carry it, and a segment of another log is refused
 * @param poolFile the pool file (hot tier frames)
 * @param segmentsDir the segment tier
 * @param relocated true when the pool lives outside the data directory
 */
public record TierLayout(UUID logId, Path poolFile, Path segmentsDir, boolean relocated) {
    public static final String FILE = "tiers.json";
    public static final String POOL_FILE = "pool";
    public static final String SEGMENTS_DIR = "segments";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The data directory (the segments' parent). */
    public Path dataDir() {
        return segmentsDir.getParent();
    }

    /** The hot tier's index, next to its pool. */
    public Path indexFile() {
        return IndexFileDescriptor.defaultPath(poolFile);
    }

    /**
     * The layout a switch uses on {@code dataDir}: the stored one when there is one (the pool
     * follows {@code poolDir} if it is given and differs), else a new one.
     *
     * @param poolDir where the pool goes when the data directory is on a block device, or null for
     *     {@code /dev/shm}
     * @param dataDirInMemoryOrDax true when the data directory's file system can hold the hot tier
     *     itself (tmpfs, hugetlbfs, dax)
     */
    public static TierLayout decide(Path dataDir, Path poolDir, boolean dataDirInMemoryOrDax) {
        TierLayout stored = read(dataDir);
        UUID id = stored != null ? stored.logId() : UUID.randomUUID();
        Path pool;
        if (poolDir != null) {
            pool = poolDir.toAbsolutePath().resolve("pswitch-" + id).resolve(POOL_FILE);
        } else if (dataDirInMemoryOrDax) {
            pool = dataDir.toAbsolutePath().resolve(POOL_FILE);
        } else if (stored != null && stored.relocated()) {
            pool = stored.poolFile();
        } else {
            pool = Path.of("/dev/shm").resolve("pswitch-" + id).resolve(POOL_FILE);
        }
        boolean relocated = !pool.toAbsolutePath().getParent().equals(dataDir.toAbsolutePath());
        TierLayout layout = new TierLayout(id, pool, dataDir.toAbsolutePath().resolve(SEGMENTS_DIR), relocated);
        try {
            // /dev/shm is emptied by a reboot: the hot tier's directory is made again, empty.
            Files.createDirectories(pool.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the hot tier's directory " + pool.getParent() + ": " + e.getMessage(), e);
        }
        if (!layout.equals(stored)) {
            layout.write(dataDir);
        }
        return layout;
    }

    /**
     * The stored layout of {@code dataDir}, or null when it has none (a data directory a switch of
     * an earlier version wrote: pool and index in it, no segments).
     */
    public static TierLayout read(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            return new TierLayout(UUID.fromString(n.path("logId").asText()), Path.of(n.path("pool").asText()),
                    Path.of(n.path("segments").asText()), n.path("relocated").asBoolean());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage()
                    + " (remove it to start a new log; the segments stay readable by their log id)", e);
        }
    }

    /** The layout the tools read: the stored one, or the older single-tier one (pool in the data directory). */
    public static TierLayout forReading(Path dataDir) {
        TierLayout stored = read(dataDir);
        return stored != null ? stored : new TierLayout(null, dataDir.toAbsolutePath().resolve(POOL_FILE),
                dataDir.toAbsolutePath().resolve(SEGMENTS_DIR), false);
    }

    private void write(Path dataDir) {
        ObjectNode n = JSON.createObjectNode();
        n.put("logId", logId.toString());
        n.put("pool", poolFile.toString());
        n.put("segments", segmentsDir.toString());
        n.put("relocated", relocated);
        try {
            AtomicFile.write(dataDir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }
}

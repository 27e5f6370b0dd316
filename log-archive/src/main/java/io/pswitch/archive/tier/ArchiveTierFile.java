package io.pswitch.archive.tier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pswitch.archive.store.ArchiveLocation;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.pktlog.catalog.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * {@code DIR/archive.json}: where a switch archives its log, written by the switch at start so
 * that the tools reading its data directory find the archive below its segments with no flag.
 * No credentials: those come from the AWS SDK's default chain of whoever reads.
 * <pre>
 * { "location": "s3://bucket/prefix", "endpoint": "http://minio:9000" | null,
 *   "name": "edge-1", "logId": "&lt;uuid&gt;" }
 * </pre>
 * The objects of this log are under {@code prefix/<name>/<logId>/}.
 */
public record ArchiveTierFile(ArchiveLocation location, String endpoint, String name, UUID logId) {
    public static final String FILE = "archive.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes it into {@code dataDir} (atomically: a reader sees the old file or the new one). */
    public void write(Path dataDir) {
        ObjectNode n = JSON.createObjectNode();
        n.put("location", location.toString());
        n.put("endpoint", endpoint);
        n.put("name", name);
        n.put("logId", logId.toString());
        try {
            AtomicFile.write(dataDir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The archive {@code dataDir}'s switch recorded, or null when it archives nothing.
     *
     * @throws IllegalArgumentException when the file is there but unreadable (naming it)
     */
    public static ArchiveTierFile read(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            String endpoint = n.path("endpoint").isTextual() ? n.path("endpoint").asText() : null;
            return new ArchiveTierFile(ArchiveLocation.parse(n.path("location").asText()), endpoint, n.path("name").asText(),
                    UUID.fromString(n.path("logId").asText()));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage()
                    + " (the switch writes it at start with --archive; remove it to read the local tiers only)", e);
        }
    }

    /** A client of the store (credentials and region from the SDK's default chain). */
    public ArchiveStore openStore() {
        return ArchiveStore.open(location, endpoint, null);
    }

    /** This log's objects, relative to the prefix: {@code <name>/<logId>/}. */
    public String keyPrefix() {
        return name + "/" + logId + "/";
    }
}

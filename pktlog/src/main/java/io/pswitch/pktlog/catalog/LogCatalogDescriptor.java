package io.pswitch.pktlog.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The log catalog file, {@code DIR/log-catalog.json}: UTF-8 JSON naming the ports by index and the
 * filters by id, so that the numbers in index records can be shown as names.
 *
 * <pre>
 * {
 *   "version": 1,
 *   "ports":   [ {"index": 0, "name": "p0"}, {"index": 1, "name": "p1"} ],
 *   "filters": [ {"id": 1, "name": "icmp", "expression": "icmp"} ]
 * }
 *   version   int, optional (1 when absent); a reader rejects a newer one
 *   ports     array of {index: 0..32767 (the record's ingress port), name: string}
 *   filters   array of {id: 0..32767 (bit id of the record's filter mask when id &lt; 64),
 *                       name: string, expression: tcpdump syntax, may be empty}
 * </pre>
 * Unknown members are ignored, so later versions can add fields.
 *
 * <p><b>Writing</b> is atomic (temporary file, fsync, rename over the old one, fsync of the
 * directory): the switch rewrites it at start and on every filter change while tools may be reading
 * it, and a crash leaves either the old or the new catalog, never half of one. The catalog is
 * advisory: the log itself never depends on it.
 */
public final class LogCatalogDescriptor {
    public static final String FILE_NAME = "log-catalog.json";
    public static final int VERSION = 1;
    public static final String VERSION_FIELD = "version";
    public static final String PORTS_FIELD = "ports";
    public static final String FILTERS_FIELD = "filters";
    public static final String INDEX_FIELD = "index";
    public static final String ID_FIELD = "id";
    public static final String NAME_FIELD = "name";
    public static final String EXPRESSION_FIELD = "expression";

    private static final ObjectMapper JSON = new ObjectMapper();

    private LogCatalogDescriptor() {
    }

    public static Path path(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /**
     * Reads {@code DIR/log-catalog.json}; {@link LogCatalog#EMPTY} when there is none.
     *
     * @throws IllegalArgumentException naming the file and the problem when it is not a catalog
     */
    public static LogCatalog read(Path dataDir) {
        Path file = path(dataDir);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return LogCatalog.EMPTY;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read log catalog " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(JSON.readTree(bytes));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("log catalog " + file + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("log catalog " + file + ": " + e.getMessage(), e);
        }
    }

    static LogCatalog parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        int version = root.path(VERSION_FIELD).asInt(VERSION);
        if (version > VERSION) {
            throw new IllegalArgumentException("catalog version " + version + " is newer than this build reads (" + VERSION + ")");
        }
        List<LogCatalog.PortEntry> ports = new ArrayList<>();
        for (JsonNode p : array(root, PORTS_FIELD)) {
            ports.add(new LogCatalog.PortEntry(integer(p, INDEX_FIELD, PORTS_FIELD), text(p, NAME_FIELD, PORTS_FIELD)));
        }
        List<LogCatalog.FilterEntry> filters = new ArrayList<>();
        for (JsonNode f : array(root, FILTERS_FIELD)) {
            JsonNode expr = f.get(EXPRESSION_FIELD);
            filters.add(new LogCatalog.FilterEntry(integer(f, ID_FIELD, FILTERS_FIELD), text(f, NAME_FIELD, FILTERS_FIELD),
                    expr == null || expr.isNull() ? "" : expr.asText()));
        }
        return new LogCatalog(ports, filters);
    }

    private static Iterable<JsonNode> array(JsonNode root, String field) {
        JsonNode a = root.get(field);
        if (a == null || a.isNull()) {
            return List.of();
        }
        if (!a.isArray()) {
            throw new IllegalArgumentException("'" + field + "' must be an array");
        }
        return a;
    }

    private static int integer(JsonNode entry, String field, String array) {
        JsonNode v = entry.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("an entry of '" + array + "' has no integer '" + field + "'");
        }
        return v.intValue();
    }

    private static String text(JsonNode entry, String field, String array) {
        JsonNode v = entry.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("an entry of '" + array + "' has no '" + field + "'");
        }
        return v.asText();
    }

    /** The catalog as JSON text (one object, indented). */
    public static String toJson(LogCatalog catalog) {
        ObjectNode root = JSON.createObjectNode();
        root.put(VERSION_FIELD, VERSION);
        ArrayNode ports = root.putArray(PORTS_FIELD);
        for (LogCatalog.PortEntry p : catalog.ports()) {
            ports.addObject().put(INDEX_FIELD, p.index()).put(NAME_FIELD, p.name());
        }
        ArrayNode filters = root.putArray(FILTERS_FIELD);
        for (LogCatalog.FilterEntry f : catalog.filters()) {
            filters.addObject().put(ID_FIELD, f.id()).put(NAME_FIELD, f.name()).put(EXPRESSION_FIELD, f.expression());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the log catalog: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces {@code DIR/log-catalog.json} atomically: written to a temporary file in the same
     * directory, forced, renamed over the old file, then the directory is forced so the rename
     * itself survives a crash.
     *
     * @throws java.io.UncheckedIOException naming the file when it cannot be written
     */
    public static void write(Path dataDir, LogCatalog catalog) {
        Path file = path(dataDir);
        try {
            AtomicFile.write(file, toJson(catalog).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write log catalog " + file + ": " + e.getMessage(), e);
        }
    }
}

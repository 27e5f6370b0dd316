package io.pswitch.control.filters;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pswitch.control.config.ConfigException;
import io.pswitch.pktlog.filter.Filter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The logging filters of a data directory, in {@code DIR/filters.json}, so that they come back
 * after a restart. Written atomically: a temporary file is written and fsynced, then renamed over
 * the old one and the directory fsynced — a crash leaves the old set or the new one, never half.
 */
public final class FilterStore {
    public static final String FILE_NAME = "filters.json";

    /** On-disk form of one filter (stable field names, independent of the record's). */
    static final class Entry {
        @JsonProperty
        public int id;
        @JsonProperty
        public String name;
        @JsonProperty
        public String expression;
        @JsonProperty
        public int snaplen;
        @JsonProperty
        public Set<String> ports = new TreeSet<>();
        @JsonProperty
        public boolean enabled = true;
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;

    public FilterStore(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** The stored filters; empty when the file does not exist. */
    public List<Filter> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Entry> entries;
        try {
            entries = JSON.readValue(bytes, new TypeReference<List<Entry>>() { });
        } catch (IOException e) {
            throw new ConfigException(file + " is not a valid filter list (" + e.getMessage().split("\n")[0] + "); fix or remove it");
        }
        List<Filter> out = new ArrayList<>();
        for (Entry e : entries) {
            try {
                out.add(new Filter(e.id, e.name, e.expression, e.snaplen, e.ports, e.enabled));
            } catch (IllegalArgumentException bad) {
                throw new ConfigException(file + ": " + bad.getMessage());
            }
        }
        return out;
    }

    /** Replaces the stored filters atomically (temp file, fsync, rename, fsync of the directory). */
    public void save(List<Filter> filters) {
        List<Entry> entries = new ArrayList<>();
        for (Filter f : filters) {
            Entry e = new Entry();
            e.id = f.id();
            e.name = f.name();
            e.expression = f.expression();
            e.snaplen = f.snaplen();
            e.ports = new TreeSet<>(f.ports());
            e.enabled = f.enabled();
            entries.add(e);
        }
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            byte[] bytes = JSON.writeValueAsBytes(entries);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot fsync a directory; the rename itself is still atomic.
            }
        } catch (IOException e) {
            throw new ConfigException("cannot save filters to " + file + ": " + e.getMessage(), e);
        }
    }
}

package io.pswitch.control.filters;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pswitch.control.config.ConfigException;
import io.pswitch.pktlog.catalog.AtomicFile;
import io.pswitch.pktlog.filter.Filter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The logging filters of a data directory, in {@code DIR/filters.json}, so that they come back
 * after a restart. Written atomically: a temporary file is written and fsynced, then renamed over
 * the old one and the directory fsynced — a crash leaves the old set or the new one, never half.
 *
 * <p>The file also keeps the next filter id, so an id is never given twice in a data directory:
 * log records name the filter that logged them by id, also after it was deleted.
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

    /** The file: the filters and the next id to give. */
    static final class Contents {
        @JsonProperty
        public int nextId = 1;
        @JsonProperty
        public List<Entry> filters = new ArrayList<>();
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

    private Contents read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Contents();
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            Contents c = JSON.readValue(bytes, Contents.class);
            return c == null ? new Contents() : c;
        } catch (IOException e) {
            throw new ConfigException(file + " is not a valid filter list (" + e.getMessage().split("\n")[0] + "); fix or remove it");
        }
    }

    /** The next id to give: above every id stored now or before. */
    public int nextId() {
        Contents c = read();
        int next = Math.max(1, c.nextId);
        for (Entry e : c.filters) {
            next = Math.max(next, e.id + 1);
        }
        return next;
    }

    /** The stored filters; empty when the file does not exist. */
    public List<Filter> load() {
        List<Filter> out = new ArrayList<>();
        for (Entry e : read().filters) {
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
        Contents contents = new Contents();
        contents.nextId = nextId();
        List<Entry> entries = contents.filters;
        for (Filter f : filters) {
            Entry e = new Entry();
            e.id = f.id();
            e.name = f.name();
            e.expression = f.expression();
            e.snaplen = f.snaplen();
            e.ports = new TreeSet<>(f.ports());
            e.enabled = f.enabled();
            entries.add(e);
            contents.nextId = Math.max(contents.nextId, f.id() + 1);
        }
        try {
            AtomicFile.write(file, JSON.writeValueAsBytes(contents));
        } catch (IOException e) {
            throw new ConfigException("cannot save filters to " + file + ": " + e.getMessage(), e);
        }
    }
}

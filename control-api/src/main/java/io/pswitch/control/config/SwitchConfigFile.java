package io.pswitch.control.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The YAML configuration file, the alternative to flags ({@code ./pswitch run --config FILE}).
 * Every key is optional; flags given on the command line win over the file.
 *
 * <pre>
 * dataDir: /var/lib/pswitch
 * workers: 1              # or auto (cores - 1); port i belongs to worker i mod workers
 * pool: { buffers: 65536, bufferSize: 2048 }
 * ringSize: 1024
 * batch: 256
 * idle: auto               # auto (wait on live interfaces, else backoff) | busy | yield | backoff | wait
 * rtPriority: 0            # 1-99: the dataplane thread under SCHED_FIFO (with idle: wait)
 * warmup: auto             # auto | none: synthetic frames through a throw-away switch before the first real one
 * fdb: { capacity: 65536, ageing: 300s }
 * statusInterval: 5s
 * api: { address: 127.0.0.1:8080 }   # or 'off'; tokenFile, tlsCert, tlsKey
 * ports:
 *   - p0=pcap:eth0
 *   - p1=shm:vm1
 * log:
 *   durability: batch      # sync | batch | async
 *   records: 65536         # index capacity; FIFO retention beyond
 *   commitRecords: 1024    # batch/async: commit after this many records...
 *   commitInterval: 1ms    # ...or when the oldest pending one is this old
 *   storageNice: -10       # the storage threads' nice (drain, syncer, commit agent); default -10 with sync durability, else 0 (normal priority)
 *   filters:
 *     - { name: icmp, expression: "icmp or arp" }
 *     - { name: web, expression: "tcp port 80", snaplen: 128, ports: [p0], enabled: true }
 * name: edge-1             # this switch's name in the archive (default: the host name)
 * archive:                 # sealed segments to S3-compatible object storage
 *   location: s3://bucket/prefix
 *   endpoint: http://127.0.0.1:9000   # MinIO, Ceph RGW, S3Proxy (path-style); omit for AWS
 *   retention: 30d
 * </pre>
 */
public final class SwitchConfigFile {
    public static final class Pool {
        @JsonProperty
        public Integer buffers;
        @JsonProperty
        public Integer bufferSize;
    }

    public static final class Fdb {
        @JsonProperty
        public Integer capacity;
        @JsonProperty
        public String ageing;
    }

    public static final class LogFilter {
        @JsonProperty
        public String name;
        @JsonProperty
        public String expression;
        @JsonProperty
        public Integer snaplen;
        @JsonProperty
        public List<String> ports;
        @JsonProperty
        public Boolean enabled;
    }

    public static final class Log {
        @JsonProperty
        public String durability;
        @JsonProperty
        public Integer records;
        @JsonProperty
        public Integer commitRecords;
        @JsonProperty
        public String commitInterval;
        /** The segment tier's capacity: {@code 20G} or {@code 10%} (see {@code --log-size}). */
        @JsonProperty
        public String size;
        @JsonProperty
        public String segmentSize;
        @JsonProperty
        public String poolDir;
        /** {@code --storage-nice}. */
        @JsonProperty
        public Integer storageNice;
        @JsonProperty
        public List<LogFilter> filters;
    }

    /** The REST API: {@code api: { address: 127.0.0.1:8080, tokenFile: ..., tlsCert: ..., tlsKey: ... }}. */
    public static final class Api {
        @JsonProperty
        public String address;
        @JsonProperty
        public String tokenFile;
        @JsonProperty
        public String tlsCert;
        @JsonProperty
        public String tlsKey;
    }

    @JsonProperty
    public String dataDir;
    @JsonProperty
    /** A number or {@code auto}. */
    public String workers;
    @JsonProperty
    public Pool pool;
    @JsonProperty
    public Integer ringSize;
    @JsonProperty
    public Integer batch;
    @JsonProperty
    public String idle;
    @JsonProperty
    public Integer rtPriority;
    /** {@code auto} or {@code none} ({@code --warmup}). */
    @JsonProperty
    public String warmup;
    @JsonProperty
    public Fdb fdb;
    @JsonProperty
    public String statusInterval;
    @JsonProperty
    public Api api;
    @JsonProperty
    public List<String> ports = new ArrayList<>();
    @JsonProperty
    public Log log;
    @JsonProperty
    public String name;
    @JsonProperty
    public Archive archive;

    /** {@code archive:}: see {@link io.pswitch.control.archive.ArchiveOptions}. */
    public static final class Archive {
        @JsonProperty
        public String location;
        @JsonProperty
        public String endpoint;
        @JsonProperty
        public String retention;
    }

    /** Reads a config file; every problem becomes a {@link ConfigException} naming the file and the key. */
    public static SwitchConfigFile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        if (text.isBlank()) {
            return new SwitchConfigFile();
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        try {
            SwitchConfigFile c = yaml.readValue(text, SwitchConfigFile.class);
            return c == null ? new SwitchConfigFile() : c;
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("config file " + file + ": unknown key '" + path(e) + "' (known: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")");
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof com.fasterxml.jackson.core.exc.StreamReadException syntax) {
                throw new ConfigException("config file " + file + " is not valid YAML: " + syntax.getOriginalMessage().split("\n")[0]);
            }
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
            throw new ConfigException("config file " + file + ": bad value for '" + path(e) + "'" + where + ": "
                    + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage().split("\n")[0]);
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}

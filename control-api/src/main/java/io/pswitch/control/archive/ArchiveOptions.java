package io.pswitch.control.archive;

import io.pswitch.archive.store.ArchiveLocation;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.time.TimeSpec;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The archive tier's settings ({@code --archive}, {@code --archive-endpoint},
 * {@code --archive-retention}, {@code --name}; the same keys in the config file). Credentials
 * and the region come from the AWS SDK's default chain (environment, profiles, instance roles).
 *
 * @param location where objects go: {@code s3://bucket/prefix}
 * @param endpoint an S3-compatible endpoint (MinIO, Ceph RGW, S3Proxy): path-style addressing; null for AWS
 * @param retention objects older than this are deleted; null to keep them (or leave it to a bucket lifecycle rule)
 * @param name this switch's name: its objects go under {@code prefix/<name>/}
 * @param stopTimeout how long a clean stop waits for the last uploads
 */
public record ArchiveOptions(ArchiveLocation location, String endpoint, Duration retention, String name, Duration stopTimeout) {
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(7);

    /**
     * Validates the flags/config values; null when {@code location} is null (no archive).
     *
     * @throws ConfigException naming the flag and the reason
     */
    public static ArchiveOptions parse(String location, String endpoint, String retention, String name) {
        if (location == null || location.isBlank()) {
            if (endpoint != null || retention != null) {
                throw new ConfigException("--archive-endpoint/--archive-retention need --archive s3://bucket/prefix");
            }
            return null;
        }
        ArchiveLocation loc;
        try {
            loc = ArchiveLocation.parse(location.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--archive: " + e.getMessage());
        }
        if (endpoint != null) {
            try {
                URI u = URI.create(endpoint);
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--archive-endpoint '" + endpoint + "': " + e.getMessage() + " (e.g. http://127.0.0.1:9000)");
            }
        }
        Duration keep = null;
        if (retention != null) {
            try {
                keep = TimeSpec.duration(retention);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--archive-retention: " + e.getMessage() + ", 30d");
            }
        }
        String n = name != null ? name : hostName();
        if (n.isEmpty() || n.contains("/") || n.equals(".") || n.equals("..")) {
            throw new ConfigException("--name '" + n + "': a switch name must be non-empty and contain no '/'");
        }
        return new ArchiveOptions(loc, endpoint, keep, n, DEFAULT_STOP_TIMEOUT);
    }

    /** The default switch name: the host name. */
    public static String hostName() {
        String env = System.getenv("HOSTNAME");
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h == null || h.isEmpty() ? env == null ? "pswitch" : env : h;
        } catch (UnknownHostException e) {
            return env == null || env.isEmpty() ? "pswitch" : env;
        }
    }
}

package io.pswitch.archive.store;

/**
 * Where an archive lives: {@code s3://bucket/prefix}. Each switch writes under
 * {@code prefix/<switch name>/}.
 */
public record ArchiveLocation(String bucket, String prefix) {
    public ArchiveLocation {
        if (bucket == null || bucket.isEmpty()) {
            throw new IllegalArgumentException("an archive needs a bucket (s3://bucket/prefix)");
        }
        prefix = prefix == null ? "" : strip(prefix);
    }

    /** Parses {@code s3://bucket[/prefix]}; a one-line message naming the value otherwise. */
    public static ArchiveLocation parse(String uri) {
        if (uri == null || !uri.startsWith("s3://")) {
            throw new IllegalArgumentException("archive location '" + uri + "' is not of the form s3://bucket/prefix");
        }
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("archive location '" + uri + "' names no bucket (s3://bucket/prefix)");
        }
        return new ArchiveLocation(bucket, prefix);
    }

    /** The full key of {@code relative} (a key under the prefix). */
    public String key(String relative) {
        return prefix.isEmpty() ? relative : prefix + "/" + relative;
    }

    /** {@code relative} of a full key under the prefix. */
    public String relative(String key) {
        return prefix.isEmpty() ? key : key.substring(prefix.length() + 1);
    }

    private static String strip(String p) {
        int b = 0;
        int e = p.length();
        while (b < e && p.charAt(b) == '/') {
            b++;
        }
        while (e > b && p.charAt(e - 1) == '/') {
            e--;
        }
        return p.substring(b, e);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}

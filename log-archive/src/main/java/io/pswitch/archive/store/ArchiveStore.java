package io.pswitch.archive.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The archive's object store: an S3 bucket under a prefix, through the AWS SDK v2's blocking
 * client (the JDK's HTTP connection underneath). Keys given here are relative to the prefix.
 * Any S3 error is an {@link ArchiveStoreException} naming the key and the operation; callers
 * decide whether to retry.
 */
public final class ArchiveStore implements AutoCloseable {
    /** Objects larger than this go up in parts: an interrupted upload leaves no object at all, and a part is retried alone. */
    public static final long MULTIPART_THRESHOLD = 16L << 20;
    public static final long PART_SIZE = 8L << 20;

    /** An object as listed. */
    public record ObjectInfo(String key, long size, Instant lastModified) {
    }

    /** An object's size and user metadata. */
    public record Head(long size, Map<String, String> metadata) {
    }

    private final S3Client s3;
    private final ArchiveLocation location;

    public ArchiveStore(S3Client s3, ArchiveLocation location) {
        this.s3 = s3;
        this.location = location;
    }

    /**
     * A client for {@code location}: credentials from the SDK's default chain (environment,
     * profiles, instance roles) unless {@code credentials} is given; the region from the default
     * chain ({@code AWS_REGION}, profile), else us-east-1; with an {@code endpoint} (MinIO, Ceph
     * RGW, S3Proxy), path-style addressing.
     */
    public static ArchiveStore open(ArchiveLocation location, String endpoint, AwsCredentialsProvider credentials) {
        S3ClientBuilder b = S3Client.builder()
                // A store that stops answering mid-request must not hold the uploader for the
                // SDK's default 30 s per attempt and retry: the backlog is scanned and counted
                // meanwhile, but uploads resume only when a call gives up.
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(10)))
                .credentialsProvider(credentials != null ? credentials : DefaultCredentialsProvider.builder().build())
                .region(region())
                // Integrity is ours (CRC32C per chunk and per object, verified after upload); the
                // SDK's own trailing checksums are not spoken by every S3-compatible store.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
        }
        return new ArchiveStore(b.build(), location);
    }

    private static Region region() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException e) {
            return Region.US_EAST_1;
        }
    }

    /** The SDK client underneath (tests use it to play a crash's leftovers and bit rot). */
    public S3Client client() {
        return s3;
    }

    public ArchiveLocation location() {
        return location;
    }

    /** Where {@code key} is, for messages: {@code s3://bucket/prefix/key}. */
    public String name(String key) {
        return "s3://" + location.bucket() + "/" + location.key(key);
    }

    /** Uploads {@code file} as {@code key} (in parts when large), with user metadata. */
    public void put(String key, Path file, long size, Map<String, String> metadata) {
        String full = location.key(key);
        try {
            if (size <= MULTIPART_THRESHOLD) {
                s3.putObject(r -> r.bucket(location.bucket()).key(full).metadata(metadata).contentLength(size),
                        RequestBody.fromFile(file));
                return;
            }
            String id = s3.createMultipartUpload(r -> r.bucket(location.bucket()).key(full).metadata(metadata)).uploadId();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                List<CompletedPart> parts = new ArrayList<>();
                int n = 1;
                for (long at = 0; at < size; at += PART_SIZE, n++) {
                    int len = (int) Math.min(PART_SIZE, size - at);
                    ByteBuffer buf = ByteBuffer.allocate(len);
                    while (buf.hasRemaining() && ch.read(buf, at + buf.position()) > 0) {
                        // read the part whole
                    }
                    buf.flip();
                    final int part = n;
                    String etag = s3.uploadPart(r -> r.bucket(location.bucket()).key(full).uploadId(id).partNumber(part)
                            .contentLength((long) len), RequestBody.fromByteBuffer(buf)).eTag();
                    parts.add(CompletedPart.builder().partNumber(part).eTag(etag).build());
                }
                s3.completeMultipartUpload(r -> r.bucket(location.bucket()).key(full).uploadId(id)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
            } catch (IOException | RuntimeException e) {
                abortQuietly(full, id);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read for upload to " + name(key) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw wrap("upload", key, e);
        }
    }

    private void abortQuietly(String fullKey, String uploadId) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(location.bucket()).key(fullKey).uploadId(uploadId));
        } catch (RuntimeException ignored) {
            // Left behind: the next start aborts it (abortUploads).
        }
    }

    /** The object's size and metadata, or null when there is none. */
    public Head head(String key) {
        try {
            HeadObjectResponse h = s3.headObject(r -> r.bucket(location.bucket()).key(location.key(key)));
            return new Head(h.contentLength(), h.metadata());
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw wrap("head", key, e);
        } catch (RuntimeException e) {
            throw wrap("head", key, e);
        }
    }

    /** Bytes {@code [from, from + length)} of the object: one ranged GET. */
    public byte[] get(String key, long from, int length) {
        return getRange(key, "bytes=" + from + "-" + (from + length - 1), length);
    }

    /** The object's last {@code length} bytes (fewer when it is smaller): one suffix-range GET. */
    public byte[] tail(String key, int length) {
        return getRange(key, "bytes=-" + length, -1);
    }

    /** The whole object, streamed (for verification). */
    public InputStream open(String key) {
        try {
            return s3.getObject(r -> r.bucket(location.bucket()).key(location.key(key)));
        } catch (RuntimeException e) {
            throw wrap("get", key, e);
        }
    }

    private byte[] getRange(String key, String range, int expected) {
        try {
            ResponseBytes<GetObjectResponse> b = s3.getObjectAsBytes(r -> r.bucket(location.bucket()).key(location.key(key)).range(range));
            byte[] bytes = b.asByteArray();
            if (expected >= 0 && bytes.length != expected) {
                throw new ArchiveStoreException(name(key) + ": ranged get " + range + " returned " + bytes.length + " bytes, not "
                        + expected, null, false);
            }
            return bytes;
        } catch (ArchiveStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw wrap("get " + range + " of", key, e);
        }
    }

    /** Every object under {@code keyPrefix}, in key order. */
    public List<ObjectInfo> list(String keyPrefix) {
        List<ObjectInfo> out = new ArrayList<>();
        try {
            ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(location.bucket()).prefix(location.key(keyPrefix));
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(req.build())) {
                for (S3Object o : page.contents()) {
                    out.add(new ObjectInfo(location.relative(o.key()), o.size(), o.lastModified()));
                }
            }
            return out;
        } catch (RuntimeException e) {
            throw wrap("list", keyPrefix, e);
        }
    }

    /** The next level of names under {@code keyPrefix} (which ends with '/' or is empty), without the trailing '/'. */
    public List<String> listNames(String keyPrefix) {
        List<String> out = new ArrayList<>();
        String full = location.prefix().isEmpty() ? keyPrefix : location.key(keyPrefix);
        try {
            ListObjectsV2Request req = ListObjectsV2Request.builder().bucket(location.bucket()).prefix(full).delimiter("/").build();
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(req)) {
                for (CommonPrefix p : page.commonPrefixes()) {
                    String name = p.prefix().substring(full.length());
                    out.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
                }
            }
            return out;
        } catch (RuntimeException e) {
            throw wrap("list", keyPrefix, e);
        }
    }

    public void delete(String key) {
        try {
            s3.deleteObject(r -> r.bucket(location.bucket()).key(location.key(key)));
        } catch (RuntimeException e) {
            throw wrap("delete", key, e);
        }
    }

    /**
     * Aborts every multipart upload left under {@code keyPrefix}: called at start, when no upload
     * of this switch can be in flight, so anything there was left by a crash.
     *
     * @return uploads aborted
     */
    public int abortUploads(String keyPrefix) {
        int n = 0;
        try {
            String full = location.key(keyPrefix);
            ListMultipartUploadsResponse page = s3.listMultipartUploads(r -> r.bucket(location.bucket()).prefix(full));
            for (MultipartUpload u : page.uploads()) {
                s3.abortMultipartUpload(r -> r.bucket(location.bucket()).key(u.key()).uploadId(u.uploadId()));
                n++;
            }
            return n;
        } catch (RuntimeException e) {
            throw wrap("abort multipart uploads under", keyPrefix, e);
        }
    }

    private ArchiveStoreException wrap(String op, String key, RuntimeException e) {
        boolean missing = e instanceof NoSuchKeyException || e instanceof S3Exception s && s.statusCode() == 404;
        String why = e instanceof S3Exception s && s.awsErrorDetails() != null
                ? s.statusCode() + " " + s.awsErrorDetails().errorCode() + ": " + s.awsErrorDetails().errorMessage()
                : e.getMessage();
        return new ArchiveStoreException(name(key) + ": cannot " + op + ": " + why, e, missing);
    }

    @Override
    public void close() {
        s3.close();
    }
}

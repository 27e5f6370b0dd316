package io.pswitch.archive;

import io.pswitch.archive.store.ArchiveLocation;
import io.pswitch.archive.store.ArchiveStore;
import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A real S3 server for tests: S3Proxy in this JVM on a loopback port, over jclouds' transient
 * (in-memory) blob store, with AWS v4 authentication. {@link #stop()} then {@link #start()} is a
 * store that went down and came back: the blobs stay, the port stays.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "pswitch-test";
    public static final String SECRET_KEY = "pswitch-test-secret";

    private final BlobStoreContext context;
    private S3Proxy proxy;
    private int port;

    public S3ProxyServer() {
        this(null);
    }

    /** Blobs in files under {@code dir} (jclouds' filesystem store: for archives larger than the heap), or in memory when null. */
    public S3ProxyServer(java.nio.file.Path dir) {
        Properties p = new Properties();
        if (dir != null) {
            p.setProperty("jclouds.filesystem.basedir", dir.toString());
        }
        context = ContextBuilder.newBuilder(dir == null ? "transient" : "filesystem").credentials("identity", "credential").overrides(p)
                .build(BlobStoreContext.class);
        start();
    }

    public void start() {
        proxy = S3Proxy.builder().blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start();
            while (!"STARTED".equals(proxy.getState())) {
                if ("FAILED".equals(proxy.getState())) {
                    throw new IllegalStateException("S3Proxy failed to start on port " + port);
                }
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy: " + e, e);
        }
        port = proxy.getPort();
    }

    /** The store goes down: connections are refused until {@link #start()}. */
    public void stop() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy stop: " + e, e);
        }
    }

    /** The environment a child process needs to reach this server through the SDK's default chain. */
    public java.util.Map<String, String> credentialsEnv() {
        return java.util.Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", "us-east-1");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public void createBucket(String bucket) {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    /** A client of {@code s3://bucket/prefix} on this server, as production opens one (path-style, v4 signatures). */
    public ArchiveStore store(String uri) {
        return ArchiveStore.open(ArchiveLocation.parse(uri), endpoint(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception ignored) {
            // already stopped
        }
        context.close();
    }
}

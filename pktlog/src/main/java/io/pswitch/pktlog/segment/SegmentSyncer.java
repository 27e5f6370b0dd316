package io.pswitch.pktlog.segment;

import java.nio.file.Path;
import org.agrona.concurrent.Agent;

/**
 * Group commit for the segment tier: makes the drain's writes durable ({@code fdatasync}) on its
 * own thread while the drain goes on writing. On a virtio disk a flush takes milliseconds; done
 * between writes it stops the drain that long each time, done here it overlaps the next writes,
 * and each flush covers everything written before it began (the newest request wins: requests
 * that arrive during a flush are served by one more flush, not one each).
 *
 * <p><b>Hand-over.</b> The drain ({@link SegmentWriter#requestSync}) publishes a request — the last
 * sequence written, its time, the end of the chunks and the segment's number — under a sequence
 * lock, only after the writes it covers returned. This agent takes the newest request, syncs the
 * segment through a descriptor of its own (opened by the segment's path: the flush is per inode,
 * and the drain may close its descriptor at a roll without asking), and publishes the result the
 * same way; the drain reads it ({@link #poll}) and tells the hot tier. A request for a segment that
 * is gone (retention) is for a sealed one, durable already by its seal: it is skipped.
 *
 * <p>A failed flush is final for that request: it is reported ({@link #failure}) and the drain
 * stalls and retries as it would have after its own failed {@code fdatasync}.
 */
public final class SegmentSyncer implements Agent {
    private final Path dir;
    private final NativeIo io = new NativeIo();

    // Request: written by the drain only.
    private volatile long requestVersion;
    private volatile long requestSeq;
    private volatile long requestTsNs;
    private volatile long requestEnd;
    private volatile long requestSegment = -1;

    // Result: written by this agent only.
    private volatile long resultVersion;
    private volatile long resultSeq;
    private volatile long resultTsNs;
    private volatile long resultEnd;
    private volatile long resultSegment = -1;
    private volatile String failure;
    private volatile long failures;
    /** Set after a failed flush; cleared by the drain when it retries ({@link #resume}). */
    private volatile boolean failed;

    /** This agent's own descriptor of {@link #fdSegment} (-1: none). */
    private int fd = -1;
    private long fdSegment = -1;
    private long doneSeq;

    SegmentSyncer(Path dir) {
        this.dir = dir;
    }

    /** Creates the syncer of the writer's directory; {@link SegmentWriter#attach} it before its agent runs. */
    public static SegmentSyncer of(SegmentWriter writer) {
        return new SegmentSyncer(writer.directory());
    }

    @Override
    public String roleName() {
        return "pswitch-segment-sync";
    }

    /** Drain thread: everything up to {@code seq} is written to segment {@code segment}, up to {@code end}. */
    void request(long seq, long tsNs, long end, long segment) {
        long v = requestVersion;
        requestVersion = v + 1;
        requestSeq = seq;
        requestTsNs = tsNs;
        requestEnd = end;
        requestSegment = segment;
        requestVersion = v + 2;
    }

    @Override
    public int doWork() {
        long v = requestVersion;
        if ((v & 1) != 0) {
            return 0;
        }
        long seq = requestSeq;
        long ts = requestTsNs;
        long end = requestEnd;
        long segment = requestSegment;
        if (requestVersion != v || seq <= doneSeq || segment < 0 || failed) {
            return 0;
        }
        long before = doneSeq;
        doneSeq = seq;
        if (segment != fdSegment) {
            closeFd();
            fd = io.open(dir.resolve(SegmentDescriptor.fileName(segment)), NativeIo.O_RDONLY, 0);
            if (fd < 0) {
                // Retention took it: a segment the drain sealed (and synced) long ago.
                return 1;
            }
            fdSegment = segment;
        }
        if (io.fdatasync(fd) != 0) {
            failure = dir.resolve(SegmentDescriptor.fileName(segment)) + ": fdatasync failed: " + NativeIo.describe(io.errno());
            doneSeq = before;
            failed = true;
            failures++;
            return 1;
        }
        long rv = resultVersion;
        resultVersion = rv + 1;
        resultSeq = seq;
        resultTsNs = ts;
        resultEnd = end;
        resultSegment = segment;
        resultVersion = rv + 2;
        return 1;
    }

    /**
     * Drain thread: hands the newest result to {@code writer} ({@link SegmentWriter#synced}).
     *
     * @return whether a consistent result was read
     */
    boolean poll(SegmentWriter writer) {
        long v = resultVersion;
        if ((v & 1) != 0 || v == 0) {
            return false;
        }
        long seq = resultSeq;
        long ts = resultTsNs;
        long end = resultEnd;
        long segment = resultSegment;
        if (resultVersion != v) {
            return false;
        }
        writer.synced(seq, ts, end, segment);
        return true;
    }

    /** Drain thread, retrying after a failed flush: the next request is flushed again. */
    void resume() {
        failed = false;
    }

    /** The last failed flush, or null; see {@link #failures()}. */
    public String failure() {
        return failure;
    }

    /** Flushes that failed since start (each one stalls the drain once). */
    public long failures() {
        return failures;
    }

    private void closeFd() {
        if (fd >= 0) {
            io.close(fd);
            fd = -1;
            fdSegment = -1;
        }
    }

    @Override
    public void onClose() {
        closeFd();
        io.close();
    }
}

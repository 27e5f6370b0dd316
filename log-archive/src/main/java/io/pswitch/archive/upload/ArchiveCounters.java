package io.pswitch.archive.upload;

/**
 * The uploader's counters: written by its agent thread only, read by /metrics and the REST status
 * from any thread (each field a volatile of its own: a reader may see one update before another).
 */
public final class ArchiveCounters {
    /**
     * @param backlogSegments closed segments waiting for upload
     * @param backlogBytes their size on disk
     * @param uploaded objects uploaded and verified (or found verified already)
     * @param skippedExisting of those, objects already in the store from an earlier run
     * @param records records in uploaded objects
     * @param rawBytes their uncompressed chunk bytes
     * @param objectBytes bytes uploaded (compressed objects)
     * @param failures attempts that failed (store down or refusing, verification mismatch)
     * @param lastError the last failure's one-line message, or null
     * @param lost segments deleted locally before their upload: gaps in the archive
     * @param lostToLogSize of those, deleted because {@code --log-size} needed them gone (the rest: a full file system)
     * @param abortedUploads multipart uploads left by a crash and aborted at start
     * @param expired objects deleted by archive retention
     */
    public record Snapshot(long backlogSegments, long backlogBytes, long uploaded, long skippedExisting, long records,
                           long rawBytes, long objectBytes, long failures, String lastError, long lost, long lostToLogSize,
                           long abortedUploads, long expired) {
        /** Compressed bytes per uncompressed byte of what was uploaded (0 before any upload). */
        public double compressionRatio() {
            return objectBytes == 0 ? 0 : (double) rawBytes / objectBytes;
        }
    }

    private volatile long backlogSegments;
    private volatile long backlogBytes;
    private volatile long uploaded;
    private volatile long skippedExisting;
    private volatile long records;
    private volatile long rawBytes;
    private volatile long objectBytes;
    private volatile long failures;
    private volatile String lastError;
    private volatile long lost;
    private volatile long lostToLogSize;
    private volatile long aborted;
    private volatile long expired;

    void backlog(long segments, long bytes) {
        backlogSegments = segments;
        backlogBytes = bytes;
    }

    void uploaded(long recs, long raw, long obj, boolean existing) {
        uploaded++;
        if (existing) {
            skippedExisting++;
        }
        records += recs;
        rawBytes += raw;
        objectBytes += obj;
    }

    void failed(String message) {
        failures++;
        lastError = message;
    }

    /** Segment {@code segmentNumber} is gone before its upload; {@code message} names it and why. */
    void lost(boolean toLogSize, String message) {
        lost++;
        if (toLogSize) {
            lostToLogSize++;
        }
        lastError = message;
    }

    void aborted(int n) {
        aborted += n;
    }

    void expired(int n) {
        expired += n;
    }

    public Snapshot snapshot() {
        return new Snapshot(backlogSegments, backlogBytes, uploaded, skippedExisting, records, rawBytes, objectBytes, failures,
                lastError, lost, lostToLogSize, aborted, expired);
    }
}

package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;

/**
 * FIFO retention of whole segments: the segments' total stays within the log's capacity, and on
 * a full file system the oldest go first. Owned by the drain thread. A reader that has a deleted
 * segment open keeps reading it (unlink semantics); one that has not yet opened it skips it.
 *
 * <p>The capacity is a hard bound, held segments included ({@link SegmentHold}): an operator sizes
 * {@code --log-size} to the disk, and a store that is down for a week must not fill that disk or
 * stop local logging. A held segment is deleted when the bound needs it gone, and its holder is
 * told (it reports the gap); it is never recycled, because a rename and rewrite would change the
 * bytes under a reader (the uploader) that has it open, where an unlink does not. Since the
 * bound holds at every new segment, held or not, nothing is ever over it: an upload that
 * completes has nothing to trim, and retention needs no run but the one before each new segment.
 */
final class SegmentRetention {
    /** One segment in the log; its first record (from its header) makes the tier's oldest without reading a file. */
    private record Entry(long number, Path path, long bytes, long firstSeq, long firstTsNs) {
    }

    private final Path dir;
    private final long capacity;
    private final ArrayDeque<Entry> segments = new ArrayDeque<>();
    private long bytes;
    private long deleted;
    private volatile SegmentHold hold = SegmentHold.NONE;
    private long deletedWhileHeld;

    SegmentRetention(Path dir, long capacity) {
        this.dir = dir;
        this.capacity = capacity;
    }

    void holdBy(SegmentHold h) {
        hold = h == null ? SegmentHold.NONE : h;
    }

    /** Held segments deleted by retention (the capacity or a full file system needed them gone). */
    long deletedWhileHeld() {
        return deletedWhileHeld;
    }

    void add(long number, Path path, long size, long firstSeq, long firstTsNs) {
        segments.addLast(new Entry(number, path, size, firstSeq, firstTsNs));
        bytes += size;
    }

    /**
     * When the capacity needs the oldest segment gone for {@code incoming} more bytes and it has
     * that size, takes it out of the log for reuse and returns its path (the caller renames it);
     * else null.
     */
    Path takeOldestForReuse(long incoming) {
        if (!wouldReuseOldest(incoming)) {
            return null;
        }
        Entry e = segments.removeFirst();
        bytes -= e.bytes;
        deleted++;
        return e.path;
    }

    /** Whether {@link #takeOldestForReuse} would take the oldest segment for {@code incoming} bytes now. */
    boolean wouldReuseOldest(long incoming) {
        return !segments.isEmpty() && bytes + incoming > capacity && segments.getFirst().bytes == incoming
                && hold.mayDelete(segments.getFirst().number);
    }

    /** Deletes oldest segments until {@code incoming} more bytes fit in the capacity. */
    void makeRoom(long incoming) {
        while (!segments.isEmpty() && bytes + incoming > capacity) {
            deleteOldest(false);
        }
    }

    /**
     * The file system is full (something else filled it): deletes oldest segments until
     * {@code needed} bytes are free. The newest segment is never deleted for this (the log keeps
     * its most recent history rather than churning itself away), and nothing is deleted unless
     * that frees enough.
     *
     * @return whether space was made
     */
    boolean freeForNewSegment(long needed) {
        if (segments.size() < 2 || usableSpace() + bytes - segments.getLast().bytes < needed) {
            return false;
        }
        while (segments.size() > 1 && usableSpace() < needed) {
            deleteOldest(true);
        }
        return usableSpace() >= needed;
    }

    long usableSpace() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    private void deleteOldest(boolean diskFull) {
        SegmentHold h = hold;
        boolean held = !h.mayDelete(segments.getFirst().number);
        Entry e = segments.removeFirst();
        bytes -= e.bytes;
        try {
            Files.deleteIfExists(e.path);
        } catch (IOException ex) {
            throw new SegmentException(e.path + ": cannot delete the oldest segment for retention: " + ex.getMessage(), ex);
        }
        deleted++;
        SegmentFile.forceDirectory(dir);
        if (held) {
            // After the unlink: a holder that finds the file gone knows why.
            deletedWhileHeld++;
            h.deletedWhileHeld(e.number, e.firstSeq, segments.isEmpty() ? -1 : segments.getFirst().firstSeq - 1, diskFull);
        }
    }

    long bytes() {
        return bytes;
    }

    int count() {
        return segments.size();
    }

    long deleted() {
        return deleted;
    }

    /** First sequence of the oldest segment, 0 when none. */
    long oldestFirstSeq() {
        return segments.isEmpty() ? 0 : segments.getFirst().firstSeq;
    }

    /** Time of the oldest segment's first record, 0 when none. */
    long oldestFirstTsNs() {
        return segments.isEmpty() ? 0 : segments.getFirst().firstTsNs;
    }

    /** The oldest segment's number, -1 when none. */
    long oldestNumber() {
        return segments.isEmpty() ? -1 : segments.getFirst().number;
    }
}

package io.pswitch.pktlog.segment;

/**
 * A say over recycling, and a witness of deletions: a segment that something outside the log
 * still needs (the archive tier, until the segment's object is verified in the store) is never
 * recycled (renamed and rewritten under a reader that has it open), and when retention deletes it
 * anyway the holder is told. Retention does delete it anyway: {@code --log-size} is a hard bound
 * on the disk, and local logging must never stop because the holder is behind (the store down
 * for days), so the oldest segment goes whether held or not; the holder counts and reports the
 * gap. Asked and told on the drain thread, so an answer must be a read of state and a notice a
 * write of it, never a wait.
 */
@FunctionalInterface
public interface SegmentHold {
    SegmentHold NONE = segmentNumber -> true;

    /** Whether segment {@code segmentNumber} is free of the holder (it may be recycled). */
    boolean mayDelete(long segmentNumber);

    /**
     * Retention deleted held segment {@code segmentNumber} (records {@code firstSeq..lastSeq},
     * {@code lastSeq} -1 when not known) to stay within the log's capacity, or because the file
     * system is full ({@code diskFull}). Unlinked: a reader that has it open reads it to its end.
     */
    default void deletedWhileHeld(long segmentNumber, long firstSeq, long lastSeq, boolean diskFull) {
    }
}

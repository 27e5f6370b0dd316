package io.pswitch.pktlog.segment;

/**
 * A say over capacity retention: a segment that something outside the log still needs (the
 * archive tier, until the segment's object is verified in the store) is not deleted or recycled
 * to keep the log within its capacity. Asked on the drain thread, so an answer must be a read of
 * state, never a wait. A full file system overrides a hold: local logging goes on, and the held
 * segment's holder finds it gone.
 */
@FunctionalInterface
public interface SegmentHold {
    SegmentHold NONE = segmentNumber -> true;

    /** Whether segment {@code segmentNumber} may be deleted now. */
    boolean mayDelete(long segmentNumber);
}

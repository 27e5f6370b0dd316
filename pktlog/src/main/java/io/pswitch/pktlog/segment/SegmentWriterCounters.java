package io.pswitch.pktlog.segment;

/**
 * What a {@link SegmentWriter} has done so far. Written by the drain thread only (the writer's
 * thread); the drain republishes the figures other threads read (see SegmentDrain's published
 * summary), so plain fields suffice here.
 */
public final class SegmentWriterCounters {
    private final SegmentRetention retention;
    private final SegmentFileSource files;
    long bytesWritten;
    long chunksWritten;
    long records;
    long framesPacked;
    long segmentsSealed;
    long noSpaceEvents;

    SegmentWriterCounters(SegmentRetention retention, SegmentFileSource files) {
        this.retention = retention;
        this.files = files;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    public long chunksWritten() {
        return chunksWritten;
    }

    public long recordsWritten() {
        return records;
    }

    /** Records whose bytes were copied into the chunk (small frames, or buffers unfit for direct I/O). */
    public long framesPacked() {
        return framesPacked;
    }

    public long segmentsSealed() {
        return segmentsSealed;
    }

    /** Segments capacity or full-disk retention took (recycled ones included). */
    public long segmentsDeleted() {
        return retention.deleted();
    }

    /** Segments whose file was reused for a new one ({@link SegmentConfig#recycle()}). */
    public long segmentsRecycled() {
        return files.recycled();
    }

    /** Segments created from a prepared spare ({@link SegmentWriter#prepareWith}). */
    public long segmentsPrepared() {
        return files.prepared();
    }

    /** Segments retention deleted while a {@link SegmentHold} still held them (the capacity is a hard bound). */
    public long segmentsDeletedWhileHeld() {
        return retention.deletedWhileHeld();
    }

    /** Writes that found the file system full. */
    public long noSpaceEvents() {
        return noSpaceEvents;
    }
}

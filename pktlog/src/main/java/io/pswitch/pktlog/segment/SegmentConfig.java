package io.pswitch.pktlog.segment;

/**
 * How the segment tier is shaped.
 *
 * @param segmentSize bytes per segment file: a multiple of 1 MiB, at least 1 MiB (64 MiB default)
 * @param capacityBytes the log's capacity ({@code --log-size}): the segments' total never exceeds
 *     it; at least two segments, so that the oldest can go while the newest fills
 * @param chunkBytes the most bytes one chunk (one {@code pwritev}) holds; at least 64 KiB, and a
 *     chunk must fit in a segment (2 MiB default: large enough that a write runs at the disk's
 *     sequential rate, small enough that the drain frees buffers often)
 * @param packThreshold frames whose stored length is at most this are copied into the chunk's
 *     record area; longer ones are written straight from their pool buffer
 * @param checkpointIntervalNs how often {@code sync()} also rewrites the checkpoint: bounds the
 *     chunks recovery has to scan (at the disk's rate, well under the 1 s recovery budget)
 * @param recycle when the log is at capacity, reuse the oldest segment's file (renamed) instead of
 *     deleting it and preallocating a new one: its blocks are already written, so a direct write
 *     and fdatasync into it need no extent conversion in the file system's journal (a fresh
 *     fallocated extent is "unwritten" until its first write). On in the defaults: measured here
 *     1.5-1.8 GB/s into written blocks against ~1.0 GB/s into unwritten ones (BENCHMARKS.md,
 *     "recycled segments"). A held segment ({@link SegmentHold}) is never recycled.
 */
public record SegmentConfig(long segmentSize, long capacityBytes, int chunkBytes, int packThreshold,
                            long checkpointIntervalNs, boolean recycle) {
    public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
    public static final int DEFAULT_CHUNK_BYTES = 2 << 20;
    /**
     * Frames up to 2 KiB (every frame of the default 2 KiB pool buffers) are copied. Measured on the
     * virtio disk (BENCHMARKS.md, "segment tier: copy or gather"): one 1 MiB O_DIRECT write of 1024
     * gathered 1.5 KiB iovecs runs at 374-513 MB/s, 4 KiB iovecs at 857-939 MB/s, one contiguous
     * buffer at 1.3-2.4 GB/s: each iovec is a DMA segment the device handles on its own, and up to
     * a few KiB that costs far more than the CPU's copy (~0.1 µs per KiB).
     */
    public static final int DEFAULT_PACK_THRESHOLD = 2048;
    public static final long DEFAULT_CHECKPOINT_INTERVAL_NS = 250_000_000L;
    public static final int MIN_CHUNK_BYTES = 64 * 1024;

    /** With recycling on, as the defaults. */
    public SegmentConfig(long segmentSize, long capacityBytes, int chunkBytes, int packThreshold, long checkpointIntervalNs) {
        this(segmentSize, capacityBytes, chunkBytes, packThreshold, checkpointIntervalNs, true);
    }

    public SegmentConfig {
        if (segmentSize < SegmentDescriptor.SIZE_UNIT || segmentSize % SegmentDescriptor.SIZE_UNIT != 0) {
            throw new SegmentException("segment size " + segmentSize + " must be a positive multiple of 1 MiB");
        }
        if (capacityBytes < 2 * segmentSize) {
            throw new SegmentException("log size " + capacityBytes + " bytes is less than two segments of "
                    + segmentSize + " bytes");
        }
        if (chunkBytes < MIN_CHUNK_BYTES
                || chunkBytes > segmentSize - SegmentDescriptor.HEADER_SIZE - SegmentDescriptor.FOOTER_SIZE - 64 * 1024) {
            throw new SegmentException("chunk size " + chunkBytes + " must be at least " + MIN_CHUNK_BYTES
                    + " and leave room for the header, index and footer in a segment of " + segmentSize + " bytes");
        }
        if (packThreshold < 0 || packThreshold > chunkBytes / 4) {
            throw new SegmentException("pack threshold " + packThreshold + " must be between 0 and " + chunkBytes / 4);
        }
        if (checkpointIntervalNs < 0) {
            throw new SegmentException("checkpoint interval " + checkpointIntervalNs + " ns must be >= 0");
        }
    }

    /** Defaults for a log of {@code capacityBytes}. */
    public static SegmentConfig of(long capacityBytes) {
        return new SegmentConfig(DEFAULT_SEGMENT_SIZE, capacityBytes, DEFAULT_CHUNK_BYTES, DEFAULT_PACK_THRESHOLD,
                DEFAULT_CHECKPOINT_INTERVAL_NS);
    }

    /** Defaults for a log of {@code capacityBytes} in segments of {@code segmentSize}. */
    public static SegmentConfig of(long capacityBytes, long segmentSize) {
        return new SegmentConfig(segmentSize, capacityBytes, maxChunk(segmentSize), DEFAULT_PACK_THRESHOLD,
                DEFAULT_CHECKPOINT_INTERVAL_NS);
    }

    public SegmentConfig withSegmentSize(long size) {
        return new SegmentConfig(size, capacityBytes, Math.min(chunkBytes, maxChunk(size)), packThreshold,
                checkpointIntervalNs, recycle);
    }

    public SegmentConfig withChunkBytes(int bytes) {
        return new SegmentConfig(segmentSize, capacityBytes, bytes, packThreshold, checkpointIntervalNs, recycle);
    }

    public SegmentConfig withPackThreshold(int threshold) {
        return new SegmentConfig(segmentSize, capacityBytes, chunkBytes, threshold, checkpointIntervalNs, recycle);
    }

    public SegmentConfig withCheckpointIntervalNs(long ns) {
        return new SegmentConfig(segmentSize, capacityBytes, chunkBytes, packThreshold, ns, recycle);
    }

    public SegmentConfig withRecycle(boolean on) {
        return new SegmentConfig(segmentSize, capacityBytes, chunkBytes, packThreshold, checkpointIntervalNs, on);
    }

    private static int maxChunk(long segmentSize) {
        return (int) Math.min(DEFAULT_CHUNK_BYTES, segmentSize / 4);
    }
}

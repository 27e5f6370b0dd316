package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C over ranges of a (possibly > 2 GiB) mapping without allocating per call: the mapping is
 * viewed once as overlapping direct {@link ByteBuffer}s of 1 GiB each, and a range is fed to
 * {@link CRC32C#update(ByteBuffer)} (an intrinsic) through the view that contains it.
 *
 * <p>Not thread-safe: the views' positions are mutated. Each thread (writer, each reader) uses its
 * own instance.
 */
final class SegmentCrc {
    private static final int CHUNK_SHIFT = 30;
    private static final long CHUNK = 1L << CHUNK_SHIFT;
    /** Views overlap by this much so that a range of up to this length never straddles two views. */
    private static final long OVERLAP = 1L << 16;

    private final ByteBuffer[] views;

    SegmentCrc(MemorySegment segment) {
        long size = segment.byteSize();
        int chunks = (int) Math.max(1, (size + CHUNK - 1) >>> CHUNK_SHIFT);
        views = new ByteBuffer[chunks];
        for (int i = 0; i < chunks; i++) {
            long start = (long) i << CHUNK_SHIFT;
            long end = Math.min(size, start + CHUNK + OVERLAP);
            views[i] = segment.asSlice(start, Math.max(0, end - start)).asByteBuffer();
        }
    }

    /** Feeds {@code [offset, offset + length)} (length <= 64 KiB) to {@code crc}. */
    void update(CRC32C crc, long offset, int length) {
        ByteBuffer view = views[(int) (offset >>> CHUNK_SHIFT)];
        int rel = (int) (offset & (CHUNK - 1));
        view.limit(rel + length).position(rel);
        crc.update(view);
    }
}

package io.pswitch.pktlog.segment;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C over ranges of a few long-lived segments (the staging buffer, the pool, a read buffer)
 * without allocating per call: each segment is viewed once as overlapping {@link ByteBuffer}s of
 * 1 GiB and a range goes to the {@link CRC32C#update(ByteBuffer)} intrinsic through the view that
 * holds it. The views of the last {@link #SLOTS} segments are cached by identity, so callers pass
 * the same segment instance (the pool's whole segment and an offset, never a fresh slice).
 *
 * <p>Not thread-safe (the views' positions move): one instance per thread.
 */
final class Crc32c {
    private static final int SLOTS = 4;
    private static final int VIEW_SHIFT = 30;
    private static final long VIEW = 1L << VIEW_SHIFT;
    /** Views overlap by this much, so that a range of up to this length never straddles two. */
    static final int MAX_RANGE = 1 << 16;

    private final CRC32C crc = new CRC32C();
    private final MemorySegment[] segments = new MemorySegment[SLOTS];
    private final ByteBuffer[][] views = new ByteBuffer[SLOTS][];
    private int next;

    void reset() {
        crc.reset();
    }

    int value() {
        return (int) crc.getValue();
    }

    /** Feeds {@code [offset, offset + length)} of {@code seg}, {@code length <= MAX_RANGE}. */
    void update(MemorySegment seg, long offset, int length) {
        if (length == 0) {
            return;
        }
        ByteBuffer[] v = viewsOf(seg);
        ByteBuffer view = v[(int) (offset >>> VIEW_SHIFT)];
        int rel = (int) (offset & (VIEW - 1));
        view.limit(rel + length).position(rel);
        crc.update(view);
    }

    /** CRC32C of one range, from a fresh start. */
    int of(MemorySegment seg, long offset, int length) {
        crc.reset();
        update(seg, offset, length);
        return (int) crc.getValue();
    }

    private ByteBuffer[] viewsOf(MemorySegment seg) {
        for (int i = 0; i < SLOTS; i++) {
            if (segments[i] == seg) {
                return views[i];
            }
        }
        long size = seg.byteSize();
        int n = (int) Math.max(1, (size + VIEW - 1) >>> VIEW_SHIFT);
        ByteBuffer[] v = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            long start = (long) i << VIEW_SHIFT;
            long end = Math.min(size, start + VIEW + MAX_RANGE);
            v[i] = seg.asSlice(start, Math.max(0, end - start)).asByteBuffer();
        }
        int slot = next;
        next = (next + 1) % SLOTS;
        segments[slot] = seg;
        views[slot] = v;
        return v;
    }
}

package io.pswitch.pktlog.filter;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What both evaluators (the interpreter and bytecode compiled from a program) read frames with:
 * network-order layouts, and the clamp that makes the captured length safe to trust.
 */
final class FrameAccess {
    static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private FrameAccess() {
    }

    /** The bytes a program may load: {@code capLen}, but never past the segment's end nor below 0. */
    static long captured(MemorySegment segment, long offset, int capLen) {
        long room = segment.byteSize() - offset;
        return offset < 0 || room < 0 ? 0 : Math.max(0, Math.min(capLen, room));
    }
}

package io.pswitch.dataplane.logging;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Frames and stored bytes logged by one filter (by id), kept across filter-set changes so a
 * filter's totals survive an edit of another. Written by the dataplane thread only, read by any.
 */
public final class FilterCounters {
    private static final VarHandle FRAMES;
    private static final VarHandle BYTES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FRAMES = l.findVarHandle(FilterCounters.class, "frames", long.class);
            BYTES = l.findVarHandle(FilterCounters.class, "bytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int filterId;
    @SuppressWarnings("unused") // through FRAMES
    private long frames;
    @SuppressWarnings("unused") // through BYTES
    private long bytes;

    FilterCounters(int filterId) {
        this.filterId = filterId;
    }

    /** Single writer: an opaque store is enough for readers never to see a torn or stale-forever value. */
    void add(int storedBytes) {
        FRAMES.setOpaque(this, (long) FRAMES.getOpaque(this) + 1);
        BYTES.setOpaque(this, (long) BYTES.getOpaque(this) + storedBytes);
    }

    public int filterId() {
        return filterId;
    }

    public long frames() {
        return (long) FRAMES.getOpaque(this);
    }

    public long bytes() {
        return (long) BYTES.getOpaque(this);
    }
}

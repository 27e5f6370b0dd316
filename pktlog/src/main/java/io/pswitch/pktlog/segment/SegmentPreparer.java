package io.pswitch.pktlog.segment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.Agent;

/**
 * Keeps the next segment's file ready ahead of need, its blocks written once with zeros, so that
 * the drain never writes into a freshly preallocated file. On ext4 a preallocated extent is
 * "unwritten" until its first write, and every {@code fdatasync} after a write into one must
 * commit the journal (the extent's conversion) on top of the device flush: measured here 0.3-1.5
 * ms per 4 KiB write and flush, against 0.16-0.19 ms into written blocks (BENCHMARKS.md). For
 * {@code sync} durability, where a frame waits for each flush, that is the latency; the zeros cost
 * one extra sequential write of each new segment, off the drain's path, until the log is at its
 * capacity. From then on the oldest segment's file is reused instead ({@link SegmentConfig#recycle}):
 * its blocks are written already, so no zeroing pass is needed, and the writer {@link #retire}s the
 * preparer (its spare is deleted on this agent's thread, none is made until {@link #resume}).
 *
 * <p>The spare is {@value #SPARE_NAME} in the segments directory: not a segment's name, so
 * recovery and readers never look at it. It holds nothing but zeros (a crash while it is made
 * leaves unwritten blocks, which read as zeros too); the writer renames it to its new segment's
 * name and writes the header, exactly as into a preallocated file. It is one segment beyond
 * {@code --log-size} on the disk; when the file system has no room for it, none is made.
 *
 * <p>Hand-over without locks: {@link #state} goes EMPTY -> PREPARING -> READY on this agent's
 * thread, READY -> TAKEN -> EMPTY on the drain's ({@link #take}, {@link #taken}); a retired
 * preparer's READY -> PREPARING (deleting) -> EMPTY on this agent's. Both threads leave READY, so
 * that step is a compare-and-set.
 */
public final class SegmentPreparer implements Agent {
    public static final String SPARE_NAME = "next-segment.pswprep";
    static final int EMPTY = 0;
    static final int PREPARING = 1;
    static final int READY = 2;
    static final int TAKEN = 3;
    /** After a failure (no room, no direct I/O) the next attempt waits this long. */
    static final long RETRY_NS = 5_000_000_000L;
    /**
     * Zeros per write, and the pause after each. A flush is device-wide: a {@code sync} flush of
     * the drain while the spare is being made also flushes the zeros written since the previous one,
     * and the drain's write waits behind those still queued. In a probe on this disk (BENCHMARKS.md,
     * "sync's tail"), back-to-back 1 MiB pieces took the drain's 272 KiB write and flush from p99
     * 0.4-3.4 ms alone to 19-22 ms; 128 KiB pieces with a 0.5 ms pause to 0.6-3.1 ms, with 0.25 ms
     * to 3.4-4.9 ms. 0.25 ms still zeros about 300 MB/s, more than the drain logged under
     * {@code sync} here, so the spare is ready before the segment is full (0.5 ms: about 200 MB/s).
     */
    private static final int ZERO_BYTES = 128 << 10;
    private static final long ZERO_PAUSE_NS = 250_000L;

    private final Path dir;
    private final Path spare;
    private final long size;
    private final NativeIo io = new NativeIo();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment zeros;
    private final MemorySegment iov;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SegmentPreparer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state = EMPTY;
    /** Set by the drain while new segments are recycled files: no spare is needed. */
    private volatile boolean retired;
    private volatile long prepared;
    private volatile long discarded;
    private volatile String problem;
    private long retryAtNs;

    SegmentPreparer(Path dir, long size) {
        this.dir = dir;
        this.spare = dir.resolve(SPARE_NAME);
        this.size = size;
        this.zeros = arena.allocate(ZERO_BYTES, 4096);
        this.iov = arena.allocate(NativeIo.IOVEC_SIZE, 8);
        // A spare left by an earlier run may be half made: made again.
        SegmentFile.deleteQuietly(spare);
    }

    /** The preparer of the writer's segments; {@link SegmentWriter#prepareWith} it before its agent runs. */
    public static SegmentPreparer of(SegmentWriter writer) {
        return new SegmentPreparer(writer.directory(), writer.segmentSize());
    }

    @Override
    public String roleName() {
        return "pswitch-segment-prepare";
    }

    @Override
    public int doWork() {
        if (retired) {
            return discardSpare();
        }
        if (state != EMPTY || (retryAtNs != 0 && System.nanoTime() - retryAtNs < 0)) {
            return 0;
        }
        state = PREPARING;
        String why = prepare();
        if (why == null) {
            prepared++;
            retryAtNs = 0;
            state = READY;
        } else {
            problem = why;
            SegmentFile.deleteQuietly(spare);
            retryAtNs = System.nanoTime() + RETRY_NS;
            state = EMPTY;
        }
        return 1;
    }

    /** Writes the spare: preallocated, every block written with zeros, durable with its name. */
    private String prepare() {
        int fd = io.open(spare, NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_DIRECT, 0644);
        if (fd < 0) {
            return spare + ": cannot create: " + NativeIo.describe(io.errno());
        }
        try {
            if (io.fallocate(fd, 0, size) != 0) {
                return spare + ": cannot preallocate " + size + " bytes: " + NativeIo.describe(io.errno());
            }
            iov.set(ValueLayout.JAVA_LONG, 0, zeros.address());
            for (long at = 0; at < size; at += ZERO_BYTES) {
                long len = Math.min(ZERO_BYTES, size - at);
                iov.set(ValueLayout.JAVA_LONG, 8, len);
                if (io.pwritev(fd, iov, 1, at) != len) {
                    return spare + ": cannot write zeros at " + at + ": " + NativeIo.describe(io.errno());
                }
                LockSupport.parkNanos(ZERO_PAUSE_NS);
            }
            if (io.fdatasync(fd) != 0) {
                return spare + ": fdatasync failed: " + NativeIo.describe(io.errno());
            }
        } finally {
            io.close(fd);
        }
        SegmentFile.forceDirectory(dir);
        return null;
    }

    /** A retired preparer's spare is one segment of disk beyond the log's size that nothing will take: it goes. */
    private int discardSpare() {
        if (!STATE.compareAndSet(this, READY, PREPARING)) {
            return 0;
        }
        SegmentFile.deleteQuietly(spare);
        SegmentFile.forceDirectory(dir);
        discarded++;
        state = EMPTY;
        return 1;
    }

    /** Drain thread: the ready spare's path (now the caller's to rename), or null when none is ready. */
    Path take() {
        return STATE.compareAndSet(this, READY, TAKEN) ? spare : null;
    }

    /** Drain thread: new segments are recycled files now; no spare is made (a ready one is deleted). */
    void retire() {
        retired = true;
    }

    /** Drain thread: a new segment came without a recycled file (e.g. the oldest was held): spares are made again. */
    void resume() {
        retired = false;
    }

    /** Whether the preparer is retired (the log is at its size and recycles its oldest segment). */
    public boolean retired() {
        return retired;
    }

    /** Spares deleted unused because recycling made them unnecessary. */
    public long discarded() {
        return discarded;
    }

    /** Drain thread: the taken spare has its new name (or is gone); the next one may be made. */
    void taken() {
        state = EMPTY;
    }

    /** Spares made since start. */
    public long prepared() {
        return prepared;
    }

    /** Why the last spare could not be made, or null. */
    public String problem() {
        return problem;
    }

    @Override
    public void onClose() {
        io.close();
        arena.close();
    }
}

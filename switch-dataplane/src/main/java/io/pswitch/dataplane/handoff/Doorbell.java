package io.pswitch.dataplane.handoff;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

/**
 * How a worker that sleeps in {@code poll(2)} ({@code --idle wait}) is woken by another thread that
 * queued work for it: a frame, a returned buffer or a station from another worker, a match for the
 * log from another worker's tap, a command. The kernel wakes a sleeping worker for a frame on its
 * own ports; without a doorbell, work from another thread would wait for the poll's timeout.
 *
 * <p>An {@code eventfd} the sleeper adds to its poll set, and an {@code armed} flag. The sleeper
 * {@link #arm() arms} it, then checks once more that nothing is queued for it, then polls. A
 * producer {@link #ring() rings} after it published: only if the sleeper is armed does it write the
 * eventfd, so a busy worker's producers pay a fence and a load per duty cycle, never a system call,
 * and a sleeping worker is written to once per sleep (the ringer that clears the flag writes).
 *
 * <p>Why no wake-up is lost (the Dekker pattern): the sleeper stores {@code armed}, then loads the
 * queues; a producer stores a queue's tail, then loads {@code armed}; a full fence sits between the
 * store and the load on both sides, so at least one of them sees the other's store: either the
 * sleeper sees the work and does not poll, or the producer sees the flag and writes the eventfd.
 *
 * <p>The eventfd is closed when the doorbell is no longer reachable (a {@link Cleaner}), not by a
 * close call: every thread that could ring it holds it, so a ring never writes to a descriptor
 * number the process has closed and perhaps reused for something else.
 *
 * <p>Threads: {@link #arm()}, {@link #disarm(boolean)} on the sleeper's; {@link #ring()} on any.
 */
public final class Doorbell {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle EVENTFD = LINKER.downcallHandle(
            LINKER.defaultLookup().find("eventfd").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = LINKER.downcallHandle(
            LINKER.defaultLookup().find("read").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("write").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final VarHandle ARMED;

    static {
        try {
            ARMED = MethodHandles.lookup().findVarHandle(Doorbell.class, "armed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int fd;
    /** The eventfd's 8-byte counter, read and written through here (one per doorbell: a ringer and the sleeper may overlap). */
    private final MemorySegment ringValue;
    private final MemorySegment drainValue;
    @SuppressWarnings("unused") // through ARMED
    private int armed;

    private Doorbell(int fd) {
        this.fd = fd;
        Arena arena = Arena.ofAuto();
        this.ringValue = arena.allocate(JAVA_LONG);
        this.ringValue.set(JAVA_LONG, 0, 1L);
        this.drainValue = arena.allocate(JAVA_LONG);
        CLEANER.register(this, new CloseFd(fd));
    }

    /** A doorbell with its eventfd. */
    public static Doorbell open() {
        int fd;
        try {
            fd = (int) EVENTFD.invokeExact(0, EFD_NONBLOCK | EFD_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd failed", t);
        }
        if (fd < 0) {
            throw new IllegalStateException("cannot create an eventfd to wake a sleeping worker (too many open files?)");
        }
        return new Doorbell(fd);
    }

    /** The descriptor the sleeper polls for {@code POLLIN}. */
    public int fd() {
        return fd;
    }

    /** Sleeper, before its last look at its queues: from now on a producer that publishes writes the eventfd. */
    public void arm() {
        ARMED.setVolatile(this, 1);
        VarHandle.fullFence();
    }

    /**
     * Sleeper, after its poll returned (or instead of it, when the last look found work).
     *
     * @param rung whether the poll reported the eventfd readable: its counter is reset, so that the
     *             next poll sleeps (a ring that lands after this is at most one early wake-up)
     */
    public void disarm(boolean rung) {
        ARMED.setOpaque(this, 0);
        if (rung) {
            try {
                long ignored = (long) READ.invokeExact(fd, drainValue.address(), 8L);
            } catch (Throwable t) {
                throw new IllegalStateException("reading the worker's eventfd failed", t);
            }
        }
    }

    /** Whether the sleeper is armed (tests; a reading). */
    public boolean isArmed() {
        return (int) ARMED.getVolatile(this) == 1;
    }

    /** Any thread, after publishing work for the sleeper: wakes it if it sleeps or is about to. */
    public void ring() {
        VarHandle.fullFence();
        if ((int) ARMED.getVolatile(this) == 1 && ARMED.compareAndSet(this, 1, 0)) {
            try {
                long ignored = (long) WRITE.invokeExact(fd, ringValue.address(), 8L);
            } catch (Throwable t) {
                throw new IllegalStateException("writing the worker's eventfd failed", t);
            } finally {
                // The cleaner must not close the descriptor while the write uses its number.
                Reference.reachabilityFence(this);
            }
        }
    }

    /** The cleaning action: holds the descriptor, not the doorbell. */
    private record CloseFd(int fd) implements Runnable {
        @Override
        public void run() {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw new IllegalStateException("close of a worker's eventfd failed", t);
            }
        }
    }
}

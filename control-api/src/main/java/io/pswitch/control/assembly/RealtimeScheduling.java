package io.pswitch.control.assembly;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Puts the calling thread (the dataplane thread) under {@code SCHED_FIFO} at a given priority, for
 * {@code --rt-priority}. A frame that arrives while the thread sleeps in {@code poll} ({@code --idle
 * wait}) then wakes it at once, ahead of any normal task on its core, instead of after that task's
 * time slice. Meant with {@code wait}: a real-time thread that spins ({@code busy}) would keep its
 * core from every normal task but for the kernel's fair-server share.
 */
final class RealtimeScheduling {
    static final int SCHED_FIFO = 1;
    static final int MIN_PRIORITY = 1;
    static final int MAX_PRIORITY = 99;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_VALUE = Linker.Option.captureStateLayout()
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    /** {@code int sched_setscheduler(pid_t pid, int policy, const struct sched_param *param)}; pid 0 is the calling thread. */
    private static final MethodHandle SCHED_SETSCHEDULER = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_setscheduler").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ValueLayout.ADDRESS), ERRNO);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                    java.lang.foreign.MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)), JAVA_INT));

    private RealtimeScheduling() {
    }

    /**
     * Applies {@code SCHED_FIFO} at {@code priority} to the calling thread.
     *
     * @return null when done, else the kernel's reason (e.g. "Operation not permitted")
     */
    static String applyToCurrentThread(int priority) {
        try (Arena arena = Arena.ofConfined()) {
            // struct sched_param { int sched_priority; }
            MemorySegment param = arena.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int r = (int) SCHED_SETSCHEDULER.invokeExact(state, 0, SCHED_FIFO, param);
            if (r == 0) {
                return null;
            }
            int errno = (int) ERRNO_VALUE.get(state, 0L);
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.getString(0);
        } catch (Throwable t) {
            return t.toString();
        }
    }
}

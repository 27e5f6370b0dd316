package io.pswitch.pktlog.sched;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one home of pswitch's thread scheduling calls (FFM): {@code SCHED_FIFO} for the dataplane
 * thread ({@code --rt-priority}) and a nice value for the log's storage threads
 * ({@code --storage-nice}, see {@link StorageThreads}). Both act on the calling thread only: Linux
 * schedules threads, and a policy or nice value given to one thread leaves the others of the
 * process as they are.
 */
public final class ThreadScheduling {
    public static final int SCHED_FIFO = 1;
    public static final int MIN_RT_PRIORITY = 1;
    public static final int MAX_RT_PRIORITY = 99;
    public static final int MIN_NICE = -20;
    public static final int MAX_NICE = 19;
    /** {@code setpriority}'s {@code which}: with a thread id as {@code who}, that one thread. */
    private static final int PRIO_PROCESS = 0;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_VALUE = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** {@code int sched_setscheduler(pid_t pid, int policy, const struct sched_param *param)}; pid 0 is the calling thread. */
    private static final MethodHandle SCHED_SETSCHEDULER = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_setscheduler").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ValueLayout.ADDRESS), ERRNO);
    /** {@code int setpriority(int which, id_t who, int prio)}. */
    private static final MethodHandle SETPRIORITY = LINKER.downcallHandle(LINKER.defaultLookup().find("setpriority").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    /** {@code int getpriority(int which, id_t who)}: the nice value (-1 is a valid one: errno tells). */
    private static final MethodHandle GETPRIORITY = LINKER.downcallHandle(LINKER.defaultLookup().find("getpriority").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    /** {@code pid_t gettid(void)} (glibc 2.30+): setpriority's "process" is a thread given a thread id. */
    private static final MethodHandle GETTID = LINKER.downcallHandle(LINKER.defaultLookup().find("gettid").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)),
                    JAVA_INT));

    private ThreadScheduling() {
    }

    /**
     * Applies {@code SCHED_FIFO} at {@code priority} to the calling thread (the dataplane thread,
     * {@code --rt-priority}). A frame that arrives while the thread sleeps in {@code poll}
     * ({@code --idle wait}) then wakes it at once, ahead of any normal task on its core, instead of
     * after that task's time slice. Meant with {@code wait}: a real-time thread that spins
     * ({@code busy}) would keep its core from every normal task but for the kernel's fair-server share.
     *
     * @return null when done, else the kernel's reason (e.g. "Operation not permitted")
     */
    public static String realtimeCurrentThread(int priority) {
        try (Arena arena = Arena.ofConfined()) {
            // struct sched_param { int sched_priority; }
            MemorySegment param = arena.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int r = (int) SCHED_SETSCHEDULER.invokeExact(state, 0, SCHED_FIFO, param);
            return r == 0 ? null : reason(state);
        } catch (Throwable t) {
            return t.toString();
        }
    }

    /**
     * Sets the calling thread's nice value.
     *
     * @return null when done, else the kernel's reason (e.g. "Permission denied": a nice below the
     *     current one needs CAP_SYS_NICE or a high enough RLIMIT_NICE)
     */
    public static String niceCurrentThread(int nice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int r = (int) SETPRIORITY.invokeExact(state, PRIO_PROCESS, currentTid(), nice);
            return r == 0 ? null : reason(state);
        } catch (Throwable t) {
            return t.toString();
        }
    }

    /** The nice value of thread {@code tid}, as the kernel has it. */
    public static int niceOf(int tid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            ERRNO_VALUE.set(state, 0L, 0);
            int nice = (int) GETPRIORITY.invokeExact(state, PRIO_PROCESS, tid);
            if (nice == -1 && (int) ERRNO_VALUE.get(state, 0L) != 0) {
                throw new IllegalStateException("getpriority of thread " + tid + ": " + reason(state));
            }
            return nice;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The calling thread's kernel id (what /proc/self/task lists, and ps -L shows). */
    public static int currentTid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static String reason(MemorySegment state) throws Throwable {
        int errno = (int) ERRNO_VALUE.get(state, 0L);
        MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
        return text.getString(0);
    }
}

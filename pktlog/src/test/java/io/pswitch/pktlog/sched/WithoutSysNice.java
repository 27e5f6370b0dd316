package io.pswitch.pktlog.sched;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Runs code on a thread without {@code CAP_SYS_NICE} in its effective set: what a non-root switch
 * has. Linux keeps capabilities per thread and a new thread inherits its creator's, so the threads
 * that code starts lack it too; the rest of the test JVM keeps it.
 */
final class WithoutSysNice {
    private static final int CAP_SYS_NICE = 23;
    /** {@code _LINUX_CAPABILITY_VERSION_3}: two 32-bit words per set. */
    private static final int VERSION_3 = 0x20080522;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CAPGET = LINKER.downcallHandle(LINKER.defaultLookup().find("capget").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CAPSET = LINKER.downcallHandle(LINKER.defaultLookup().find("capset").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private WithoutSysNice() {
    }

    /** Whether the calling thread has CAP_SYS_NICE in its effective set. */
    static boolean effective() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = header(arena);
            MemorySegment data = arena.allocate(24);
            if ((int) CAPGET.invokeExact(header, data) != 0) {
                throw new IllegalStateException("capget failed");
            }
            return (data.get(JAVA_INT, 0) & (1 << CAP_SYS_NICE)) != 0;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Calls {@code body} on a new thread that first dropped CAP_SYS_NICE from its effective set. */
    static <T> T call(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment header = header(arena);
                // struct __user_cap_data_struct { u32 effective, permitted, inheritable; } [2]
                MemorySegment data = arena.allocate(24);
                if ((int) CAPGET.invokeExact(header, data) != 0) {
                    throw new IllegalStateException("capget failed");
                }
                data.set(JAVA_INT, 0, data.get(JAVA_INT, 0) & ~(1 << CAP_SYS_NICE));
                if ((int) CAPSET.invokeExact(header, data) != 0) {
                    throw new IllegalStateException("capset failed");
                }
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "without-sys-nice");
        t.start();
        return result.get();
    }

    private static MemorySegment header(Arena arena) {
        // struct __user_cap_header_struct { u32 version; int pid; }, pid 0: the calling thread
        MemorySegment header = arena.allocate(8);
        header.set(JAVA_INT, 0, VERSION_3);
        header.set(JAVA_INT, 4, 0);
        return header;
    }
}

package io.pswitch.control.warmup.netns;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The C library calls of the private network namespace, through the FFM API, and nowhere else:
 * {@code unshare(CLONE_NEWNET)} and {@code gettid()} for the calling thread, and the interface-flags
 * ioctls that bring an interface up. Cold path.
 *
 * <p>{@code struct ifreq} as these ioctls use it (40 bytes on LP64):
 * <pre>
 *  0                16   18                                    40
 * +------------------+----+-------------------------------------+
 * | ifr_name[16]     |ifr_flags (short) | rest of the union     |
 * +------------------+----+-------------------------------------+
 * </pre>
 */
final class NetnsCalls {
    static final int CLONE_NEWNET = 0x4000_0000;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final short IFF_UP = 0x1;
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;
    private static final long IFR_FLAGS = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle UNSHARE = fn("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETTID = LINKER.downcallHandle(LINKER.defaultLookup().find("gettid").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private NetnsCalls() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d, ERRNO);
    }

    /** The kernel id of the calling thread (its {@code /proc/<pid>/task/<tid>}). */
    static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("gettid: " + t, t);
        }
    }

    /**
     * Moves the calling thread, and only it, into a new network namespace: namespaces belong to a
     * task, and a JVM thread is one task. Threads it starts afterwards would be born there too.
     *
     * @return null when done, else the kernel's reason
     */
    static String unshareNetwork() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) UNSHARE.invokeExact(state, CLONE_NEWNET);
            return r == 0 ? null : "unshare(CLONE_NEWNET): " + strerror(state.get(JAVA_INT, ERRNO_OFFSET));
        } catch (Throwable t) {
            return "unshare(CLONE_NEWNET): " + t;
        }
    }

    /**
     * Sets IFF_UP on an interface of the calling thread's namespace.
     *
     * @return null when done, else the reason
     */
    static String up(String ifname) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            // The socket, like every socket, belongs to the namespace of the thread that creates it.
            int fd = (int) SOCKET.invokeExact(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                return "socket: " + strerror(state.get(JAVA_INT, ERRNO_OFFSET));
            }
            try {
                MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
                byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
                MemorySegment.copy(name, 0, ifr, JAVA_BYTE, 0, Math.min(name.length, IFNAMSIZ - 1));
                if ((int) IOCTL.invokeExact(state, fd, SIOCGIFFLAGS, ifr) < 0) {
                    return ifname + ": SIOCGIFFLAGS: " + strerror(state.get(JAVA_INT, ERRNO_OFFSET));
                }
                ifr.set(JAVA_SHORT, IFR_FLAGS, (short) (ifr.get(JAVA_SHORT, IFR_FLAGS) | IFF_UP));
                if ((int) IOCTL.invokeExact(state, fd, SIOCSIFFLAGS, ifr) < 0) {
                    return ifname + ": SIOCSIFFLAGS: " + strerror(state.get(JAVA_INT, ERRNO_OFFSET));
                }
                return null;
            } finally {
                int ignored = (int) CLOSE.invokeExact(state, fd);
            }
        } catch (Throwable t) {
            return ifname + ": " + t;
        }
    }

    private static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}

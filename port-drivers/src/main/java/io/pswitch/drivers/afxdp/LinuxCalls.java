package io.pswitch.drivers.afxdp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the AF_XDP driver makes, through the FFM API: every one is declared here and
 * nowhere else. Each call captures {@code errno} into a per-instance state segment, so the caller
 * reads the reason of a failure without a second native call racing it.
 *
 * <p>An instance is used by one thread at a time (its errno segment is not shared). Hot-path calls
 * ({@link #sendto}, {@link #recvfrom}, {@link #getsockopt}) pass pre-made segments and allocate
 * nothing.
 */
final class LinuxCalls {
    static final int AF_XDP = 44;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_XDP = 283;
    static final int PROT_READ_WRITE = 0x3;
    static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    static final int MSG_DONTWAIT = 0x40;
    static final long SYS_BPF = 321;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ENXIO = 6;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOBUFS = 105;
    static final int EOPNOTSUPP = 95;
    static final int EAFNOSUPPORT = 97;
    static final int ENETDOWN = 100;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = errnoCall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = errnoCall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = errnoCall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = errnoCall("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = errnoCall("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO = errnoCall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECVFROM = errnoCall("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle IF_NAMETOINDEX = errnoCall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle BPF = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            ERRNO_OPTION, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, java.lang.foreign.ValueLayout.JAVA_BYTE)), JAVA_INT));

    private final MemorySegment state;

    LinuxCalls(Arena arena) {
        this.state = arena.allocate(CAPTURE);
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        SymbolLookup libc = LINKER.defaultLookup();
        return LINKER.downcallHandle(libc.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name)),
                fd, ERRNO_OPTION);
    }

    /** errno of the last failed call made through this instance. */
    int errno() {
        return (int) ERRNO.get(state, 0L);
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** The reason of the last failure, as strerror words it. */
    String lastError() {
        return strerror(errno());
    }

    int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int bind(int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(state, fd, address, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** mmap of a shared, pre-faulted region of {@code fd}; returns the address or -1. */
    long mmap(long length, int fd, long offset) {
        try {
            return (long) MMAP.invokeExact(state, 0L, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int munmap(long address, long length) {
        try {
            return (int) MUNMAP.invokeExact(state, address, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The TX kick: an empty non-blocking send makes the kernel process the TX ring. */
    long kickTx(int fd) {
        try {
            return (long) SENDTO.invokeExact(state, fd, 0L, 0L, MSG_DONTWAIT, 0L, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The fill-ring kick: an empty non-blocking receive makes a driver that sleeps look at the fill ring. */
    long kickRx(int fd) {
        try {
            return (long) RECVFROM.invokeExact(state, fd, 0L, 0L, MSG_DONTWAIT, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The interface's index, 0 when there is no such interface. */
    int ifNameToIndex(String name, Arena arena) {
        try {
            return (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The bpf(2) system call on a zeroed {@code union bpf_attr} of {@code size} bytes. */
    long bpf(int cmd, MemorySegment attr) {
        try {
            return (long) BPF.invokeExact(state, SYS_BPF, (long) cmd, attr.address(), attr.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

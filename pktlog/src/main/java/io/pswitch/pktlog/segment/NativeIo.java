package io.pswitch.pktlog.segment;

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
import java.nio.file.Path;

/**
 * The libc calls of the segment tier, through the FFM API: open (with {@code O_DIRECT}),
 * {@code pwritev}, {@code pread}, {@code fdatasync}, {@code fallocate}, {@code statx}, close.
 *
 * <p>Each instance owns its errno capture buffer, so one instance belongs to one thread (the drain
 * owns the writer's); the steady-state calls ({@link #pwritev}, {@link #fdatasync}) allocate
 * nothing. Failures return -1 and leave the errno in {@link #errno()}; {@link #describe} makes the
 * one-line reason.
 */
final class NativeIo implements AutoCloseable {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_CLOEXEC = 02000000;
    /** Differs between architectures: 040000 on x86-64, 0200000 on arm64. */
    static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0200000 : 040000;

    static final int EINTR = 4;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int EOPNOTSUPP = 95;

    /** {@code struct iovec}: base pointer, length. */
    static final int IOVEC_SIZE = 16;
    /** The kernel's {@code UIO_MAXIOV}. */
    static final int IOV_MAX = 1024;

    private static final int AT_FDCWD = -100;
    private static final int STATX_DIOALIGN = 0x2000;
    private static final int STATX_SIZE = 256;
    private static final int STX_MASK_OFFSET = 0;
    /** {@code stx_blksize}: the file system's block size ("preferred I/O size"), always filled. */
    private static final int STX_BLKSIZE_OFFSET = 4;
    /** {@code stx_dio_mem_align} and {@code stx_dio_offset_align} (linux/stat.h since 6.1). */
    private static final int STX_DIO_MEM_ALIGN_OFFSET = 152;
    private static final int STX_DIO_OFFSET_ALIGN_OFFSET = 156;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle PWRITEV = LINKER.downcallHandle(LIBC.find("pwritev").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG), ERRNO);
    /**
     * The steady-state calls without errno capture: a capturing downcall allocates a little on each
     * call (JDK 25), which the drain must not. On failure the call is repeated through the
     * capturing handle only to learn the errno (see {@link #pwritev}).
     */
    private static final MethodHandle PWRITEV_FAST = LINKER.downcallHandle(LIBC.find("pwritev").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FDATASYNC_FAST = LINKER.downcallHandle(LIBC.find("fdatasync").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PREAD = LINKER.downcallHandle(LIBC.find("pread").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), ERRNO);
    private static final MethodHandle FDATASYNC = LINKER.downcallHandle(LIBC.find("fdatasync").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle FALLOCATE = LINKER.downcallHandle(LIBC.find("fallocate").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    private static final MethodHandle STATX = LINKER.downcallHandle(LIBC.find("statx").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), ERRNO);
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /**
     * Direct-I/O alignment of a file: file offsets and lengths must be multiples of
     * {@code offsetAlign}, buffer addresses multiples of {@code memAlign}.
     *
     * @param reported false when the kernel or file system did not report {@code STATX_DIOALIGN}
     *     (the values are then the safe 4096)
     * @param blockSize the file system's block size ({@code stx_blksize}), 0 when unknown: a direct
     *     write that starts or ends inside a block is "unaligned" to ext4 and XFS (serialised,
     *     partial blocks zeroed) even when it meets the DIO alignment
     */
    record DioAlignment(int memAlign, int offsetAlign, boolean reported, int blockSize) {
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState = arena.allocate(CALL_STATE);

    int errno() {
        return callState.get(JAVA_INT, ERRNO_OFFSET);
    }

    int open(Path path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(callState, a.allocateFrom(path.toString()), flags | O_CLOEXEC, mode);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * @return bytes written or -1 (see {@link #errno()}). A failed write is repeated once with
     *     errno capture: rewriting the same bytes at the same offset is harmless, and the second
     *     result (and its errno) is the one returned.
     */
    long pwritev(int fd, MemorySegment iov, int iovcnt, long offset) {
        try {
            long n = (long) PWRITEV_FAST.invokeExact(fd, iov, iovcnt, offset);
            if (n >= 0) {
                return n;
            }
            return (long) PWRITEV.invokeExact(callState, fd, iov, iovcnt, offset);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** @return bytes read (0 at end of file) or -1 */
    long pread(int fd, MemorySegment dst, long length, long offset) {
        try {
            return (long) PREAD.invokeExact(callState, fd, dst, length, offset);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * @return 0 or -1. A failure is final, whatever a repeat says (after a failed fdatasync the
     *     kernel may have dropped the dirty pages and report success next time): the repeat only
     *     captures an errno for the message, and -1 is returned even if it succeeds ({@link #errno()}
     *     is then 0: unknown).
     */
    int fdatasync(int fd) {
        try {
            int rc = (int) FDATASYNC_FAST.invokeExact(fd);
            if (rc == 0) {
                return 0;
            }
            callState.set(JAVA_INT, ERRNO_OFFSET, 0);
            int again = (int) FDATASYNC.invokeExact(callState, fd);
            if (again == 0) {
                callState.set(JAVA_INT, ERRNO_OFFSET, 0);
            }
            return -1;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Mode 0: allocates {@code [offset, offset + length)} and extends the file size over it. */
    int fallocate(int fd, long offset, long length) {
        try {
            return (int) FALLOCATE.invokeExact(callState, fd, 0, offset, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(callState, fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * The direct-I/O alignment of files in {@code path} (a file, or a directory: file systems
     * report it for regular files only, so a probe file is created and removed there) from
     * {@code statx} {@code STATX_DIOALIGN}. When it is not reported, 4096 for both: the largest
     * logical block size in use, so writes stay valid on any block device.
     */
    DioAlignment dioAlignment(Path path) {
        if (java.nio.file.Files.isDirectory(path)) {
            Path probe = path.resolve(".pswitch-dioalign-" + ProcessHandle.current().pid());
            try {
                java.nio.file.Files.deleteIfExists(probe);
                java.nio.file.Files.createFile(probe);
                return statxAlignment(probe);
            } catch (java.io.IOException e) {
                return new DioAlignment(4096, 4096, false, 0);
            } finally {
                SegmentFile.deleteQuietly(probe);
            }
        }
        return statxAlignment(path);
    }

    private DioAlignment statxAlignment(Path path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(STATX_SIZE, 8);
            int rc = (int) STATX.invokeExact(callState, AT_FDCWD, a.allocateFrom(path.toString()), 0, STATX_DIOALIGN, buf);
            int blk = rc == 0 ? buf.get(JAVA_INT, STX_BLKSIZE_OFFSET) : 0;
            if (rc == 0 && (buf.get(JAVA_INT, STX_MASK_OFFSET) & STATX_DIOALIGN) != 0) {
                int mem = buf.get(JAVA_INT, STX_DIO_MEM_ALIGN_OFFSET);
                int off = buf.get(JAVA_INT, STX_DIO_OFFSET_ALIGN_OFFSET);
                if (mem > 0 && off > 0) {
                    return new DioAlignment(mem, off, true, blk);
                }
            }
            return new DioAlignment(4096, 4096, false, blk);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** "No space left on device (errno 28)". */
    static String describe(int errno) {
        if (errno == 0) {
            return "failed (errno not known)";
        }
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}

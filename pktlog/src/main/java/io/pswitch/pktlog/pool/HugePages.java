package io.pswitch.pktlog.pool;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the hot tier on hugetlbfs: the pool (and the index beside it) on 2 MiB or 1 GiB pages, so
 * that a pool of 100s of MiB fits the TLB and a cold buffer (one retention handed back) costs a
 * cache miss, not a page walk too.
 *
 * <p>hugetlbfs has no {@code write(2)}, and its mappings (so their {@code munmap}) must cover whole
 * huge pages. So a file there is sized to a multiple of the page size, allocated with
 * {@code fallocate} (which takes the pages from the reserved pool at once: a full pool fails at
 * creation, with a line saying how many pages were needed and free, never as a SIGBUS on a later
 * store), and its header is written through the mapping. {@code read(2)}, {@code rename(2)},
 * {@code ftruncate} and {@code fsync} work there as anywhere.
 */
public final class HugePages {
    /** What a mapping of any other file system is made of. */
    public static final long SMALL_PAGE = 4096;

    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;
    private static final int O_CLOEXEC = 02000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FALLOCATE = LINKER.downcallHandle(LINKER.defaultLookup().find("fallocate").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private HugePages() {
    }

    /**
     * The huge page size of the hugetlbfs that holds {@code path} (or, while it does not exist, its
     * nearest existing parent), or 0 when it is not on hugetlbfs. hugetlbfs reports its page size as
     * the file system's block size.
     */
    public static long pageSize(Path path) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return 0;
        }
        try {
            FileStore store = Files.getFileStore(p);
            return "hugetlbfs".equals(store.type()) ? store.getBlockSize() : 0;
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    /**
     * Why {@code dataDir} cannot be a data directory, or null when it can: hugetlbfs holds the pool
     * and the index (mapped files), but the data directory's other files (layout, catalog, filters,
     * counters, segments) are written with write(2), which hugetlbfs does not have.
     */
    public static String dataDirRefusal(Path dataDir) {
        if (pageSize(dataDir) == 0) {
            return null;
        }
        return "the data directory " + dataDir + " is on hugetlbfs, which holds only the buffer pool and its index:"
                + " put the data directory on tmpfs or a disk and the pool on huge pages with --pool-dir (e.g. --pool-dir "
                + dataDir.toAbsolutePath().getParent() + ")";
    }

    /** The page size a mapping of {@code path} is made of: its huge page size, else 4 KiB. */
    public static long mappingPageSize(Path path) {
        long huge = pageSize(path);
        return huge > 0 ? huge : SMALL_PAGE;
    }

    public static long roundUp(long size, long pageSize) {
        return (size + pageSize - 1) / pageSize * pageSize;
    }

    /** "2 MiB" or "1 GiB". */
    public static String label(long pageSize) {
        return pageSize >= 1L << 30 ? (pageSize >> 30) + " GiB" : pageSize >= 1L << 20 ? (pageSize >> 20) + " MiB"
                : (pageSize >> 10) + " KiB";
    }

    /**
     * Huge pages of this size that a new file can still take: the kernel's free pages less those
     * already promised to mappings, and no more than the mount's own {@code size=} limit leaves.
     * -1 when the kernel does not say.
     */
    public static long freePages(Path dir, long pageSize) {
        Path sys = Path.of("/sys/kernel/mm/hugepages", "hugepages-" + (pageSize >> 10) + "kB");
        long free;
        try {
            free = Long.parseLong(Files.readString(sys.resolve("free_hugepages")).trim())
                    - Long.parseLong(Files.readString(sys.resolve("resv_hugepages")).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        try {
            FileStore store = Files.getFileStore(dir);
            // A mount without size= reports no total (statfs f_blocks 0): only the kernel's pool limits it.
            if (store.getTotalSpace() > 0) {
                free = Math.min(free, store.getUsableSpace() / pageSize);
            }
        } catch (IOException e) {
            // The kernel's count alone.
        }
        return Math.max(0, free);
    }

    /**
     * The one line for a hugetlbfs that cannot hold {@code size} bytes more: the path, the pages
     * needed and free, and how an operator gets more.
     */
    public static String noPages(String what, Path path, long size, long pageSize) {
        long free = freePages(path.toAbsolutePath().getParent(), pageSize);
        return "not enough huge pages for " + what + " " + path + ": " + roundUp(size, pageSize) / pageSize + " pages of "
                + label(pageSize) + " needed, " + (free < 0 ? "unknown" : Long.toString(free)) + " free (reserve more: echo N > "
                + "/sys/kernel/mm/hugepages/hugepages-" + (pageSize >> 10) + "kB/nr_hugepages, or raise the mount's size=)";
    }

    /**
     * Creates (or empties) {@code file} and gives it {@code size} bytes of huge pages, all allocated
     * now. On failure the file is removed and the reason comes back as one line; null on success.
     *
     * @param named the path the message names (the file's final name; {@code file} may be a temporary one)
     * @param size a multiple of {@code pageSize}
     */
    public static String allocate(String what, Path file, Path named, long size, long pageSize) {
        if (size % pageSize != 0) {
            throw new IllegalArgumentException(size + " bytes is not a multiple of the huge page size " + pageSize);
        }
        long free = freePages(file.toAbsolutePath().getParent(), pageSize);
        if (free >= 0 && free < size / pageSize) {
            return noPages(what, named, size, pageSize);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, a.allocateFrom(file.toString()), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) {
                return "cannot create " + what + " " + named + ": " + describe(state.get(JAVA_INT, ERRNO_OFFSET));
            }
            // Mode 0: allocates every page and sets the size, so the mapping's stores never fault for a page.
            int rc = (int) FALLOCATE.invokeExact(state, fd, 0, 0L, size);
            int errno = state.get(JAVA_INT, ERRNO_OFFSET);
            int closed = (int) CLOSE.invokeExact(fd);
            if (rc != 0) {
                deleteQuietly(file);
                return errno == 28 /* ENOSPC */ || errno == 12 /* ENOMEM */ ? noPages(what, named, size, pageSize)
                        : "cannot allocate " + size + " bytes of huge pages for " + what + " " + named + ": " + describe(errno);
            }
            return closed == 0 ? null : "cannot close " + named;
        } catch (Throwable t) {
            deleteQuietly(file);
            throw new IllegalStateException(t);
        }
    }

    /**
     * Maps {@code length} bytes of {@code ch} from offset 0, whole huge pages when {@code pageSize}
     * is a huge page size (the arena's unmap of a part of a huge page fails); the segment returned is
     * {@code length} bytes long either way.
     */
    public static MemorySegment map(FileChannel ch, FileChannel.MapMode mode, long length, long pageSize, Arena arena)
            throws IOException {
        if (pageSize <= SMALL_PAGE) {
            return ch.map(mode, 0, length, arena);
        }
        return ch.map(mode, 0, roundUp(length, pageSize), arena).asSlice(0, length);
    }

    private static String describe(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Best effort: the failure being reported matters more.
        }
    }
}

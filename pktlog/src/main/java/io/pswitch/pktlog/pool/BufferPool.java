package io.pswitch.pktlog.pool;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.UUID;

/**
 * The PASTE packet-buffer pool: fixed-size buffers in one named, memory-mapped file.
 *
 * <p>A frame is written into a pool buffer once, by the port driver that receives it, and is never
 * copied again: forwarding moves its {@code bufIdx} between ring slots, persisting flushes the
 * buffer in place. The mapping is a {@link MemorySegment}, so the pool has no 2 GiB limit.
 *
 * <p>Ownership: the free list is single-threaded and belongs to the dataplane thread that owns the
 * pool; every buffer is, at every instant, in exactly one place (free list, ring slot, batch in
 * flight, log). Buffers 0 and 1 are reserved and never on the free list.
 */
public final class BufferPool implements AutoCloseable {
    private static final int PREALLOCATE_CHUNK = 1 << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int bufferSize;
    private final int bufferShift;
    private final int bufferCount;
    private final UUID poolId;
    private final StorageClass storageClass;
    /** The mapping's page size: 4096, or the huge page size on hugetlbfs. */
    private final long pageSize;
    private final boolean created;
    private final int[] freeList;
    private int freeCount;
    /** Where {@link #warm}'s loads go, so that the JIT keeps them. Written by whoever warms; never read for its value. */
    @SuppressWarnings("unused")
    private long warmSink;

    private BufferPool(Path path, Arena arena, MemorySegment segment, StorageClass storageClass, long pageSize, boolean created) {
        this.path = path;
        this.pageSize = pageSize;
        this.arena = arena;
        this.segment = segment;
        this.storageClass = storageClass;
        this.created = created;
        this.bufferSize = BufferPoolDescriptor.bufferSize(segment);
        this.bufferShift = Integer.numberOfTrailingZeros(bufferSize);
        this.bufferCount = BufferPoolDescriptor.bufferCount(segment);
        this.poolId = BufferPoolDescriptor.poolId(segment);
        this.freeList = new int[bufferCount];
        // Highest index at the bottom so that allocation hands out low indices first (easier to read in dumps).
        for (int bufIdx = bufferCount - 1; bufIdx >= BufferPoolDescriptor.RESERVED_BUFFERS; bufIdx--) {
            freeList[freeCount++] = bufIdx;
        }
    }

    /**
     * Opens the pool file at {@code path}, creating and preallocating it when it does not exist.
     * An existing file must have the same layout version and geometry.
     *
     * @throws PoolFileException with a one-line explanation (path, sizes, free space) on any failure
     */
    public static BufferPool open(Path path, int bufferSize, int bufferCount) {
        String bad = BufferPoolDescriptor.validateGeometry(bufferSize, bufferCount);
        if (bad != null) {
            throw new PoolFileException("cannot use buffer pool " + path + ": " + bad);
        }
        boolean created = false;
        if (!Files.exists(path)) {
            create(path, bufferSize, bufferCount);
            created = true;
        }
        return map(path, bufferSize, bufferCount, created);
    }

    /**
     * Opens an existing pool file with the geometry its header records (for offline tools: verify,
     * export), never creating one.
     *
     * @throws PoolFileException when the file is missing or is not a pool
     */
    public static BufferPool openExisting(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new PoolFileException("no buffer pool at " + path);
        }
        MemorySegment h = readHeader(path);
        if (BufferPoolDescriptor.magic(h) != BufferPoolDescriptor.MAGIC) {
            throw new PoolFileException(path + " is not a pswitch buffer pool (bad magic)");
        }
        int bufferSize = BufferPoolDescriptor.bufferSize(h);
        int bufferCount = BufferPoolDescriptor.bufferCount(h);
        String bad = BufferPoolDescriptor.validateGeometry(bufferSize, bufferCount);
        if (bad != null) {
            throw new PoolFileException(path + " has an invalid header: " + bad);
        }
        return map(path, bufferSize, bufferCount, false);
    }

    /** The header page, read with read(2) (which hugetlbfs has, unlike write(2)). */
    private static MemorySegment readHeader(Path path) {
        ByteBuffer header = ByteBuffer.allocate(BufferPoolDescriptor.DATA_OFFSET);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
                // keep reading: a short file is reported below
            }
        } catch (IOException e) {
            throw new PoolFileException("cannot read buffer pool " + path + ": " + e.getMessage(), e);
        }
        if (header.position() < BufferPoolDescriptor.DATA_OFFSET) {
            throw new PoolFileException(path + " is not a pswitch buffer pool: shorter than its header");
        }
        return MemorySegment.ofBuffer(header.clear());
    }

    private static void create(Path path, int bufferSize, int bufferCount) {
        long size = BufferPoolDescriptor.fileSize(bufferSize, bufferCount);
        Path dir = path.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PoolFileException("cannot create directory " + dir + " for buffer pool: " + e.getMessage(), e);
        }
        // Built under a temporary name and renamed: a crash during creation never leaves a half pool
        // behind under the real name.
        Path tmp = dir.resolve(path.getFileName() + ".creating");
        long hugePage = HugePages.pageSize(dir);
        if (hugePage > 0) {
            createOnHugePages(tmp, path, bufferSize, bufferCount, HugePages.roundUp(size, hugePage), hugePage);
            rename(tmp, path);
            return;
        }
        long usable = usableSpace(dir);
        if (usable >= 0 && usable < size) {
            throw new PoolFileException(noSpace(path, size, usable));
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            preallocate(ch, size);
            ByteBuffer header = ByteBuffer.allocate(BufferPoolDescriptor.DATA_OFFSET);
            BufferPoolDescriptor.writeHeader(MemorySegment.ofBuffer(header), bufferSize, bufferCount,
                    UUID.randomUUID(), System.currentTimeMillis() * 1_000_000L);
            header.clear();
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(tmp);
            long free = usableSpace(dir);
            if (isNoSpace(e)) {
                throw new PoolFileException(noSpace(path, size, free), e);
            }
            throw new PoolFileException("cannot create buffer pool " + path + " (" + size + " bytes): " + e.getMessage(), e);
        }
        rename(tmp, path);
    }

    /**
     * hugetlbfs: whole huge pages, taken by fallocate now (see {@link HugePages}); the header is
     * stored through a mapping, as hugetlbfs has no write(2). Memory: a store is in the file at once,
     * and the msync below only keeps the same order of steps as on the other file systems.
     */
    private static void createOnHugePages(Path tmp, Path path, int bufferSize, int bufferCount, long size, long hugePage) {
        String failed = HugePages.allocate("buffer pool", tmp, path, size, hugePage);
        if (failed != null) {
            throw new PoolFileException(failed);
        }
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment file = HugePages.map(ch, FileChannel.MapMode.READ_WRITE, size, hugePage, arena);
            BufferPoolDescriptor.writeHeader(file.asSlice(0, BufferPoolDescriptor.DATA_OFFSET), bufferSize, bufferCount,
                    UUID.randomUUID(), System.currentTimeMillis() * 1_000_000L);
            file.asSlice(0, BufferPoolDescriptor.DATA_OFFSET).force();
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new PoolFileException("cannot write the header of buffer pool " + tmp + ": " + e.getMessage(), e);
        }
    }

    private static void rename(Path tmp, Path path) {
        try {
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new PoolFileException("cannot rename " + tmp + " to " + path + " atomically", e);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new PoolFileException("cannot rename " + tmp + " to " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes every byte so the blocks are really allocated: a full disk fails here, not as a SIGBUS later. */
    private static void preallocate(FileChannel ch, long size) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(PREALLOCATE_CHUNK);
        long position = 0;
        while (position < size) {
            zeros.clear();
            zeros.limit((int) Math.min(PREALLOCATE_CHUNK, size - position));
            while (zeros.hasRemaining()) {
                position += ch.write(zeros, position);
            }
        }
    }

    private static BufferPool map(Path path, int bufferSize, int bufferCount, boolean created) {
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new PoolFileException("buffer pool " + path + " disappeared while opening it", e);
        } catch (IOException e) {
            throw new PoolFileException("cannot read buffer pool " + path + ": " + e.getMessage(), e);
        }
        if (size < BufferPoolDescriptor.DATA_OFFSET) {
            throw new PoolFileException(path + " is not a pswitch buffer pool: " + size + " bytes, shorter than its header");
        }
        // Read, not mapped: a mapping of a part of a huge page could not be unmapped again.
        checkHeader(path, readHeader(path), size, bufferSize, bufferCount);
        long hugePage = HugePages.pageSize(path);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            StorageClass storageClass;
            MemorySegment segment;
            if (hugePage > 0) {
                // hugetlbfs is memory, and it has no MAP_SYNC to try.
                segment = HugePages.map(ch, FileChannel.MapMode.READ_WRITE, size, hugePage, arena);
                storageClass = StorageClass.VOLATILE;
            } else {
                try {
                    segment = ch.map(jdk.nio.mapmode.ExtendedMapMode.READ_WRITE_SYNC, 0, size, arena);
                    storageClass = StorageClass.DAX;
                } catch (IOException | UnsupportedOperationException notDax) {
                    // No DAX here ("Operation not supported"): fall back to a plain shared mapping.
                    segment = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                    storageClass = StorageClass.inMemory(path) ? StorageClass.VOLATILE : StorageClass.BLOCK;
                }
            }
            return new BufferPool(path, arena, segment, storageClass, hugePage > 0 ? hugePage : HugePages.SMALL_PAGE, created);
        } catch (IOException e) {
            arena.close();
            throw new PoolFileException("cannot map buffer pool " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Buffer size and count of an existing pool file, as its header says. */
    public record Geometry(int bufferSize, int bufferCount) {
    }

    /**
     * The geometry of the pool file at {@code path}, or null when there is none: a switch started
     * again on its data directory keeps the sizes it was created with unless told otherwise.
     *
     * @throws PoolFileException when the file is not a pswitch pool or cannot be read
     */
    public static Geometry geometry(Path path) {
        if (!Files.exists(path)) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(64);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read the header's first line
            }
        } catch (IOException e) {
            throw new PoolFileException("cannot read buffer pool " + path + ": " + e.getMessage(), e);
        }
        int read = buf.position();
        MemorySegment header = MemorySegment.ofBuffer(buf.clear());
        if (read < 64 || BufferPoolDescriptor.magic(header) != BufferPoolDescriptor.MAGIC) {
            throw new PoolFileException(path + " is not a pswitch buffer pool (bad magic)");
        }
        return new Geometry(BufferPoolDescriptor.bufferSize(header), BufferPoolDescriptor.bufferCount(header));
    }

    private static void checkHeader(Path path, MemorySegment header, long size, int bufferSize, int bufferCount) {
        if (BufferPoolDescriptor.magic(header) != BufferPoolDescriptor.MAGIC) {
            throw new PoolFileException(path + " is not a pswitch buffer pool (bad magic)");
        }
        int version = BufferPoolDescriptor.version(header);
        if (version != BufferPoolDescriptor.LAYOUT_VERSION) {
            throw new PoolFileException(path + " has pool layout version " + version + "; this build reads version "
                    + BufferPoolDescriptor.LAYOUT_VERSION);
        }
        int fileBufferSize = BufferPoolDescriptor.bufferSize(header);
        int fileBufferCount = BufferPoolDescriptor.bufferCount(header);
        if (fileBufferSize != bufferSize || fileBufferCount != bufferCount) {
            throw new PoolFileException(path + " holds " + fileBufferCount + " buffers of " + fileBufferSize
                    + " bytes, but " + bufferCount + " of " + bufferSize + " were asked for: use the same sizes or another data directory");
        }
        long expected = BufferPoolDescriptor.fileSize(fileBufferSize, fileBufferCount);
        if (size < expected) {
            throw new PoolFileException(path + " is truncated: " + size + " bytes, its header needs " + expected);
        }
    }

    private static long usableSpace(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            return store.getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean isNoSpace(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left") || m.contains("Disk quota exceeded"));
    }

    private static String noSpace(Path path, long size, long free) {
        return "not enough space for buffer pool " + path + ": " + size + " bytes asked, "
                + (free < 0 ? "unknown" : Long.toString(free)) + " bytes free";
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Best effort: the failure being reported matters more.
        }
    }

    /** The whole mapping; a buffer lives at {@link #offset(int)}. */
    public MemorySegment segment() {
        return segment;
    }

    /** Byte offset of a buffer in {@link #segment()}. */
    public long offset(int bufIdx) {
        return BufferPoolDescriptor.DATA_OFFSET + ((long) bufIdx << bufferShift);
    }

    /** Takes a buffer off the free list; 0 when none is free. */
    public int allocate() {
        if (freeCount == 0) {
            return 0;
        }
        return freeList[--freeCount];
    }

    /**
     * Loads the first line of each of {@code count} buffers, {@code bufIdx[start]}, {@code bufIdx[(start + 1) & mask]}, ...,
     * before a driver writes frames into them. A buffer that comes back from the log's retention
     * has not been touched for a whole log's worth of frames: its line and its page's TLB entry are
     * gone, and a copy into it stalls on both, one buffer after the other (measured: about 70 ns per
     * logged 64-byte frame on the shm ports). These loads do not depend on each other, so the core
     * overlaps their misses; the copies that follow then hit the cache. On buffers that are already
     * warm (plain forwarding) this is one cache hit each. The caller owns the buffers (its ring
     * slots); nothing is written.
     *
     * @param mask the ring's slot count minus one (a power of two)
     */
    public void warm(int[] bufIdx, int start, int count, int mask) {
        long sum = 0;
        int s = start;
        for (int i = 0; i < count; i++) {
            sum += segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset(bufIdx[s]));
            s = (s + 1) & mask;
        }
        warmSink = sum;
    }

    /** Returns a buffer to the free list. The caller must own it. */
    public void free(int bufIdx) {
        if (bufIdx < BufferPoolDescriptor.RESERVED_BUFFERS || bufIdx >= bufferCount) {
            throw new IllegalArgumentException("bufIdx " + bufIdx + " is not a pool buffer");
        }
        freeList[freeCount++] = bufIdx;
    }

    /**
     * Removes a specific buffer from the free list, for recovery (a buffer the log still references
     * must never be handed out). Cold path: linear in the free list.
     *
     * @return true if the buffer was free and is now owned by the caller
     */
    public boolean claim(int bufIdx) {
        for (int i = 0; i < freeCount; i++) {
            if (freeList[i] == bufIdx) {
                freeList[i] = freeList[--freeCount];
                return true;
            }
        }
        return false;
    }

    /**
     * Removes every free buffer whose bit is set in {@code owned} from the free list in one pass,
     * for recovery: the buffers a surviving log record references must never be handed out.
     * Linear in the free list (unlike calling {@link #claim(int)} per buffer); the free list keeps
     * its order otherwise.
     *
     * @return how many buffers were removed (fewer than {@code owned.cardinality()} when some of
     *     them were not free: the caller decides whether that is an error)
     */
    public int claimAll(BitSet owned) {
        int kept = 0;
        for (int i = 0; i < freeCount; i++) {
            int bufIdx = freeList[i];
            if (!owned.get(bufIdx)) {
                freeList[kept++] = bufIdx;
            }
        }
        int claimed = freeCount - kept;
        freeCount = kept;
        return claimed;
    }

    /** Copies the free list's contents (for ownership checks in tests and tools). */
    public int[] freeBuffers() {
        int[] copy = new int[freeCount];
        System.arraycopy(freeList, 0, copy, 0, freeCount);
        return copy;
    }

    public int freeCount() {
        return freeCount;
    }

    /**
     * Makes {@code length} bytes of a buffer durable from {@code from}: the range is widened to
     * whole 64-byte lines, so only the lines that hold the bytes are written back.
     */
    public void force(int bufIdx, int from, int length) {
        long start = offset(bufIdx) + (from & ~63L);
        long end = offset(bufIdx) + ((from + (long) length + 63) & ~63L);
        segment.asSlice(start, end - start).force();
    }

    public Path path() {
        return path;
    }

    public int bufferSize() {
        return bufferSize;
    }

    public int bufferCount() {
        return bufferCount;
    }

    public UUID poolId() {
        return poolId;
    }

    public StorageClass storageClass() {
        return storageClass;
    }

    /** The page size of the mapping: 4096, or the huge page size of a pool on hugetlbfs. */
    public long pageSize() {
        return pageSize;
    }

    /** Where the pool lives, for reports: "volatile", or "volatile, on 2 MiB huge pages". */
    public String memory() {
        return storageClass.describe(pageSize);
    }

    /** Whether this open created the file (a fresh pool) rather than mapping an existing one. */
    public boolean created() {
        return created;
    }

    @Override
    public void close() {
        arena.close();
    }
}

package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.HugePages;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The index file on disk: creation (preallocated by writing, built under a temporary name),
 * header checks, and the mapping. Cold path only; the writer and readers work on {@link #segment()}.
 */
public final class IndexFile implements AutoCloseable {
    private static final int PREALLOCATE_CHUNK = 1 << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int capacity;
    private final UUID poolId;
    private final long truncatedBytes;

    private IndexFile(Path path, Arena arena, MemorySegment segment, int capacity, UUID poolId, long truncatedBytes) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.capacity = capacity;
        this.poolId = poolId;
        this.truncatedBytes = truncatedBytes;
    }

    /**
     * Opens the index for writing, creating and preallocating it when absent. A file shorter than
     * its header says (truncated by a crash or a copy) is extended with zeros; how many bytes were
     * missing is reported by {@link #truncatedBytes()}.
     *
     * @param capacity records; must equal the capacity of an existing file
     * @throws IndexFileException when the file belongs to another pool, has another geometry, is not
     *     an index, or the disk cannot hold it
     */
    public static IndexFile openForWriting(Path path, UUID poolId, int capacity) {
        String bad = IndexFileDescriptor.validateCapacity(capacity);
        if (bad != null) {
            throw new IndexFileException("cannot use index " + path + ": " + bad);
        }
        if (!Files.exists(path)) {
            create(path, poolId, capacity);
        }
        MemorySegment header = readHeader(path);
        checkHeader(path, header, poolId);
        int fileCapacity = IndexFileDescriptor.capacity(header);
        if (fileCapacity != capacity) {
            throw new IndexFileException(path + " holds " + fileCapacity + " records, but " + capacity
                    + " were asked for: use the same capacity or another data directory");
        }
        long expected = IndexFileDescriptor.fileSize(capacity);
        long size = size(path);
        long truncated = Math.max(0, expected - size);
        long hugePage = HugePages.pageSize(path);
        if (hugePage > 0 && truncated > 0) {
            // hugetlbfs cannot be extended by writing zeros, and ftruncate would take no pages now:
            // a full huge page pool would show as a SIGBUS on a later store.
            throw new IndexFileException(path + " is truncated: " + size + " bytes, its header needs " + expected
                    + " (on hugetlbfs: remove it and start again)");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (truncated > 0) {
                zeroFill(path, ch, size, expected);
                ch.force(true);
            }
            MemorySegment segment;
            if (hugePage > 0) {
                // Memory, with no MAP_SYNC to try; mapped in whole huge pages (see HugePages).
                segment = HugePages.map(ch, FileChannel.MapMode.READ_WRITE, expected, hugePage, arena);
            } else {
                try {
                    // Same storage as the pool: on DAX, a flush of a record is a cache-line write-back.
                    segment = ch.map(jdk.nio.mapmode.ExtendedMapMode.READ_WRITE_SYNC, 0, expected, arena);
                } catch (IOException | UnsupportedOperationException notDax) {
                    segment = ch.map(FileChannel.MapMode.READ_WRITE, 0, expected, arena);
                }
            }
            return new IndexFile(path, arena, segment, capacity, poolId, truncated);
        } catch (IOException e) {
            arena.close();
            throw new IndexFileException("cannot map index " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Opens an existing index read-only, as it is (a truncated file is mapped up to its end; the
     * missing bytes read as zero through {@link #copyRecord}). For offline tools.
     *
     * @param poolId the pool it must belong to, or null to accept any
     */
    public static IndexFile openReadOnly(Path path, UUID poolId) {
        if (!Files.isRegularFile(path)) {
            throw new IndexFileException("no index at " + path);
        }
        MemorySegment header = readHeader(path);
        checkHeader(path, header, poolId);
        int capacity = IndexFileDescriptor.capacity(header);
        String bad = IndexFileDescriptor.validateCapacity(capacity);
        if (bad != null) {
            throw new IndexFileException(path + " has an invalid header: " + bad);
        }
        long expected = IndexFileDescriptor.fileSize(capacity);
        long size = size(path);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = HugePages.map(ch, FileChannel.MapMode.READ_ONLY, Math.min(size, expected),
                    HugePages.mappingPageSize(path), arena);
            return new IndexFile(path, arena, segment, capacity, IndexFileDescriptor.poolId(header),
                    Math.max(0, expected - size));
        } catch (IOException e) {
            arena.close();
            throw new IndexFileException("cannot map index " + path + ": " + e.getMessage(), e);
        }
    }

    private static void create(Path path, UUID poolId, int capacity) {
        long size = IndexFileDescriptor.fileSize(capacity);
        Path dir = path.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IndexFileException("cannot create directory " + dir + " for index: " + e.getMessage(), e);
        }
        // Built under a temporary name and renamed: a crash during creation never leaves a half
        // index under the real name.
        Path tmp = dir.resolve(path.getFileName() + ".creating");
        long hugePage = HugePages.pageSize(dir);
        if (hugePage > 0) {
            createOnHugePages(tmp, path, poolId, capacity, HugePages.roundUp(size, hugePage), hugePage);
            rename(tmp, path);
            return;
        }
        long usable = usableSpace(dir);
        if (usable >= 0 && usable < size) {
            throw new IndexFileException(noSpace(path, size, usable));
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            zeroFill(tmp, ch, 0, size);
            ByteBuffer buf = ByteBuffer.allocate(IndexFileDescriptor.RECORDS_OFFSET);
            writeHeader(MemorySegment.ofBuffer(buf), poolId, capacity);
            buf.clear();
            while (buf.hasRemaining()) {
                ch.write(buf, buf.position());
            }
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(tmp);
            if (isNoSpace(e)) {
                throw new IndexFileException(noSpace(path, size, usableSpace(dir)), e);
            }
            throw new IndexFileException("cannot create index " + path + " (" + size + " bytes): " + e.getMessage(), e);
        }
        rename(tmp, path);
    }

    private static void writeHeader(MemorySegment header, UUID poolId, int capacity) {
        IndexFileDescriptor.writeHeader(header, capacity, poolId, System.currentTimeMillis() * 1_000_000L);
        // Generation 1: nothing retired yet, the first record will be sequence 1.
        IndexFileDescriptor.writeRetentionBlock(header.asSlice(IndexFileDescriptor.retentionBlockOffset(1),
                IndexFileDescriptor.RETENTION_BLOCK_SIZE), 1, 1, new java.util.zip.CRC32C(),
                new byte[IndexFileDescriptor.RETENTION_CRC]);
    }

    /**
     * hugetlbfs (beside a pool there): whole huge pages taken by fallocate now, the header stored
     * through a mapping (no write(2) there); see {@link HugePages}.
     */
    private static void createOnHugePages(Path tmp, Path path, UUID poolId, int capacity, long size, long hugePage) {
        String failed = HugePages.allocate("index", tmp, path, size, hugePage);
        if (failed != null) {
            throw new IndexFileException(failed);
        }
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment file = HugePages.map(ch, FileChannel.MapMode.READ_WRITE, size, hugePage, arena);
            writeHeader(file.asSlice(0, IndexFileDescriptor.RECORDS_OFFSET), poolId, capacity);
            file.asSlice(0, IndexFileDescriptor.RECORDS_OFFSET).force();
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new IndexFileException("cannot write the header of index " + tmp + ": " + e.getMessage(), e);
        }
    }

    private static void rename(Path tmp, Path path) {
        try {
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IndexFileException("cannot rename " + tmp + " to " + path + " atomically", e);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new IndexFileException("cannot rename " + tmp + " to " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes zeros so the blocks are really allocated: a full disk fails here, not as a SIGBUS later. */
    private static void zeroFill(Path path, FileChannel ch, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(PREALLOCATE_CHUNK);
        long position = from;
        try {
            while (position < to) {
                zeros.clear();
                zeros.limit((int) Math.min(PREALLOCATE_CHUNK, to - position));
                while (zeros.hasRemaining()) {
                    position += ch.write(zeros, position);
                }
            }
        } catch (IOException e) {
            if (isNoSpace(e)) {
                throw new IndexFileException(noSpace(path, to, usableSpace(path.toAbsolutePath().getParent())), e);
            }
            throw e;
        }
    }

    /**
     * The capacity of the index file at {@code path}, or 0 when there is none (a switch started again
     * keeps the capacity it was created with unless told otherwise).
     *
     * @throws IndexFileException when the file is not an index
     */
    public static int storedCapacity(Path path) {
        if (!Files.exists(path)) {
            return 0;
        }
        MemorySegment header = readHeader(path);
        if (IndexFileDescriptor.magic(header) != IndexFileDescriptor.MAGIC) {
            throw new IndexFileException(path + " is not a pswitch index (bad magic)");
        }
        return IndexFileDescriptor.capacity(header);
    }

    private static MemorySegment readHeader(Path path) {
        ByteBuffer buf = ByteBuffer.allocate(IndexFileDescriptor.RECORDS_OFFSET);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf, buf.position()) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IndexFileException("cannot read index " + path + ": " + e.getMessage(), e);
        }
        if (buf.position() < IndexFileDescriptor.RECORDS_OFFSET) {
            throw new IndexFileException(path + " is not a pswitch index: " + buf.position()
                    + " bytes, shorter than its header");
        }
        return MemorySegment.ofBuffer(buf.clear());
    }

    private static void checkHeader(Path path, MemorySegment header, UUID poolId) {
        if (IndexFileDescriptor.magic(header) != IndexFileDescriptor.MAGIC) {
            throw new IndexFileException(path + " is not a pswitch index (bad magic)");
        }
        int version = IndexFileDescriptor.version(header);
        if (version != IndexFileDescriptor.LAYOUT_VERSION) {
            throw new IndexFileException(path + " has index layout version " + version + "; this build reads version "
                    + IndexFileDescriptor.LAYOUT_VERSION);
        }
        if (IndexFileDescriptor.storedHeaderCrc(header) != IndexFileDescriptor.headerCrc(header)) {
            throw new IndexFileException(path + " has a corrupt header (CRC mismatch)");
        }
        int recordSize = IndexFileDescriptor.recordSize(header);
        if (recordSize != IndexRecordDescriptor.RECORD_SIZE) {
            throw new IndexFileException(path + " has " + recordSize + "-byte records; this build reads "
                    + IndexRecordDescriptor.RECORD_SIZE);
        }
        UUID filePool = IndexFileDescriptor.poolId(header);
        if (poolId != null && !filePool.equals(poolId)) {
            throw new IndexFileException(path + " belongs to buffer pool " + filePool + ", not to pool " + poolId
                    + ": an index never attaches to another pool (use the pool it was created with, or another data directory)");
        }
    }

    private static long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new IndexFileException("cannot read index " + path + ": " + e.getMessage(), e);
        }
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean isNoSpace(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left") || m.contains("Disk quota exceeded"));
    }

    static String noSpace(Path path, long size, long free) {
        return "not enough space for index " + path + ": " + size + " bytes asked, "
                + (free < 0 ? "unknown" : Long.toString(free)) + " bytes free";
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Best effort: the failure being reported matters more.
        }
    }

    /**
     * Copies slot {@code slot} into {@code dst} (64 bytes); bytes past the end of a truncated,
     * read-only mapping read as zero.
     */
    public void copyRecord(int slot, MemorySegment dst) {
        long off = IndexFileDescriptor.slotOffset(slot);
        long available = Math.max(0, Math.min(IndexRecordDescriptor.RECORD_SIZE, segment.byteSize() - off));
        if (available == IndexRecordDescriptor.RECORD_SIZE) {
            MemorySegment.copy(segment, off, dst, 0, IndexRecordDescriptor.RECORD_SIZE);
            return;
        }
        dst.fill((byte) 0);
        if (available > 0) {
            MemorySegment.copy(segment, off, dst, 0, available);
        }
    }

    public long retentionBlock(MemorySegment dst, int blockOffset) {
        MemorySegment.copy(segment, blockOffset, dst, 0, IndexFileDescriptor.RETENTION_BLOCK_SIZE);
        return IndexFileDescriptor.retentionGeneration(dst);
    }


    public Path path() {
        return path;
    }

    public MemorySegment segment() {
        return segment;
    }

    public int capacity() {
        return capacity;
    }

    public UUID poolId() {
        return poolId;
    }

    /** Bytes that were missing at the end of the file when it was opened (0 for a whole file). */
    public long truncatedBytes() {
        return truncatedBytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}

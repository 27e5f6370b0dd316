package io.pswitch.dataplane.counters;

import static io.pswitch.dataplane.counters.CountersFileDescriptor.HEADER_LENGTH;
import static io.pswitch.dataplane.counters.CountersFileDescriptor.KEY_LENGTH;
import static io.pswitch.dataplane.counters.CountersFileDescriptor.KEY_WORKER_OFFSET;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

/**
 * The switch's counters: Agrona's {@link CountersManager} over a mapped file laid out as
 * {@link CountersFileDescriptor} says, so another process ({@code pswitch stat}) reads them live.
 *
 * <p>Ownership: allocation (cold: a port opens, a filter is added) is synchronized here, because
 * the manager is not thread-safe and the assembly, the REST thread and the dataplane may allocate.
 * Each counter's VALUE has one writer, the thread that owns what it counts (the dataplane worker
 * for its ports and log stage, the driver on that same thread), which stores with release
 * semantics into {@link #values()}; readers load with acquire semantics (Agrona's
 * {@code getCounterValue} is a volatile load), so a reader never sees a torn value and sees each
 * counter move forward.
 *
 * <p>The caller holds the data directory's lock, so a file already there is stale (left by a
 * switch that was killed): it is replaced. {@link #close()} (a clean stop) deletes the file.
 */
public final class CountersFile implements AutoCloseable {
    /**
     * Enough for 128 ports with their drivers' counters (about 30 each), the log's and 1,000 filters'
     * (a 5 MiB file, sparse: the pages of counters never allocated take no memory or disk).
     */
    public static final int DEFAULT_CAPACITY = 8192;
    /** An in-memory instance (tests, benchmarks, a port opened outside a switch). */
    private static final int IN_MEMORY_CAPACITY = 512;

    private final Path path;
    /** Held so the mapping lives as long as this object, whatever happens to the file. */
    private final MappedByteBuffer mapped;
    private final AtomicBuffer values;
    private final CountersManager manager;
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
    private final UnsafeBuffer label = new UnsafeBuffer(new byte[org.agrona.concurrent.status.CountersReader.MAX_LABEL_LENGTH]);
    private final long replacedPid;
    private boolean closed;

    private CountersFile(Path path, MappedByteBuffer mapped, AtomicBuffer metadata, AtomicBuffer values, long replacedPid) {
        this.path = path;
        this.mapped = mapped;
        this.values = values;
        this.manager = new CountersManager(metadata, values, StandardCharsets.US_ASCII);
        this.replacedPid = replacedPid;
    }

    /**
     * Creates the counters file at {@code file}, replacing a stale one.
     *
     * @throws UncheckedIOException naming the file when it cannot be created or mapped
     */
    public static CountersFile create(Path file, int capacity) {
        long stalePid = -1;
        try {
            if (Files.exists(file)) {
                stalePid = CountersFileReader.pidOf(file);
                Files.delete(file);
            }
            long length = CountersFileDescriptor.fileLength(capacity);
            MappedByteBuffer mapped;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                ch.truncate(length);
                mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
            UnsafeBuffer all = new UnsafeBuffer(mapped);
            int metadataLength = CountersFileDescriptor.metadataLength(capacity);
            int valuesLength = CountersFileDescriptor.valuesLength(capacity);
            all.putLong(CountersFileDescriptor.MAGIC_OFFSET, CountersFileDescriptor.MAGIC);
            all.putInt(CountersFileDescriptor.METADATA_LENGTH_OFFSET, metadataLength);
            all.putInt(CountersFileDescriptor.VALUES_LENGTH_OFFSET, valuesLength);
            ProcessHandle self = ProcessHandle.current();
            all.putLong(CountersFileDescriptor.PID_OFFSET, self.pid());
            all.putLong(CountersFileDescriptor.START_TIME_OFFSET,
                    self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L));
            // The version last, with a release store: a reader that sees it sees the whole header.
            all.putIntRelease(CountersFileDescriptor.VERSION_OFFSET, CountersFileDescriptor.VERSION);
            return new CountersFile(file, mapped,
                    new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength),
                    new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength), stalePid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create counters file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Counters no other process sees: for a switch or a port built outside a running switch (tests, benchmarks). */
    public static CountersFile inMemory() {
        int metadataLength = CountersFileDescriptor.metadataLength(IN_MEMORY_CAPACITY);
        int valuesLength = CountersFileDescriptor.valuesLength(IN_MEMORY_CAPACITY);
        return new CountersFile(null, null,
                new UnsafeBuffer(ByteBuffer.allocateDirect(metadataLength)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(valuesLength)), -1);
    }

    /**
     * Allocates one counter and returns the offset of its value in {@link #values()}. Cold path.
     *
     * @throws IllegalStateException naming the file when every counter is taken
     */
    public synchronized int allocate(int typeId, int worker, String text) {
        if (manager.available() < 1) {
            throw new IllegalStateException("counters file " + (path == null ? "(in memory)" : path) + " is full ("
                    + manager.capacity() + " counters): cannot add '" + text + "'");
        }
        key.putInt(KEY_WORKER_OFFSET, worker);
        int length = label.putStringWithoutLengthAscii(0, text, 0, label.capacity());
        int id = manager.allocate(typeId, key, 0, KEY_LENGTH, label, 0, length);
        return CountersManager.counterOffset(id);
    }

    /** The values buffer: writers store at the offsets {@link #allocate} returned. */
    public AtomicBuffer values() {
        return values;
    }

    /** Where the file is, or null for counters in memory. */
    public Path path() {
        return path;
    }

    /** The pid of the killed switch whose stale file this one replaced, or -1. */
    public long replacedPid() {
        return replacedPid;
    }

    /** A reader over the same buffers (this process: REST, metrics, the status line). */
    public org.agrona.concurrent.status.CountersReader reader() {
        return manager;
    }

    /**
     * Deletes the file. The mapping stays until the buffers are unreachable: a metrics scrape that
     * races the close reads a last value instead of unmapped memory.
     */
    @Override
    public synchronized void close() {
        if (closed || path == null) {
            return;
        }
        closed = true;
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The data directory is going away or read-only now; the next start replaces the file.
        }
    }
}

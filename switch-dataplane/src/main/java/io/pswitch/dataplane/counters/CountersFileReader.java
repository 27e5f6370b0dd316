package io.pswitch.dataplane.counters;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Another process's view of a counters file ({@code pswitch stat}): mapped read-only, checked
 * against {@link CountersFileDescriptor}, with the writer's pid and start time to tell a running
 * switch from a killed one's leftover file.
 */
public final class CountersFileReader {
    private final Path path;
    private final long pid;
    private final long startTimeMs;
    private final CountersReader reader;

    private CountersFileReader(Path path, long pid, long startTimeMs, CountersReader reader) {
        this.path = path;
        this.pid = pid;
        this.startTimeMs = startTimeMs;
        this.reader = reader;
    }

    /**
     * Maps the file read-only.
     *
     * @throws IllegalStateException with a one-line reason when there is no file, or it is no
     *     counters file, or it is still being laid out
     */
    public static CountersFileReader open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < CountersFileDescriptor.HEADER_LENGTH) {
                throw new IllegalStateException("counters file " + file + " is too short (" + size + " bytes)");
            }
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            UnsafeBuffer all = new UnsafeBuffer(mapped);
            if (all.getLong(CountersFileDescriptor.MAGIC_OFFSET) != CountersFileDescriptor.MAGIC) {
                throw new IllegalStateException(file + " is not a pswitch counters file");
            }
            // Acquire: pairs with the writer's release of the version, after the rest of the header.
            int version = all.getIntAcquire(CountersFileDescriptor.VERSION_OFFSET);
            if (version != CountersFileDescriptor.VERSION) {
                throw new IllegalStateException("counters file " + file + (version == 0 ? " is not ready yet"
                        : " has layout version " + version + ", this pswitch reads " + CountersFileDescriptor.VERSION));
            }
            int metadataLength = all.getInt(CountersFileDescriptor.METADATA_LENGTH_OFFSET);
            int valuesLength = all.getInt(CountersFileDescriptor.VALUES_LENGTH_OFFSET);
            if (CountersFileDescriptor.HEADER_LENGTH + (long) metadataLength + valuesLength > size) {
                throw new IllegalStateException("counters file " + file + " is truncated");
            }
            CountersReader reader = new CountersReader(
                    new UnsafeBuffer(mapped, CountersFileDescriptor.HEADER_LENGTH, metadataLength),
                    new UnsafeBuffer(mapped, CountersFileDescriptor.HEADER_LENGTH + metadataLength, valuesLength),
                    StandardCharsets.US_ASCII);
            return new CountersFileReader(file, all.getLong(CountersFileDescriptor.PID_OFFSET),
                    all.getLong(CountersFileDescriptor.START_TIME_OFFSET), reader);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("no counters file " + file + ": no switch is running on this data directory");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read counters file " + file + ": " + e.getMessage());
        }
    }

    /** The pid written in a counters file's header, or -1 when it has none. */
    static long pidOf(Path file) {
        try {
            return open(file).pid;
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    public Path path() {
        return path;
    }

    public long pid() {
        return pid;
    }

    /** Whether the switch that wrote the file still runs: its pid is alive and started when the header says. */
    public boolean writerAlive() {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        Optional<java.time.Instant> started = p.get().info().startInstant();
        // Start times are rounded differently by the kernel's clock ticks: a second's slack.
        return started.isEmpty() || startTimeMs == 0 || Math.abs(started.get().toEpochMilli() - startTimeMs) < 1000;
    }

    public CountersReader reader() {
        return reader;
    }
}

package io.pswitch.drivers.shm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/** Cold-path file handling shared by both sides: where the file lives, mapping, liveness of its owners. */
final class ShmFiles {
    /** Overrides the directory (default {@code /dev/shm}), e.g. on a host without it. */
    static final String DIR_PROPERTY = "pswitch.shm.dir";
    static final String FILE_PREFIX = "pswitch-";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final int ZERO_CHUNK = 1 << 20;

    private ShmFiles() {
    }

    static Path directory() {
        return Paths.get(System.getProperty(DIR_PROPERTY, "/dev/shm"));
    }

    /** Returns null when the name is usable, else what is wrong. */
    static String validateName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "shm name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-' (starting with a letter or digit)";
        }
        return null;
    }

    static Path path(String name) {
        return directory().resolve(FILE_PREFIX + name);
    }

    static long currentPid() {
        return ProcessHandle.current().pid();
    }

    /** The process start time in epoch ms, or 0 where the platform does not say. */
    static long startMs(ProcessHandle handle) {
        Optional<Instant> start = handle.info().startInstant();
        return start.map(Instant::toEpochMilli).orElse(0L);
    }

    /**
     * Whether the process that wrote {@code pid}/{@code startMs} still runs. The start time guards
     * against pid reuse (a restarted container switch is often pid 1 again).
     */
    static boolean alive(long pid, long startMs) {
        if (pid <= 0) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        long actual = startMs(handle.get());
        // Start times read at different moments may differ by rounding: allow a second.
        return startMs == 0 || actual == 0 || Math.abs(actual - startMs) < 1000;
    }

    static MemorySegment map(Path path, long size, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
        }
    }

    /**
     * Creates a zeroed file of {@code size} bytes under a temporary name, maps it, lets
     * {@code init} write the header, then renames it into place: a peer never finds a half-built file.
     * The zeros are written (not just a length set) so a full tmpfs fails here, not as a SIGBUS later.
     */
    static MemorySegment createAndMap(Path path, long size, Arena arena, java.util.function.Consumer<MemorySegment> init)
            throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".creating-" + currentPid());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_CHUNK);
                long position = 0;
                while (position < size) {
                    zeros.clear();
                    zeros.limit((int) Math.min(ZERO_CHUNK, size - position));
                    while (zeros.hasRemaining()) {
                        position += ch.write(zeros, position);
                    }
                }
                MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                init.accept(file);
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return file;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

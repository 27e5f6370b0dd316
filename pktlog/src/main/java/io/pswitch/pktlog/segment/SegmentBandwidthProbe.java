package io.pswitch.pktlog.segment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * The physical limit the benchmark prints beside its results: this file system's {@code O_DIRECT}
 * sequential write bandwidth with 1 MiB writes (at 1 MiB offsets, so on block boundaries) ending
 * with {@code fdatasync}. Like {@code dd bs=1M oflag=direct}. Two limits, for the two kinds of
 * blocks the segment tier writes to ({@link #measureBoth}): a freshly preallocated file (its
 * extents "unwritten": each write also converts them in the journal), which is what new segments are
 * until the log reaches its size, and the same file written again (blocks already written), which
 * is what recycled segments are afterwards. On ext4 here the second is ~1.5x the first.
 *
 * <p>{@code java ... io.pswitch.pktlog.segment.SegmentBandwidthProbe DIR [MiB]} prints it.
 */
public final class SegmentBandwidthProbe {
    private static final int WRITE = 1 << 20;

    private SegmentBandwidthProbe() {
    }

    /**
     * Writes {@code bytes} (rounded up to 1 MiB) to a temporary file in {@code dir}, then removes it.
     *
     * @return bytes per second
     * @throws SegmentException when the file cannot be opened with {@code O_DIRECT}, written or preallocated
     */
    public static double measure(Path dir, long bytes) {
        return run(dir, bytes, false).freshBps();
    }

    /**
     * The two limits of the segment tier on this file system.
     *
     * @param freshBps bytes per second into a freshly preallocated file (new segments)
     * @param writtenBps bytes per second into the same file's already written blocks (recycled segments)
     */
    public record Bandwidth(double freshBps, double writtenBps) {
    }

    /**
     * Writes {@code bytes} (rounded up to 1 MiB) into a new preallocated file, then the same bytes
     * again over it, each pass ending with {@code fdatasync}; removes the file.
     *
     * @throws SegmentException as {@link #measure}
     */
    public static Bandwidth measureBoth(Path dir, long bytes) {
        return run(dir, bytes, true);
    }

    private static Bandwidth run(Path dir, long bytes, boolean rewrite) {
        long total = Math.max(WRITE, (bytes + WRITE - 1) / WRITE * WRITE);
        Path file = dir.resolve(".pswitch-bandwidth-probe-" + ProcessHandle.current().pid());
        try (NativeIo io = new NativeIo(); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(WRITE, 4096);
            for (long i = 0; i < WRITE; i += 8) {
                buf.set(ValueLayout.JAVA_LONG, i, 0x5053_5753_4547_0001L ^ i);
            }
            MemorySegment iov = arena.allocate(NativeIo.IOVEC_SIZE, 8);
            iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
            iov.set(ValueLayout.JAVA_LONG, 8, WRITE);
            int fd = io.open(file, NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_DIRECT, 0600);
            if (fd < 0) {
                throw new SegmentException(file + ": cannot open with O_DIRECT: " + NativeIo.describe(io.errno()));
            }
            try {
                if (io.fallocate(fd, 0, total) != 0 && io.errno() != NativeIo.EOPNOTSUPP) {
                    throw new SegmentException(file + ": cannot preallocate " + total + " bytes: " + NativeIo.describe(io.errno()));
                }
                double fresh = pass(io, fd, iov, file, total);
                return new Bandwidth(fresh, rewrite ? pass(io, fd, iov, file, total) : 0);
            } finally {
                io.close(fd);
            }
        } finally {
            SegmentFile.deleteQuietly(file);
        }
    }

    /** One sequential pass over the file and its flush; bytes per second. */
    private static double pass(NativeIo io, int fd, MemorySegment iov, Path file, long total) {
        long start = System.nanoTime();
        for (long off = 0; off < total; off += WRITE) {
            if (io.pwritev(fd, iov, 1, off) != WRITE) {
                throw new SegmentException(file + ": write at offset " + off + " failed: " + NativeIo.describe(io.errno()));
            }
        }
        if (io.fdatasync(fd) != 0) {
            throw new SegmentException(file + ": fdatasync failed: " + NativeIo.describe(io.errno()));
        }
        return total * 1e9 / Math.max(1, System.nanoTime() - start);
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: SegmentBandwidthProbe DIR [MiB, default 1024]");
            System.exit(2);
        }
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        try {
            Bandwidth b = measureBoth(Path.of(args[0]), mib << 20);
            System.out.printf("O_DIRECT sequential write, 1 MiB writes, %s: %.0f MB/s into fresh preallocated blocks,"
                    + " %.0f MB/s into written blocks%n", args[0], b.freshBps() / 1e6, b.writtenBps() / 1e6);
        } catch (SegmentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}

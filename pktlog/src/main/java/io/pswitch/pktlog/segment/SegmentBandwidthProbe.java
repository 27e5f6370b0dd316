package io.pswitch.pktlog.segment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * The physical limit the benchmark prints beside its results: this file system's {@code O_DIRECT}
 * sequential write bandwidth with 1 MiB writes into a preallocated file (what the segment tier
 * does), ending with {@code fdatasync}. Like {@code dd bs=1M oflag=direct}.
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
                long start = System.nanoTime();
                for (long off = 0; off < total; off += WRITE) {
                    if (io.pwritev(fd, iov, 1, off) != WRITE) {
                        throw new SegmentException(file + ": write at offset " + off + " failed: " + NativeIo.describe(io.errno()));
                    }
                }
                io.fdatasync(fd);
                long ns = System.nanoTime() - start;
                return total * 1e9 / Math.max(1, ns);
            } finally {
                io.close(fd);
            }
        } finally {
            SegmentFile.deleteQuietly(file);
        }
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: SegmentBandwidthProbe DIR [MiB, default 1024]");
            System.exit(2);
        }
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        try {
            double bps = measure(Path.of(args[0]), mib << 20);
            System.out.printf("O_DIRECT sequential write, 1 MiB writes, %s: %.0f MB/s%n", args[0], bps / 1e6);
        } catch (SegmentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}

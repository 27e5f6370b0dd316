package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One segment file open for writing: a file descriptor (with {@code O_DIRECT} when the file system
 * takes it), preallocated to the segment size. Writes go at explicit offsets; nothing here moves a
 * file position.
 */
final class SegmentFile {
    /** {@link #create} status: the file system has no room for the segment. */
    static final int NO_SPACE = -2;

    private final NativeIo io;
    private final Path path;
    private final long number;
    private final int fd;
    private final boolean direct;

    private SegmentFile(NativeIo io, Path path, long number, int fd, boolean direct) {
        this.io = io;
        this.path = path;
        this.number = number;
        this.fd = fd;
        this.direct = direct;
    }

    /**
     * Opens (creating when absent) {@code path} and preallocates {@code size} bytes.
     *
     * @return the file, or null when the file system has no room (the file is then removed if
     *     this call created it)
     */
    static SegmentFile open(NativeIo io, Path path, long number, long size, boolean preferDirect) {
        boolean existed = Files.exists(path);
        int flags = NativeIo.O_RDWR | NativeIo.O_CREAT;
        boolean direct = preferDirect;
        int fd = direct ? io.open(path, flags | NativeIo.O_DIRECT, 0644) : -1;
        if (fd < 0 && (!direct || io.errno() == NativeIo.EINVAL)) {
            // The file system refuses O_DIRECT (tmpfs before 6.6, some FUSE): buffered writes, reported by directIo().
            direct = false;
            fd = io.open(path, flags, 0644);
        }
        if (fd < 0) {
            throw new SegmentException(path + ": cannot open for writing: " + NativeIo.describe(io.errno()));
        }
        if (io.fallocate(fd, 0, size) != 0) {
            int errno = io.errno();
            io.close(fd);
            if (errno == NativeIo.ENOSPC) {
                if (!existed) {
                    deleteQuietly(path);
                }
                return null;
            }
            if (errno != NativeIo.EOPNOTSUPP) {
                throw new SegmentException(path + ": cannot preallocate " + size + " bytes: " + NativeIo.describe(errno));
            }
            // No fallocate on this file system: the segment grows as it is written.
            fd = io.open(path, flags | (direct ? NativeIo.O_DIRECT : 0), 0644);
        }
        if (!existed) {
            forceDirectory(path.getParent());
        }
        return new SegmentFile(io, path, number, fd, direct);
    }

    /**
     * Writes {@code total} bytes described by {@code iovcnt} iovecs at {@code offset}. A short
     * write (rare: signals, a device limit) is continued from where it stopped; the iovecs are
     * adjusted in place.
     */
    void writeFully(MemorySegment iov, int iovcnt, long offset, long total) {
        long n = io.pwritev(fd, iov, iovcnt, offset);
        if (n == total) {
            return;
        }
        long done = 0;
        int first = 0;
        while (true) {
            if (n < 0) {
                if (io.errno() == NativeIo.EINTR) {
                    n = 0;
                } else {
                    throw new SegmentException(path + ": cannot write " + (total - done) + " bytes at offset "
                            + (offset + done) + (direct ? " (direct I/O)" : "") + ": " + NativeIo.describe(io.errno()));
                }
            } else if (n == 0 && done < total) {
                throw new SegmentException(path + ": the write at offset " + (offset + done) + " made no progress");
            }
            done += n;
            if (done >= total) {
                return;
            }
            long skip = n;
            while (skip > 0) {
                long len = iov.get(ValueLayout.JAVA_LONG, first * 16L + 8);
                if (skip >= len) {
                    skip -= len;
                    first++;
                } else {
                    iov.set(ValueLayout.JAVA_LONG, first * 16L, iov.get(ValueLayout.JAVA_LONG, first * 16L) + skip);
                    iov.set(ValueLayout.JAVA_LONG, first * 16L + 8, len - skip);
                    skip = 0;
                }
            }
            n = io.pwritev(fd, iov.asSlice(first * 16L), iovcnt - first, offset + done);
        }
    }

    void sync() {
        if (io.fdatasync(fd) != 0) {
            throw new SegmentException(path + ": fdatasync failed: " + NativeIo.describe(io.errno()));
        }
    }

    void close() {
        io.close(fd);
    }

    Path path() {
        return path;
    }

    long number() {
        return number;
    }

    boolean direct() {
        return direct;
    }

    /** Makes a created or removed directory entry durable. */
    static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot sync a directory; the entry is then as durable as they make it.
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Best effort: the caller reports the failure that matters.
        }
    }
}

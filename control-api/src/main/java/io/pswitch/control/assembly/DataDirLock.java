package io.pswitch.control.assembly;

import io.pswitch.control.config.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory: two switches mapping the same pool would overwrite each
 * other's buffers. The lock is the OS's (released when the process dies, even by kill -9).
 */
public final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static DataDirLock acquire(Path dataDir) {
        Path file = dataDir.resolve("lock");
        try {
            Files.createDirectories(dataDir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                l = null; // held by this very process (a second switch in one JVM)
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            if (l == null) {
                String holder = Files.readString(file).trim();
                ch.close();
                throw new ConfigException("data directory " + dataDir + " is in use by another pswitch"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + ": stop it or use another --data-dir");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
            return new DataDirLock(ch, l);
        } catch (IOException e) {
            throw new ConfigException("cannot lock data directory " + dataDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // The process is ending or the lock is already gone with the channel.
        }
    }
}

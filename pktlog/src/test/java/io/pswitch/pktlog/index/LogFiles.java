package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiConsumer;

/** A data directory (pool + index) that tests build, copy and damage. */
public final class LogFiles {
    public static final int BUFFER_SIZE = 256;

    public final Path dir;
    public final Path pool;
    public final Path index;

    public LogFiles(Path dir) {
        this.dir = dir;
        this.pool = dir.resolve("pool");
        this.index = dir.resolve("index");
    }

    public BufferPool openPool(int bufferCount) {
        return BufferPool.open(pool, BUFFER_SIZE, bufferCount);
    }

    public LogFiles copyTo(Path target) {
        try {
            Files.createDirectories(target);
            LogFiles copy = new LogFiles(target);
            Files.copy(pool, copy.pool);
            Files.copy(index, copy.index);
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void xorIndexByte(long offset, int mask) {
        xor(index, offset, mask);
    }

    public void xorPoolByte(long offset, int mask) {
        xor(pool, offset, mask);
    }

    public void writeIndex(long offset, byte[] bytes) {
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void truncateIndex(long size) {
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] indexBytes() {
        try {
            return Files.readAllBytes(index);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Maps the pool (read-write) and the index, for crafting records with correct CRCs. */
    public void withMapped(BiConsumer<BufferPool, MemorySegment> action) {
        try (BufferPool p = BufferPool.openExisting(pool); Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(index, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
            action.accept(p, seg);
            seg.force();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void xor(Path file, long offset, int mask) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ mask));
            b.clear();
            ch.write(b, offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

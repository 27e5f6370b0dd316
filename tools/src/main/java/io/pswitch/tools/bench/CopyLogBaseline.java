package io.pswitch.tools.bench;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.batch.BatchObserver;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.filter.FilterMatch;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.LatencyHistogram;
import io.pswitch.pktlog.pool.BufferPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The copy-logging baseline of the logging benchmark: the status quo the PASTE paper measured
 * against, a logger that <em>copies</em> each matching frame out of the packet buffer into a
 * separate append-only file and flushes that file. Hooked into the switch as a {@link BatchObserver}
 * (the switch itself then has no zero-copy log), so it sees the batch exactly where the logging stage
 * would: after pass 1, before pass 2.
 *
 * <p>Per matching frame (the same {@link FilterSet#evaluate} as the logging stage, snaplen applied):
 * one copy of the frame from its pool buffer into the next record of a mapped, preallocated file
 * ({@link CopyLogDescriptor}), a CRC32C over the copied bytes (the zero-copy log's records carry one
 * too, so both logs can detect a torn record), and a small header. Written sequentially; the file is
 * a ring (FIFO retention, as the zero-copy log's), so a long run needs no unbounded disk space.
 *
 * <p>Durability, with the same policy as the logging stage: {@code sync} flushes every batch before
 * pass 2 transmits it; {@code batch}/{@code async} flush when {@code maxRecords} records are pending or
 * the oldest pending one has waited {@code maxDelay} (checked every duty cycle). A flush is
 * {@link MemorySegment#force()} of the byte range written since the previous flush: {@code msync},
 * as the zero-copy log's flush on the same storage. Its duration goes to {@link #flushLatency()},
 * measured the way {@code PacketLog} measures its commit.
 *
 * <p>Threads: {@link #onBatch} and {@link #beginCycle} on the agent's thread; {@link #frames()}
 * any thread; the rest once the agent has stopped.
 */
public final class CopyLogBaseline implements BatchObserver, AutoCloseable {
    private static final int PREALLOCATE_CHUNK = 1 << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final ByteBuffer fileView;
    private final long fileSize;
    private final BufferPool pool;
    private final MemorySegment poolMemory;
    private final int bufferSize;
    private final FilterSet filters;
    private final FilterMatch match = new FilterMatch();
    private final Durability durability;
    private final boolean syncEveryBatch;
    private final CRC32C crc = new CRC32C();
    private final LatencyHistogram flushLatency = new LatencyHistogram();

    private long writePos = CopyLogDescriptor.FILE_HEADER_SIZE;
    /** Start of the bytes written since the last flush. */
    private long flushedPos = CopyLogDescriptor.FILE_HEADER_SIZE;
    /** An unflushed range left at the end of the file by a wrap (empty when tailFrom == tailTo). */
    private long tailFrom;
    private long tailTo;
    private long wraps;
    private long pending;
    private long pendingSinceNs;
    private long framesWritten;
    private long bytesWritten;
    private long flushes;
    private volatile long framesPublished;

    private CopyLogBaseline(Path path, Arena arena, MemorySegment file, BufferPool pool, FilterSet filters,
                            Durability durability) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.fileView = file.asByteBuffer();
        this.fileSize = file.byteSize();
        this.pool = pool;
        this.poolMemory = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.filters = filters;
        this.durability = durability;
        this.syncEveryBatch = durability.mode() == Durability.Mode.SYNC;
    }

    /**
     * Creates the log file at {@code path} (replacing one that exists), preallocated by writing so
     * that a full disk fails here, not as a fault on the dataplane thread.
     *
     * @param bytes file size, 1 MiB .. 1 GiB
     */
    public static CopyLogBaseline create(Path path, long bytes, BufferPool pool, FilterSet filters, Durability durability) {
        if (bytes < (1 << 20) || bytes > (1 << 30)) {
            throw new IllegalArgumentException("copy log size " + bytes + " must be between 1 MiB and 1 GiB");
        }
        long size = bytes & -CopyLogDescriptor.ALIGNMENT;
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(PREALLOCATE_CHUNK);
            for (long pos = 0; pos < size; pos += PREALLOCATE_CHUNK) {
                zeros.clear().limit((int) Math.min(PREALLOCATE_CHUNK, size - pos));
                while (zeros.hasRemaining()) {
                    ch.write(zeros, pos + zeros.position());
                }
            }
            ch.force(true);
            MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            CopyLogDescriptor.writeFileHeader(file);
            file.asSlice(0, CopyLogDescriptor.FILE_HEADER_SIZE).force();
            return new CopyLogBaseline(path, arena, file, pool, filters, durability);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot create copy log " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void beginCycle(long now) {
        if (pendingSinceNs != 0 && now - pendingSinceNs >= durability.maxDelayNs()) {
            flush();
        }
    }

    @Override
    public void onBatch(Batch batch, Ring[] rx, long now) {
        FilterSet set = filters;
        FilterMatch m = match;
        int n = 0;
        for (int i = 0, count = batch.count(); i < count; i++) {
            int p = batch.ingressPort(i);
            int s = batch.slot(i);
            Ring ring = rx[p];
            int len = ring.len[s];
            long off = pool.offset(ring.bufIdx[s]);
            if (len <= 0 || set.evaluate(poolMemory, off, len, Math.min(len, bufferSize), p, m) == 0) {
                continue;
            }
            long ts = ring.timestampNs[s];
            append(off, m.storeLength(), p, ts != 0 ? ts : now);
            n++;
        }
        if (n == 0) {
            return;
        }
        pending += n;
        if (syncEveryBatch) {
            // Before pass 2: no logged frame leaves the switch before its copy is durable.
            flush();
        } else {
            if (pendingSinceNs == 0) {
                pendingSinceNs = now;
            }
            if (pending >= durability.maxRecords()) {
                flush();
            }
        }
        framesPublished = framesWritten;
    }

    private void append(long from, int length, int port, long timestampNs) {
        int size = CopyLogDescriptor.recordSize(length);
        if (writePos + size > fileSize) {
            wrap();
        }
        long at = writePos;
        long data = at + CopyLogDescriptor.RECORD_HEADER_SIZE;
        // The one copy this baseline exists to measure: packet buffer -> log file.
        MemorySegment.copy(poolMemory, from, file, data, length);
        crc.reset();
        fileView.limit((int) (data + length)).position((int) data);
        crc.update(fileView);
        CopyLogDescriptor.writeRecordHeader(file, at, length, port, framesWritten, timestampNs, (int) crc.getValue());
        writePos = at + size;
        framesWritten++;
        bytesWritten += length;
    }

    /** The next record goes to the start; the range left unflushed at the end is flushed with the rest. */
    private void wrap() {
        if (tailTo > tailFrom) {
            // Wrapped twice within one durability window (a file smaller than the window): flush now.
            flush();
        }
        if (writePos + CopyLogDescriptor.ALIGNMENT <= fileSize) {
            CopyLogDescriptor.writeWrap(file, writePos);
            writePos += CopyLogDescriptor.ALIGNMENT;
        }
        tailFrom = flushedPos;
        tailTo = writePos;
        wraps++;
        CopyLogDescriptor.wraps(file, wraps);
        writePos = CopyLogDescriptor.FILE_HEADER_SIZE;
        // From 0: the flush takes the header (its wrap count) along.
        flushedPos = 0;
    }

    /** Makes every record written so far durable. */
    public void flush() {
        if (writePos == flushedPos && tailTo == tailFrom) {
            pendingSinceNs = 0;
            pending = 0;
            return;
        }
        long t0 = System.nanoTime();
        if (tailTo > tailFrom) {
            file.asSlice(tailFrom, tailTo - tailFrom).force();
            tailFrom = tailTo = 0;
        }
        if (writePos > flushedPos) {
            file.asSlice(flushedPos, writePos - flushedPos).force();
        }
        flushLatency.record(System.nanoTime() - t0);
        flushedPos = writePos;
        flushes++;
        pending = 0;
        pendingSinceNs = 0;
    }

    /** Frames copied into the log since start, as of the last batch. Any thread. */
    public long frames() {
        return framesPublished;
    }

    public long bytes() {
        return bytesWritten;
    }

    public long flushes() {
        return flushes;
    }

    public long wraps() {
        return wraps;
    }

    public LatencyHistogram flushLatency() {
        return flushLatency;
    }

    public Path path() {
        return path;
    }

    public Durability durability() {
        return durability;
    }

    /** Flushes what is pending and unmaps the file (the file stays). */
    @Override
    public void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        flush();
        framesPublished = framesWritten;
        arena.close();
    }
}

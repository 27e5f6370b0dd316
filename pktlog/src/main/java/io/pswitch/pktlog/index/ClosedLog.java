package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A log opened read-only from its files, for offline queries and export: nothing is repaired, the
 * readable window is the run {@link IndexScan} accepts. The switch must not be running on the same
 * files (a live log is read through its {@link PacketLog}).
 */
public final class ClosedLog implements LogSource, AutoCloseable {
    private final BufferPool pool;
    private final IndexFile index;
    private final IndexScan.Result scan;

    private ClosedLog(BufferPool pool, IndexFile index, IndexScan.Result scan) {
        this.pool = pool;
        this.index = index;
        this.scan = scan;
    }

    public static ClosedLog open(Path poolPath, Path indexPath) {
        return open(poolPath, indexPath, 0);
    }

    /** With the records below {@code floor} counted as retired, as the switch's recovery under a segment tier counts them. */
    public static ClosedLog open(Path poolPath, Path indexPath, long floor) {
        BufferPool pool = BufferPool.openExisting(poolPath);
        try {
            IndexFile index = IndexFile.openReadOnly(indexPath, pool.poolId());
            try {
                return new ClosedLog(pool, index, IndexScan.scan(index, pool, floor));
            } catch (RuntimeException e) {
                index.close();
                throw e;
            }
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Opens {@code index} next to the pool file. */
    public static ClosedLog open(Path poolPath) {
        return open(poolPath, IndexFileDescriptor.defaultPath(poolPath));
    }

    /** Bytes missing at the end of the index file. */
    public long truncatedBytes() {
        return index.truncatedBytes();
    }

    public IndexScan.Result scan() {
        return scan;
    }

    @Override
    public MemorySegment indexSegment() {
        return index.segment();
    }

    @Override
    public int capacity() {
        return index.capacity();
    }

    @Override
    public BufferPool pool() {
        return pool;
    }

    @Override
    public long oldestSeq() {
        return scan.oldestSeq();
    }

    @Override
    public long newestSeq() {
        return scan.endSeq() - 1;
    }

    @Override
    public void close() {
        index.close();
        pool.close();
    }
}

package io.pswitch.pktlog.segment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.UUID;

/**
 * The segment the writer appends to: where the next chunk goes, the sparse time index being built
 * for it, and sealing (index + footer). Owned by the drain thread; its buffers belong to the
 * writer (one header/footer block, one index block, one small iovec array), so a roll allocates
 * nothing but the file.
 */
final class OpenSegment {
    private final SegmentFile file;
    private final long size;
    private final int alignment;
    private final MemorySegment block;
    private final MemorySegment index;
    private final MemorySegment iov;
    private final Crc32c crc;

    private long chunksEnd = SegmentDescriptor.HEADER_SIZE;
    private int entries;
    private long lastIndexed = -SegmentDescriptor.INDEX_SPACING;
    private long records;
    private long firstSeq;
    private long lastSeq;
    private long firstTs;
    private long lastTs;
    private int lastEpoch;

    /**
     * @param block a zeroed-on-use buffer of at least 4096 bytes, aligned for direct I/O
     * @param index a buffer for the index entries ({@link #maxIndexBytes}), aligned for direct I/O
     * @param iov room for two iovecs
     */
    OpenSegment(SegmentFile file, long size, int alignment, MemorySegment block, MemorySegment index, MemorySegment iov,
                Crc32c crc) {
        this.file = file;
        this.size = size;
        this.alignment = alignment;
        this.block = block;
        this.index = index;
        this.iov = iov;
        this.crc = crc;
    }

    /** Index bytes a segment of {@code size} can need at most (one entry per spacing, plus one), aligned. */
    static long maxIndexBytes(long size, int alignment) {
        return SegmentDescriptor.indexBytes((int) (size / SegmentDescriptor.INDEX_SPACING) + 2, alignment);
    }

    /** Writes and syncs the header: one aligned write of the first 4096 bytes. */
    void writeHeader(UUID logId, long number, long firstSeq, long firstTsNs, boolean recycled) {
        block.asSlice(0, SegmentDescriptor.HEADER_SIZE).fill((byte) 0);
        SegmentDescriptor.writeHeader(block, logId, number, size, firstSeq, firstTsNs, System.currentTimeMillis() * 1_000_000L,
                alignment, recycled ? SegmentDescriptor.FLAG_RECYCLED : 0);
        block.set(SegmentDescriptor.INT, SegmentDescriptor.HEADER_CRC_OFFSET, crc.of(block, 0, SegmentDescriptor.HEADER_CRC_OFFSET));
        writeBlock(block, SegmentDescriptor.HEADER_SIZE, 0);
        file.sync();
    }

    /** Whether a chunk of {@code length} bytes fits before the index (with its entry) and the footer. */
    boolean fits(long length) {
        return chunksEnd + length + SegmentDescriptor.indexBytes(entries + 1, alignment)
                <= SegmentDescriptor.footerOffset(size);
    }

    long chunksEnd() {
        return chunksEnd;
    }

    /** Writes the staged chunk at the end; the caller checked {@link #fits}. */
    void writeChunk(ChunkStager stager, int epoch, boolean restart) {
        long at = chunksEnd;
        long length = stager.finish(epoch, at, restart);
        file.writeFully(stager.iov(), stager.iovCount(), at, length);
        noteChunk(at, length, stager.count(), stager.firstSeq(), stager.lastSeq(), stager.firstTs(), stager.lastTs(), epoch);
    }

    /** Accounts for a chunk already in the file at {@code at} (written now, or found when re-sealing a tail). */
    void noteChunk(long at, long length, int count, long first, long last, long firstTsNs, long lastTsNs, int epoch) {
        if (at - lastIndexed >= SegmentDescriptor.INDEX_SPACING) {
            SegmentDescriptor.writeIndexEntry(index, entries++, at, first, firstTsNs);
            lastIndexed = at;
        }
        if (records == 0) {
            firstSeq = first;
            firstTs = firstTsNs;
        }
        records += count;
        lastSeq = last;
        lastTs = lastTsNs;
        lastEpoch = epoch;
        chunksEnd = at + length;
    }

    /** Writes the index and the footer and syncs: after this the segment is immutable. */
    void seal() {
        long indexAt = chunksEnd;
        long indexLen = SegmentDescriptor.indexBytes(entries, alignment);
        long used = (long) entries * SegmentDescriptor.INDEX_ENTRY_SIZE;
        for (long p = used; p < indexLen; p += 8) {
            index.set(ValueLayout.JAVA_LONG_UNALIGNED, p, 0L);
        }
        block.asSlice(0, SegmentDescriptor.FOOTER_SIZE).fill((byte) 0);
        SegmentDescriptor.writeFooter(block, file.number(), indexAt, entries, lastEpoch, chunksEnd, records, firstSeq, lastSeq,
                firstTs, lastTs);
        block.set(SegmentDescriptor.INT, SegmentDescriptor.FOOTER_CRC_OFFSET,
                SegmentFooters.crc(crc, index, 0, entries, block, 0));
        // Index first, then the footer that vouches for it; one sync covers both before anything depends on the seal.
        writeBlock(index, indexLen, indexAt);
        writeBlock(block, SegmentDescriptor.FOOTER_SIZE, SegmentDescriptor.footerOffset(size));
        file.sync();
    }

    private void writeBlock(MemorySegment buf, long length, long offset) {
        iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
        iov.set(ValueLayout.JAVA_LONG, 8, length);
        file.writeFully(iov, 1, offset, length);
    }

    SegmentFile file() {
        return file;
    }

    /** The segment as its footer describes it (after {@link #seal}). */
    SegmentSummary summary() {
        return new SegmentSummary(file.number(), file.path(), firstSeq, firstTs, lastSeq, lastTs, records, true, size, chunksEnd,
                lastEpoch);
    }

    long records() {
        return records;
    }

    long lastSeq() {
        return lastSeq;
    }

    long firstSeq() {
        return firstSeq;
    }

    long lastTs() {
        return lastTs;
    }
}

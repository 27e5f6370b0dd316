package io.pswitch.pktlog.segment;

import java.lang.foreign.MemorySegment;

/** Reads and checks the sparse time index and footer of a sealed segment ({@link SegmentDescriptor}). */
final class SegmentFooters {
    private SegmentFooters() {
    }

    /**
     * A verified footer and its index.
     *
     * @param index the index entries, {@code entries * INDEX_ENTRY_SIZE} bytes
     */
    record Footer(long indexOffset, int entries, int epoch, long chunksEnd, long records, long firstSeq, long lastSeq,
                  long firstTs, long lastTs, MemorySegment index) {
    }

    /** The CRC the footer carries: over the index entries, then the footer's bytes before the CRC. */
    static int crc(Crc32c crc, MemorySegment index, long indexAt, int entries, MemorySegment footer, long footerAt) {
        crc.reset();
        long len = (long) entries * SegmentDescriptor.INDEX_ENTRY_SIZE;
        for (long p = 0; p < len; p += Crc32c.MAX_RANGE) {
            crc.update(index, indexAt + p, (int) Math.min(Crc32c.MAX_RANGE, len - p));
        }
        crc.update(footer, footerAt, SegmentDescriptor.FOOTER_CRC_OFFSET);
        return crc.value();
    }

    /** The footer of a segment image when it is sealed and footer and index verify; null otherwise. */
    static Footer read(SegmentImage img, long segmentNumber, long segmentSize, int alignment) {
        long footerAt = SegmentDescriptor.footerOffset(segmentSize);
        MemorySegment f = MemorySegment.ofArray(new byte[SegmentDescriptor.FOOTER_FIELDS]);
        if (img.read(footerAt, f, 0, SegmentDescriptor.FOOTER_FIELDS) < SegmentDescriptor.FOOTER_FIELDS
                || SegmentDescriptor.footerMagic(f) != SegmentDescriptor.FOOTER_MAGIC
                || SegmentDescriptor.footerSegmentNumber(f) != segmentNumber) {
            return null;
        }
        long indexOffset = SegmentDescriptor.footerIndexOffset(f);
        int entries = SegmentDescriptor.footerEntryCount(f);
        long chunksEnd = SegmentDescriptor.footerChunksEnd(f);
        if (entries < 1 || indexOffset < SegmentDescriptor.HEADER_SIZE || indexOffset % alignment != 0
                || indexOffset + (long) entries * SegmentDescriptor.INDEX_ENTRY_SIZE > footerAt
                || chunksEnd > indexOffset || chunksEnd <= SegmentDescriptor.HEADER_SIZE) {
            return null;
        }
        int len = entries * SegmentDescriptor.INDEX_ENTRY_SIZE;
        MemorySegment index = MemorySegment.ofArray(new byte[len]);
        if (img.read(indexOffset, index, 0, len) < len
                || crc(new Crc32c(), index, 0, entries, f, 0) != SegmentDescriptor.footerCrc(f)) {
            return null;
        }
        return new Footer(indexOffset, entries, SegmentDescriptor.footerEpoch(f), chunksEnd,
                SegmentDescriptor.footerRecordCount(f), SegmentDescriptor.footerFirstSeq(f), SegmentDescriptor.footerLastSeq(f),
                SegmentDescriptor.footerFirstTs(f), SegmentDescriptor.footerLastTs(f), index);
    }
}

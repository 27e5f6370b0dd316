package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * Checks one record copied out of its slot: structure, place in the window, and the CRC over the
 * record and its frame bytes in the pool. Shared by recovery, the verifier and the writer (which
 * uses {@link #crc}). One instance per thread.
 */
final class RecordValidator {
    private final BufferPool pool;
    private final int capacity;
    private final SegmentCrc frameCrc;
    private final CRC32C crc = new CRC32C();
    private final byte[] recordBytes = new byte[IndexRecordDescriptor.RECORD_SIZE];
    private final MemorySegment recordCopy = MemorySegment.ofArray(recordBytes);

    RecordValidator(BufferPool pool, int capacity) {
        this.pool = pool;
        this.capacity = capacity;
        this.frameCrc = new SegmentCrc(pool.segment());
    }

    static boolean isEmpty(MemorySegment rec) {
        for (int i = 0; i < IndexRecordDescriptor.RECORD_SIZE; i += 8) {
            if (rec.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Classifies a record found in {@code slot}; {@code oldestSeq} is the durable retention marker.
     * The checks run from cheapest to dearest and each only once the previous ones passed, so the
     * CRC never reads outside the pool.
     */
    RecordStatus check(MemorySegment rec, int slot, long oldestSeq) {
        if (isEmpty(rec)) {
            return RecordStatus.EMPTY;
        }
        if (!IndexRecordDescriptor.isWhole(rec)) {
            return RecordStatus.TORN;
        }
        RecordStatus place = place(IndexRecordDescriptor.sequence(rec), slot, oldestSeq, capacity);
        return place != RecordStatus.VALID ? place : checkContents(rec);
    }

    /**
     * Whether a whole record's sequence fits where it was found: in {@code slot}, not retired by the
     * marker {@code oldestSeq}, inside the window of {@code capacity} records. {@link RecordStatus#VALID}
     * when it does (its contents are checked next). One home for the rule: the bulk scan of
     * recovery ({@link SlotClassifier}) decides with it too.
     */
    static RecordStatus place(long seq, int slot, long oldestSeq, int capacity) {
        if (seq < 1 || IndexFileDescriptor.slot(seq, capacity) != slot) {
            return RecordStatus.BAD_SEQUENCE;
        }
        if (seq < oldestSeq) {
            return RecordStatus.RETIRED;
        }
        if (seq - oldestSeq >= capacity) {
            return RecordStatus.BAD_SEQUENCE;
        }
        return RecordStatus.VALID;
    }

    /** Buffer, lengths and CRC of a record whose sequence is already known to be right. */
    RecordStatus checkContents(MemorySegment rec) {
        int bufIdx = IndexRecordDescriptor.bufIdx(rec);
        if (bufIdx < BufferPoolDescriptor.RESERVED_BUFFERS || bufIdx >= pool.bufferCount()) {
            return RecordStatus.BAD_BUF_IDX;
        }
        int stored = IndexRecordDescriptor.storedLength(rec);
        int wire = IndexRecordDescriptor.wireLength(rec);
        if (wire < 1 || stored < 0 || stored > wire || stored > pool.bufferSize()) {
            return RecordStatus.BAD_LENGTH;
        }
        if (crc(rec, bufIdx, stored) != IndexRecordDescriptor.crc(rec)) {
            return RecordStatus.BAD_CRC;
        }
        return RecordStatus.VALID;
    }

    /** CRC32C of the record's first 60 bytes followed by the stored frame bytes, read in place from the pool. */
    int crc(MemorySegment rec, int bufIdx, int storedLength) {
        MemorySegment.copy(rec, 0, recordCopy, 0, IndexRecordDescriptor.CRC_COVERED_LENGTH);
        return crc(recordBytes, bufIdx, storedLength);
    }

    /**
     * The same over a record held in a byte array (the writer's staging record): no copy of it
     * first, which for 60 bytes cost more than the CRC (a bulk segment copy's overlap checks).
     */
    int crc(byte[] rec, int bufIdx, int storedLength) {
        crc.reset();
        crc.update(rec, 0, IndexRecordDescriptor.CRC_COVERED_LENGTH);
        if (storedLength > 0) {
            frameCrc.update(crc, pool.offset(bufIdx), storedLength);
        }
        return (int) crc.getValue();
    }
}

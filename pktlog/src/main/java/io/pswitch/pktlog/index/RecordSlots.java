package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;

/**
 * The writer's own copy of which pool buffer each live slot points at, and how many bytes it
 * stores: retirement returns buffers from here without reading the mapped index back, and the
 * live byte count needs no scan. Rebuilt from the recovered index at open. Writer thread only.
 */
final class RecordSlots {
    private final int capacity;
    private final int[] bufIdxBySlot;
    private final int[] storedBySlot;
    private long liveBytes;

    /** The slots of the records recovery kept, {@code report.oldestSeq() .. report.nextSeq() - 1}. */
    RecordSlots(IndexFile index, RecoveryReport report, int capacity) {
        this.capacity = capacity;
        this.bufIdxBySlot = new int[capacity];
        this.storedBySlot = new int[capacity];
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        for (long seq = report.oldestSeq(); seq < report.nextSeq(); seq++) {
            int slot = IndexFileDescriptor.slot(seq, capacity);
            index.copyRecord(slot, rec);
            bufIdxBySlot[slot] = IndexRecordDescriptor.bufIdx(rec);
            storedBySlot[slot] = IndexRecordDescriptor.storedLength(rec);
            liveBytes += storedBySlot[slot];
        }
    }

    void put(int slot, int bufIdx, int storedLength) {
        bufIdxBySlot[slot] = bufIdx;
        storedBySlot[slot] = storedLength;
        liveBytes += storedLength;
    }

    int bufIdx(long seq) {
        return bufIdxBySlot[IndexFileDescriptor.slot(seq, capacity)];
    }

    /** Hands the buffers of sequences {@code from .. to - 1} to {@code release}; their bytes stop counting as live. */
    void release(long from, long to, PacketLog.BufferRelease release) {
        for (long seq = from; seq < to; seq++) {
            int slot = IndexFileDescriptor.slot(seq, capacity);
            liveBytes -= storedBySlot[slot];
            release.release(bufIdxBySlot[slot]);
        }
    }

    int capacity() {
        return capacity;
    }

    long liveBytes() {
        return liveBytes;
    }
}

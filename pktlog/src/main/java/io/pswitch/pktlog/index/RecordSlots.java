package io.pswitch.pktlog.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The writer's own copy of which pool buffer each live slot points at, and how many bytes it
 * stores: retirement returns buffers from here without reading the mapped index back, and the
 * live byte count needs no scan. Rebuilt from the recovered index at open. Writer thread only.
 */
final class RecordSlots {
    private static final int CHUNK_SLOTS = 1024;
    private static final int WORDS = IndexRecordDescriptor.RECORD_SIZE / Long.BYTES;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final int capacity;
    private final int[] bufIdxBySlot;
    private final int[] storedBySlot;
    private long liveBytes;

    /** The slots of the records recovery kept, {@code report.oldestSeq() .. report.nextSeq() - 1}. */
    RecordSlots(IndexFile index, RecoveryReport report, int capacity) {
        this.capacity = capacity;
        this.bufIdxBySlot = new int[capacity];
        this.storedBySlot = new int[capacity];
        // Read in bulk, a chunk of slots at a time, as plain longs: at a restart this runs in a
        // fresh JVM, where a MemorySegment accessor per field cost microseconds a record while
        // interpreted (see SlotClassifier).
        long[] words = new long[CHUNK_SLOTS * WORDS];
        MemorySegment seg = index.segment();
        long seq = report.oldestSeq();
        while (seq < report.nextSeq()) {
            int first = IndexFileDescriptor.slot(seq, capacity);
            // Up to the chunk's size, the run's end, or the index's end (the run wraps there).
            int count = (int) Math.min(Math.min(CHUNK_SLOTS, report.nextSeq() - seq), capacity - first);
            MemorySegment.copy(seg, LE_LONG, IndexFileDescriptor.slotOffset(first), words, 0, count * WORDS);
            for (int i = 0; i < count; i++) {
                // Both ints sit in a little-endian word: the low half at a multiple of 8, the high half 4 after.
                long lengths = words[i * WORDS + IndexRecordDescriptor.STORED_LENGTH_OFFSET / 8];
                bufIdxBySlot[first + i] = (int) words[i * WORDS + IndexRecordDescriptor.BUF_IDX_OFFSET / 8];
                storedBySlot[first + i] = (int) (lengths >>> (IndexRecordDescriptor.STORED_LENGTH_OFFSET % 8 * 8));
                liveBytes += storedBySlot[first + i];
            }
            seq += count;
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

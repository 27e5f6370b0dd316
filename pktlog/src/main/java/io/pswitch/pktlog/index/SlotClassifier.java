package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * {@link RecordValidator#check}'s classification of index slots, for a scan of the whole index:
 * the same checks in the same order with the same results, but over slots copied out of the mapping
 * a chunk at a time (two bulk copies per {@value #CHUNK_SLOTS} slots) and read as plain
 * {@code long[]} elements.
 *
 * <p>Why: a restarted switch recovers in a fresh JVM, before the JIT has compiled anything. There
 * every {@code MemorySegment} accessor (a VarHandle call with its bounds, alignment and session
 * checks) costs microseconds while interpreted, and the per-slot copy and check made ~15 of them a
 * slot: about 10 µs a slot, over a second for a full default hot tier. An array element costs one
 * bytecode interpreted. The per-slot work is a small method so that the JIT compiles it after a few
 * hundred calls instead of waiting for the scan's loop to be compiled on stack.
 *
 * <p>Only slots wholly inside the mapping go through here; a slot cut by the end of a truncated,
 * read-only mapping is left to {@link RecordValidator} (its missing bytes read as zero there).
 * One instance per scan (not thread-safe).
 *
 * <p>Measured and left out (BENCHMARKS.md, "Hot-tier recovery in a fresh JVM"): the checks split
 * over two threads, the frame copied next to the record for one CRC call, and the pool's pages
 * populated in one {@code madvise} first. None made the fresh JVM's open faster here.
 */
final class SlotClassifier {
    /** Slots per bulk copy: 64 KiB of records, small next to the index, large enough that copies are rare. */
    static final int CHUNK_SLOTS = 1024;
    private static final int WORDS = IndexRecordDescriptor.RECORD_SIZE / Long.BYTES;
    // The descriptor's fields are little-endian whatever the CPU.
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // Word indices and shifts of the fields within a record (see IndexRecordDescriptor's diagram).
    private static final int W_SEQUENCE = IndexRecordDescriptor.SEQUENCE_OFFSET / 8;
    private static final int W_HEAD = IndexRecordDescriptor.MAGIC_OFFSET / 8;
    private static final int W_TIMESTAMP = IndexRecordDescriptor.TIMESTAMP_OFFSET / 8;
    private static final int W_LENGTHS = IndexRecordDescriptor.WIRE_LENGTH_OFFSET / 8;
    private static final int W_BUF_IDX = IndexRecordDescriptor.BUF_IDX_OFFSET / 8;
    private static final int W_TAIL = IndexRecordDescriptor.SEQUENCE_ECHO_OFFSET / 8;
    /** Magic (16 bits), version (8) and flags (8) as they sit in the low half of the head word. */
    private static final long HEAD_WHOLE = (IndexRecordDescriptor.MAGIC & 0xFFFFL)
            | (long) (IndexRecordDescriptor.VERSION & 0xFF) << 16;
    private static final long HEAD_MASK = 0xFFFF_FFFFL;

    private final int capacity;
    private final int bufferCount;
    private final int bufferSize;
    private final BufferPool pool;
    private final SegmentCrc frameCrc;
    private final CRC32C crc = new CRC32C();
    private final byte[] bytes = new byte[CHUNK_SLOTS * IndexRecordDescriptor.RECORD_SIZE];
    private final MemorySegment bytesSegment = MemorySegment.ofArray(bytes);
    private final long[] words = new long[CHUNK_SLOTS * WORDS];

    SlotClassifier(BufferPool pool, int capacity) {
        this.capacity = capacity;
        this.pool = pool;
        this.bufferCount = pool.bufferCount();
        this.bufferSize = pool.bufferSize();
        this.frameCrc = new SegmentCrc(pool.segment());
    }

    /**
     * Classifies slots {@code 0 .. count - 1} (wholly inside {@code index}) into {@code status} (a
     * {@link RecordStatus} ordinal each) and keeps the bufIdx and timestamp of each valid one. Slots
     * below {@code oldest} but at or above {@code durableOldest} (held by the segment tier) retire on
     * their sequence alone: neither the rest of the record nor the frame is read.
     *
     * @return how many of them hold a retired record
     */
    long classify(MemorySegment index, int count, long oldest, long durableOldest, byte[] status,
                  int[] bufIdxBySlot, long[] timestampBySlot) {
        boolean floorRaised = oldest > durableOldest;
        long retired = 0;
        for (int first = 0; first < count; first += CHUNK_SLOTS) {
            int loaded = Math.min(CHUNK_SLOTS, count - first);
            load(index, first, loaded);
            for (int i = 0; i < loaded; i++) {
                int slot = first + i;
                long seq = sequence(i);
                RecordStatus s;
                if (floorRaised && seq >= durableOldest && seq < oldest && IndexFileDescriptor.slot(seq, capacity) == slot) {
                    // Held by the segment tier: one load decides it (the floor's whole point).
                    s = RecordStatus.RETIRED;
                } else {
                    s = check(i, slot, oldest);
                }
                status[slot] = (byte) s.ordinal();
                if (s == RecordStatus.RETIRED) {
                    retired++;
                } else if (s == RecordStatus.VALID) {
                    bufIdxBySlot[slot] = bufIdx(i);
                    timestampBySlot[slot] = timestampNs(i);
                }
            }
        }
        return retired;
    }

    /**
     * Copies slots {@code first .. first + count - 1} (count <= {@link #CHUNK_SLOTS}, all wholly
     * inside {@code index}) out of the mapping. The byte copy is the snapshot every check of the
     * chunk reads, the record CRC included, as {@link IndexFile#copyRecord} is for one slot.
     */
    void load(MemorySegment index, int first, int count) {
        int length = count * IndexRecordDescriptor.RECORD_SIZE;
        MemorySegment.copy(index, IndexFileDescriptor.slotOffset(first), bytesSegment, 0, length);
        MemorySegment.copy(bytesSegment, LE_LONG, 0, words, 0, count * WORDS);
    }

    /** Sequence of the {@code i}-th loaded slot. */
    long sequence(int i) {
        return words[i * WORDS + W_SEQUENCE];
    }

    int bufIdx(int i) {
        return (int) words[i * WORDS + W_BUF_IDX];
    }

    long timestampNs(int i) {
        return words[i * WORDS + W_TIMESTAMP];
    }

    /**
     * {@link RecordValidator#check(MemorySegment, int, long)} of the {@code i}-th loaded slot,
     * which is slot {@code slot}: the same statuses, decided in the same order.
     */
    RecordStatus check(int i, int slot, long oldestSeq) {
        int w = i * WORDS;
        long seq = words[w + W_SEQUENCE];
        long head = words[w + W_HEAD];
        long tail = words[w + W_TAIL];
        if (seq == 0 && head == 0 && tail == 0 && words[w + 2] == 0 && words[w + 3] == 0 && words[w + 4] == 0
                && words[w + 5] == 0 && words[w + 6] == 0) {
            return RecordStatus.EMPTY;
        }
        if ((head & HEAD_MASK) != HEAD_WHOLE || (int) tail != (int) seq) {
            return RecordStatus.TORN;
        }
        RecordStatus place = RecordValidator.place(seq, slot, oldestSeq, capacity);
        return place != RecordStatus.VALID ? place : checkContents(i);
    }

    /** {@link RecordValidator#checkContents}: buffer, lengths, then the CRC over the record and its frame. */
    private RecordStatus checkContents(int i) {
        int w = i * WORDS;
        int bufIdx = (int) words[w + W_BUF_IDX];
        if (bufIdx < BufferPoolDescriptor.RESERVED_BUFFERS || bufIdx >= bufferCount) {
            return RecordStatus.BAD_BUF_IDX;
        }
        long lengths = words[w + W_LENGTHS];
        int wire = (int) lengths;
        int stored = (int) (lengths >>> 32);
        if (wire < 1 || stored < 0 || stored > wire || stored > bufferSize) {
            return RecordStatus.BAD_LENGTH;
        }
        crc.reset();
        crc.update(bytes, i * IndexRecordDescriptor.RECORD_SIZE, IndexRecordDescriptor.CRC_COVERED_LENGTH);
        if (stored > 0) {
            frameCrc.update(crc, pool.offset(bufIdx), stored);
        }
        if ((int) crc.getValue() != (int) (words[w + W_TAIL] >>> 32)) {
            return RecordStatus.BAD_CRC;
        }
        return RecordStatus.VALID;
    }
}

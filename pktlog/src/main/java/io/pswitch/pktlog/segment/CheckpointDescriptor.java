package io.pswitch.pktlog.segment;

import static io.pswitch.pktlog.segment.SegmentDescriptor.INT;
import static io.pswitch.pktlog.segment.SegmentDescriptor.LONG;

import java.lang.foreign.MemorySegment;

/**
 * Layout of {@code segments/checkpoint}: the segment tier's tail position, so that recovery scans
 * at most the chunks written since it (one checkpoint interval), whatever the log size.
 *
 * <p>The file is {@link #FILE_SIZE} bytes, preallocated once, with two slots at offsets 0 and
 * {@link #SLOT_SIZE}; updates alternate between them (generation even: slot 0, odd: slot 1), each
 * one aligned block written in place and fdatasynced. A torn or lost update leaves the other slot,
 * one step older, which is still a correct (earlier) starting point. Updating in place needs no
 * free space, so the checkpoint keeps working on a full file system (a rename-based replacement
 * would need a new block). Each slot:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Magic "PSWCKPT\1" (8 bytes: 50 53 57 43 4b 50 54 01)  |  0
 *  +---------------------------------------------------------------+
 *  |                          Version (1)                          |  8
 *  +---------------------------------------------------------------+
 *  |   Epoch (int): the highest epoch any writer of this log used   | 12
 *  +---------------------------------------------------------------+
 *  |                 Log id (UUID, 16 bytes)                       | 16
 *  +---------------------------------------------------------------+
 *  |           Segment number of the tail (long)                   | 32
 *  |   End of the last durable chunk in it, offset (long)          | 40
 *  |           Last durable sequence, 0 when none (long)           | 48
 *  |     Generation (long): +1 per update; the higher valid wins    | 56
 *  +---------------------------------------------------------------+
 *  |                          Reserved (int)                       | 64
 *  |                  CRC32C of bytes 0..67                        | 68
 *  +---------------------------------------------------------------+
 * </pre>
 * Why the epoch is here: a writer writes the checkpoint with its new epoch before its first chunk,
 * so no later writer can reuse an epoch whose chunks might still lie past a truncated tail.
 */
public final class CheckpointDescriptor {
    public static final String FILE_NAME = "checkpoint";
    public static final int SIZE = 72;
    public static final int SLOT_SIZE = 4096;
    public static final int FILE_SIZE = 2 * SLOT_SIZE;
    public static final long MAGIC = 0x0154_504b_4357_5350L; // "PSWCKPT\1"
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int EPOCH_OFFSET = 12;
    public static final int LOG_ID_OFFSET = 16;
    public static final int SEGMENT_OFFSET = 32;
    public static final int CHUNKS_END_OFFSET = 40;
    public static final int LAST_SEQ_OFFSET = 48;
    public static final int GENERATION_OFFSET = 56;
    public static final int CRC_OFFSET = 68;

    private CheckpointDescriptor() {
    }

    static void write(MemorySegment c, SegmentCheckpoint cp, long generation) {
        c.set(LONG, MAGIC_OFFSET, MAGIC);
        c.set(INT, VERSION_OFFSET, VERSION);
        c.set(INT, EPOCH_OFFSET, cp.epoch());
        c.set(LONG, LOG_ID_OFFSET, cp.logId().getMostSignificantBits());
        c.set(LONG, LOG_ID_OFFSET + 8, cp.logId().getLeastSignificantBits());
        c.set(LONG, SEGMENT_OFFSET, cp.segmentNumber());
        c.set(LONG, CHUNKS_END_OFFSET, cp.chunksEnd());
        c.set(LONG, LAST_SEQ_OFFSET, cp.lastSeq());
        c.set(LONG, GENERATION_OFFSET, generation);
        c.set(INT, 64, 0);
    }

    public static long magic(MemorySegment c) {
        return c.get(LONG, MAGIC_OFFSET);
    }

    public static int version(MemorySegment c) {
        return c.get(INT, VERSION_OFFSET);
    }

    public static int epoch(MemorySegment c) {
        return c.get(INT, EPOCH_OFFSET);
    }

    public static long logIdMsb(MemorySegment c) {
        return c.get(LONG, LOG_ID_OFFSET);
    }

    public static long logIdLsb(MemorySegment c) {
        return c.get(LONG, LOG_ID_OFFSET + 8);
    }

    public static long segmentNumber(MemorySegment c) {
        return c.get(LONG, SEGMENT_OFFSET);
    }

    public static long chunksEnd(MemorySegment c) {
        return c.get(LONG, CHUNKS_END_OFFSET);
    }

    public static long lastSeq(MemorySegment c) {
        return c.get(LONG, LAST_SEQ_OFFSET);
    }

    public static long generation(MemorySegment c) {
        return c.get(LONG, GENERATION_OFFSET);
    }

    public static int crc(MemorySegment c) {
        return c.get(INT, CRC_OFFSET);
    }
}

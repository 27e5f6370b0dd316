package io.pswitch.pktlog.index;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * Real Ethernet frames for the tests: unicast destination, locally administered source, IPv4
 * ethertype, and a payload that encodes a tag (usually the sequence number the frame will get),
 * so a test can tell from the bytes alone which frame a buffer holds.
 */
public final class TestFrames {
    private TestFrames() {
    }

    public static byte expectedByte(long tag, int i) {
        if (i < 6) {
            return (byte) (i == 0 ? 0x02 : i == 5 ? 0x01 : 0);              // dst 02:00:00:00:00:01
        }
        if (i < 12) {
            return (byte) (i == 6 ? 0x02 : i == 11 ? (tag & 0x7f) : 0);    // src 02:00:00:00:00:tag
        }
        if (i == 12) {
            return 0x08;
        }
        if (i == 13) {
            return 0x00;
        }
        return (byte) (tag * 131 + i * 7 + (tag >>> 8));
    }

    /** Writes frame {@code tag} of {@code length} bytes into pool buffer {@code bufIdx}. */
    public static void write(BufferPool pool, int bufIdx, long tag, int length) {
        MemorySegment seg = pool.segment();
        long off = pool.offset(bufIdx);
        for (int i = 0; i < length; i++) {
            seg.set(ValueLayout.JAVA_BYTE, off + i, expectedByte(tag, i));
        }
    }

    /** Whether buffer {@code bufIdx} holds frame {@code tag}'s first {@code length} bytes. */
    public static boolean holds(BufferPool pool, int bufIdx, long tag, int length) {
        return holds(pool.segment(), pool.offset(bufIdx), tag, length);
    }

    public static boolean holds(MemorySegment seg, long off, long tag, int length) {
        for (int i = 0; i < length; i++) {
            if (seg.get(ValueLayout.JAVA_BYTE, off + i) != expectedByte(tag, i)) {
                return false;
            }
        }
        return true;
    }

    /** Allocates a buffer, writes frame {@code tag} into it and appends it; returns the sequence. */
    public static long append(PacketLog log, BufferPool pool, long tag, int length, long ts, int port) {
        int bufIdx = pool.allocate();
        if (bufIdx == 0) {
            throw new IllegalStateException("pool exhausted in test");
        }
        write(pool, bufIdx, tag, length);
        return log.append(bufIdx, length, length, ts, port, 1L << (tag % 3), (int) (tag % 3), (int) (tag % 4));
    }

    /** Appends frame {@code log.appendedSeq() + 1} (its tag is the sequence it gets). */
    public static long appendNext(PacketLog log, BufferPool pool, int length, long ts, int port) {
        return append(log, pool, log.appendedSeq() + 1, length, ts, port);
    }

    /**
     * Writes a record with a correct CRC straight into an index mapping, computing the CRC here
     * independently of the production code (CRC32C over bytes 0..59 then the frame bytes).
     */
    public static void craftRecord(MemorySegment index, int slot, long seq, long ts, int port, int bufIdx, int stored,
                                   int wire, BufferPool pool) {
        MemorySegment rec = index.asSlice(IndexFileDescriptor.slotOffset(slot), IndexRecordDescriptor.RECORD_SIZE);
        IndexRecordDescriptor.write(rec, seq, ts, port, 0, -1, wire, stored, bufIdx, 0);
        CRC32C crc = new CRC32C();
        crc.update(rec.asSlice(0, 60).toArray(ValueLayout.JAVA_BYTE));
        crc.update(pool.segment().asSlice(pool.offset(bufIdx), stored).toArray(ValueLayout.JAVA_BYTE));
        IndexRecordDescriptor.writeCrc(rec, (int) crc.getValue());
    }
}

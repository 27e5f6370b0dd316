package io.pswitch.pktlog.segment;

import static io.pswitch.pktlog.segment.SegmentDescriptor.INT;
import static io.pswitch.pktlog.segment.SegmentDescriptor.LONG;
import static io.pswitch.pktlog.segment.SegmentDescriptor.SHORT;

import java.lang.foreign.MemorySegment;

/**
 * Layout of one chunk: the unit of one gathered {@code pwritev}. A chunk starts at a multiple of
 * the segment's chunk alignment A (never inside a sector that holds durable data) and is a whole
 * number of A-blocks long:
 * <pre>
 *  +--------------+--------+--------+--------+-----+---------+-----------+-----------+-----+
 *  | chunk header | desc 0 | desc 1 | small  | ... | pad → A | frame i   | frame j   | ... |
 *  |   64 B       | 64 B   | 64 B   | bytes  |     |  (zero) | → A       | → A       |     |
 *  +--------------+--------+--------+--------+-----+---------+-----------+-----------+-----+
 *  |<-------- record area (staged copy) ------------------->|<-- gathered area: iovecs -->|
 * </pre>
 * Records are interleaved with their packed bytes in the record area: a descriptor, then (for a
 * frame of at most the pack threshold) its stored bytes copied, padded to 8. This needs no fixed
 * reservation for descriptors and no second copy. A larger frame is written straight from its pool
 * buffer by its own iovec, its length rounded up to the direct-I/O alignment (512 here; A itself in
 * segments written before block placement) (the bytes past the stored length are whatever the
 * buffer holds, are not covered by the CRC and are never returned); zeros after the last frame pad
 * the chunk to a multiple of A.
 *
 * <p>Chunk header:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Magic "PSCK" (50 53 43 4b)                   |  0
 *  +---------------------------------------------------------------+
 *  |          Epoch (int): the writer session that wrote it        |  4
 *  +---------------------------------------------------------------+
 *  |    Chunk length incl. padding and gathered frames (int, ×A)   |  8
 *  +---------------------------------------------------------------+
 *  |                      Record count (int, >= 1)                 | 12
 *  +---------------------------------------------------------------+
 *  |          Offset of this chunk in its segment (long)           | 16
 *  |                    First sequence (long)                      | 24
 *  |              First timestamp, epoch ns (long)                 | 32
 *  |               Last timestamp, epoch ns (long)                 | 40
 *  +---------------------------------------------------------------+
 *  |       Gathered area offset from the chunk start (int, ×A)     | 48
 *  +-------------------------------+-------------------------------+
 *  |   Flags (short): bit 0 RESTART|       Reserved, zero          | 52
 *  +-------------------------------+-------------------------------+
 *  |                       Reserved, zero                          | 56
 *  +---------------------------------------------------------------+
 *  |                  CRC32C of bytes 0..59                        | 60
 *  +---------------------------------------------------------------+
 * </pre>
 * Record descriptor:
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                     Sequence number (long)                    |  0
 *  |                 Receive timestamp, epoch ns (long)            |  8
 *  |     Matched filter mask (long): bit i set = filter id i < 64  | 16
 *  |         Tunnel metadata (long, 0 = none; opaque to pktlog)    | 24
 *  +-------------------------------+-------------------------------+
 *  |  Ingress port index (short)   | Forwarding decision (short)   | 32
 *  +-------------------------------+-------------------------------+
 *  | First matching filter (short) | Flags (short): bit 0 GATHERED | 36
 *  +-------------------------------+-------------------------------+
 *  |                     Wire length, bytes (int)                  | 40
 *  |            Stored length, bytes (int, <= wire length)         | 44
 *  |  Data offset (int): packed = from the chunk start; gathered = |
 *  |          from the gathered area start                         | 48
 *  |                       Reserved, zero (int)                    | 52
 *  |        Sequence echo: low 32 bits of the sequence (int)       | 56
 *  |     CRC32C of bytes 0..59 followed by the stored frame bytes  | 60
 *  +---------------------------------------------------------------+
 * </pre>
 * All integers little-endian; decision and filter encodings as in
 * {@link io.pswitch.pktlog.index.IndexRecordDescriptor}.
 *
 * <p>Why each part is there:
 * <ul>
 *   <li>The header's CRC and the per-record CRCs make a chunk all-or-nothing: recovery accepts a
 *       chunk only if every record in it verifies, so a torn in-flight write (any mix of old, new
 *       and zero sectors) is never accepted in part.</li>
 *   <li>The epoch makes leftovers harmless: after recovery truncates a torn tail at offset X, the
 *       next writer (a higher epoch) overwrites from X; a complete chunk of the older epoch that
 *       lies beyond what the new writer has written is stale, never a record.</li>
 *   <li>The chunk offset guards against a chunk read at a place it was not written for.</li>
 *   <li>RESTART: the first sequence does not follow the previous chunk's last; the writer was
 *       told the gap is real ({@code SegmentWriter.restartAt}). Without it a gap ends the log.</li>
 *   <li>Data offsets of gathered frames are relative to the gathered area so that a descriptor
 *       (and its CRC) is final when it is staged, before the chunk's record area is complete.</li>
 * </ul>
 */
public final class ChunkDescriptor {
    public static final int MAGIC = 0x4b43_5350; // "PSCK" little-endian
    public static final int HEADER_SIZE = 64;
    public static final int RECORD_SIZE = 64;
    public static final int PACK_ALIGNMENT = 8;

    public static final int MAGIC_OFFSET = 0;
    public static final int EPOCH_OFFSET = 4;
    public static final int LENGTH_OFFSET = 8;
    public static final int COUNT_OFFSET = 12;
    public static final int CHUNK_OFFSET_OFFSET = 16;
    public static final int FIRST_SEQ_OFFSET = 24;
    public static final int FIRST_TS_OFFSET = 32;
    public static final int LAST_TS_OFFSET = 40;
    public static final int GATHERED_OFFSET = 48;
    public static final int FLAGS_OFFSET = 52;
    public static final int HEADER_CRC_OFFSET = 60;
    public static final int HEADER_CRC_COVERED = 60;
    public static final short FLAG_RESTART = 1;

    public static final int SEQ_OFFSET = 0;
    public static final int TS_OFFSET = 8;
    public static final int FILTER_MASK_OFFSET = 16;
    public static final int TUNNEL_OFFSET = 24;
    public static final int INGRESS_PORT_OFFSET = 32;
    public static final int DECISION_OFFSET = 34;
    public static final int FIRST_FILTER_ID_OFFSET = 36;
    public static final int RECORD_FLAGS_OFFSET = 38;
    public static final int WIRE_LENGTH_OFFSET = 40;
    public static final int STORED_LENGTH_OFFSET = 44;
    public static final int DATA_OFFSET_OFFSET = 48;
    public static final int SEQ_ECHO_OFFSET = 56;
    public static final int RECORD_CRC_OFFSET = 60;
    /** The record CRC covers the descriptor up to itself, then the stored bytes. */
    public static final int RECORD_CRC_COVERED = 60;
    public static final short FLAG_GATHERED = 1;

    private ChunkDescriptor() {
    }

    /** Bytes a record takes in the record area: the descriptor, plus its bytes when packed. */
    public static int recordAreaBytes(boolean packed, int storedLength) {
        return RECORD_SIZE + (packed ? (storedLength + PACK_ALIGNMENT - 1) & -PACK_ALIGNMENT : 0);
    }

    static void writeHeader(MemorySegment c, long at, int epoch, int length, int count, long chunkOffset, long firstSeq,
                            long firstTs, long lastTs, int gatheredOffset, short flags) {
        c.set(INT, at + MAGIC_OFFSET, MAGIC);
        c.set(INT, at + EPOCH_OFFSET, epoch);
        c.set(INT, at + LENGTH_OFFSET, length);
        c.set(INT, at + COUNT_OFFSET, count);
        c.set(LONG, at + CHUNK_OFFSET_OFFSET, chunkOffset);
        c.set(LONG, at + FIRST_SEQ_OFFSET, firstSeq);
        c.set(LONG, at + FIRST_TS_OFFSET, firstTs);
        c.set(LONG, at + LAST_TS_OFFSET, lastTs);
        c.set(INT, at + GATHERED_OFFSET, gatheredOffset);
        c.set(SHORT, at + FLAGS_OFFSET, flags);
        c.set(SHORT, at + FLAGS_OFFSET + 2, (short) 0);
        c.set(INT, at + 56, 0);
    }

    static void writeRecord(MemorySegment r, long at, long seq, long tsNs, long filterMask, long tunnel, int ingressPort,
                            int decision, int firstFilterId, boolean gathered, int wireLength, int storedLength,
                            int dataOffset) {
        r.set(LONG, at + SEQ_OFFSET, seq);
        r.set(LONG, at + TS_OFFSET, tsNs);
        r.set(LONG, at + FILTER_MASK_OFFSET, filterMask);
        r.set(LONG, at + TUNNEL_OFFSET, tunnel);
        r.set(SHORT, at + INGRESS_PORT_OFFSET, (short) ingressPort);
        r.set(SHORT, at + DECISION_OFFSET, (short) decision);
        r.set(SHORT, at + FIRST_FILTER_ID_OFFSET, (short) firstFilterId);
        r.set(SHORT, at + RECORD_FLAGS_OFFSET, gathered ? FLAG_GATHERED : 0);
        r.set(INT, at + WIRE_LENGTH_OFFSET, wireLength);
        r.set(INT, at + STORED_LENGTH_OFFSET, storedLength);
        r.set(INT, at + DATA_OFFSET_OFFSET, dataOffset);
        r.set(INT, at + 52, 0);
        r.set(INT, at + SEQ_ECHO_OFFSET, (int) seq);
    }

    public static int magic(MemorySegment c, long at) {
        return c.get(INT, at + MAGIC_OFFSET);
    }

    public static int epoch(MemorySegment c, long at) {
        return c.get(INT, at + EPOCH_OFFSET);
    }

    public static int length(MemorySegment c, long at) {
        return c.get(INT, at + LENGTH_OFFSET);
    }

    public static int count(MemorySegment c, long at) {
        return c.get(INT, at + COUNT_OFFSET);
    }

    public static long chunkOffset(MemorySegment c, long at) {
        return c.get(LONG, at + CHUNK_OFFSET_OFFSET);
    }

    public static long firstSeq(MemorySegment c, long at) {
        return c.get(LONG, at + FIRST_SEQ_OFFSET);
    }

    public static long firstTs(MemorySegment c, long at) {
        return c.get(LONG, at + FIRST_TS_OFFSET);
    }

    public static long lastTs(MemorySegment c, long at) {
        return c.get(LONG, at + LAST_TS_OFFSET);
    }

    public static int gatheredOffset(MemorySegment c, long at) {
        return c.get(INT, at + GATHERED_OFFSET);
    }

    public static short flags(MemorySegment c, long at) {
        return c.get(SHORT, at + FLAGS_OFFSET);
    }

    public static int headerCrc(MemorySegment c, long at) {
        return c.get(INT, at + HEADER_CRC_OFFSET);
    }

    public static long seq(MemorySegment r, long at) {
        return r.get(LONG, at + SEQ_OFFSET);
    }

    public static long tsNs(MemorySegment r, long at) {
        return r.get(LONG, at + TS_OFFSET);
    }

    public static long filterMask(MemorySegment r, long at) {
        return r.get(LONG, at + FILTER_MASK_OFFSET);
    }

    public static long tunnel(MemorySegment r, long at) {
        return r.get(LONG, at + TUNNEL_OFFSET);
    }

    public static int ingressPort(MemorySegment r, long at) {
        return r.get(SHORT, at + INGRESS_PORT_OFFSET);
    }

    public static int decision(MemorySegment r, long at) {
        return r.get(SHORT, at + DECISION_OFFSET);
    }

    public static int firstFilterId(MemorySegment r, long at) {
        return r.get(SHORT, at + FIRST_FILTER_ID_OFFSET);
    }

    public static boolean gathered(MemorySegment r, long at) {
        return (r.get(SHORT, at + RECORD_FLAGS_OFFSET) & FLAG_GATHERED) != 0;
    }

    public static short recordFlags(MemorySegment r, long at) {
        return r.get(SHORT, at + RECORD_FLAGS_OFFSET);
    }

    public static int wireLength(MemorySegment r, long at) {
        return r.get(INT, at + WIRE_LENGTH_OFFSET);
    }

    public static int storedLength(MemorySegment r, long at) {
        return r.get(INT, at + STORED_LENGTH_OFFSET);
    }

    public static int dataOffset(MemorySegment r, long at) {
        return r.get(INT, at + DATA_OFFSET_OFFSET);
    }

    public static int seqEcho(MemorySegment r, long at) {
        return r.get(INT, at + SEQ_ECHO_OFFSET);
    }

    public static int recordCrc(MemorySegment r, long at) {
        return r.get(INT, at + RECORD_CRC_OFFSET);
    }
}

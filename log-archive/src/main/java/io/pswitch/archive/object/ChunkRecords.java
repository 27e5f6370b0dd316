package io.pswitch.archive.object;

import static io.pswitch.archive.object.ArchiveObjectDescriptor.INT;
import static io.pswitch.archive.object.ArchiveObjectDescriptor.LONG;
import static io.pswitch.archive.object.ArchiveObjectDescriptor.SHORT;

import io.pswitch.pktlog.query.LogRecord;
import java.lang.foreign.MemorySegment;

/**
 * The records of one decompressed, verified chunk ({@link ArchiveObjectDescriptor}, chunk part),
 * one at a time, in sequence order, read in place: a record's stored bytes stay in the chunk at
 * {@link #dataOffset()}.
 */
public final class ChunkRecords {
    private final MemorySegment chunk;
    private final String where;
    private int at;
    private int dataAt;

    /** @param where the object and chunk, for the message when a record overruns it */
    public ChunkRecords(byte[] raw, String where) {
        this.chunk = MemorySegment.ofArray(raw);
        this.where = where;
    }

    /**
     * Reads the next record into {@code r}.
     *
     * @return false at the chunk's end
     * @throws ArchiveFormatException when a record overruns the chunk (its CRC matched, so a
     *     writer's bug, not damage: still never returned)
     */
    public boolean next(LogRecord r) {
        if (at + ArchiveObjectDescriptor.RECORD_HEADER_SIZE > chunk.byteSize()) {
            return false;
        }
        int stored = chunk.get(INT, at + ArchiveObjectDescriptor.REC_STORED_LENGTH);
        int data = at + ArchiveObjectDescriptor.RECORD_HEADER_SIZE;
        if (stored < 0 || data + (long) stored > chunk.byteSize()) {
            throw new ArchiveFormatException(where + ": record at " + at + " overruns the chunk");
        }
        r.set(chunk.get(LONG, at + ArchiveObjectDescriptor.REC_SEQ), chunk.get(LONG, at + ArchiveObjectDescriptor.REC_TS),
                chunk.get(SHORT, at + ArchiveObjectDescriptor.REC_PORT), chunk.get(SHORT, at + ArchiveObjectDescriptor.REC_DECISION),
                chunk.get(LONG, at + ArchiveObjectDescriptor.REC_FILTER_MASK),
                chunk.get(SHORT, at + ArchiveObjectDescriptor.REC_FIRST_FILTER), chunk.get(INT, at + ArchiveObjectDescriptor.REC_WIRE_LENGTH),
                stored, chunk.get(LONG, at + ArchiveObjectDescriptor.REC_TUNNEL));
        dataAt = data;
        at = data + stored;
        return true;
    }

    /** The whole chunk: the last record's stored bytes are at {@link #dataOffset()}. */
    public MemorySegment chunk() {
        return chunk;
    }

    /** Where the last record's stored bytes start in {@link #chunk()}. */
    public int dataOffset() {
        return dataAt;
    }
}

package io.pswitch.pktlog.index;

/**
 * What a scan found in an index slot. {@link #VALID}, {@link #EMPTY} and {@link #RETIRED} are
 * normal; every other status is a reason a record was dropped.
 */
public enum RecordStatus {
    /** Intact, in its slot, inside the window, frame CRC matches. */
    VALID(false),
    /** All zero: never written, or zeroed by an earlier recovery. */
    EMPTY(false),
    /** Sequence below the durable oldest-sequence marker: retired by retention, its buffer may be reused. Not corruption. */
    RETIRED(false),
    /**
     * The record's first and last words come from different writes (sequence echo mismatch), or
     * its magic/version is missing: a write cut by a crash, a truncated file, or a damaged sequence.
     */
    TORN(true),
    /** Sequence impossible here: not &gt;= 1, not in this slot, or beyond the window. */
    BAD_SEQUENCE(true),
    /** bufIdx is reserved or outside the pool. */
    BAD_BUF_IDX(true),
    /** Stored length above the buffer size or the wire length, or a wire length below 1. */
    BAD_LENGTH(true),
    /** CRC32C over the record and its frame bytes does not match: the record or the frame changed. */
    BAD_CRC(true),
    /** Valid, but a record earlier in the run already references the same buffer. */
    DUPLICATE_BUFFER(true),
    /** Valid, but its timestamp is earlier than its predecessor's (the writer never does that). */
    BAD_TIMESTAMP(true),
    /** Valid on its own, but after the first gap in the sequence run: kept records are always contiguous. */
    AFTER_GAP(true);

    private final boolean drop;

    RecordStatus(boolean drop) {
        this.drop = drop;
    }

    /** Whether a record with this status is reported as dropped. */
    public boolean isDrop() {
        return drop;
    }
}

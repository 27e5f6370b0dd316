package io.pswitch.pktlog.segment;

/** What a chunk position holds, as recovery and readers judge it; every value but the first two ends the log there. */
public enum ChunkStatus {
    VALID("valid chunk"),
    END("nothing written (zero header)"),
    SEGMENT_FULL("no room for another chunk before the index and footer"),
    BAD_MAGIC("not a chunk header (bad magic)"),
    BAD_HEADER_CRC("chunk header CRC mismatch"),
    MISPLACED("chunk header names another offset"),
    BAD_LENGTH("impossible chunk length, record count or layout"),
    TRUNCATED("the file ends inside the chunk"),
    STALE_EPOCH("chunk of an older writer epoch after a newer one (left over past a truncated tail)"),
    SEQ_GAP("first sequence does not follow the previous chunk"),
    TORN_RECORD("record descriptor torn or inconsistent with the chunk header"),
    BAD_RECORD_CRC("record CRC mismatch (descriptor or frame bytes)"),
    PAST_END("well-formed chunk past the end of the log (written but not reachable: an earlier chunk was lost)");

    private final String reason;

    ChunkStatus(String reason) {
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    public boolean isDamage() {
        return this != VALID && this != END && this != SEGMENT_FULL;
    }
}

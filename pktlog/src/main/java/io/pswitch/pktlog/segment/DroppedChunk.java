package io.pswitch.pktlog.segment;

/**
 * A chunk recovery did not accept: the log ends at {@code offset} of segment {@code segment}; the
 * writer resumes there.
 *
 * @param firstSeq the first sequence the chunk claims (-1 when its header did not verify)
 * @param records records the chunk claims (0 when its header did not verify)
 * @param reason why it ends the log
 */
public record DroppedChunk(long segment, long offset, long firstSeq, int records, ChunkStatus reason) {
    @Override
    public String toString() {
        return SegmentDescriptor.fileName(segment) + " offset " + offset + ": " + reason.reason()
                + (records > 0 ? " (" + records + " records from seq " + firstSeq + ")" : "");
    }
}

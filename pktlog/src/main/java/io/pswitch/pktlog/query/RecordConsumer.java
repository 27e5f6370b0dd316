package io.pswitch.pktlog.query;

import java.lang.foreign.MemorySegment;

/** Receives query results in sequence order. */
@FunctionalInterface
public interface RecordConsumer {
    /**
     * @param record the record (reused between calls: copy what you keep)
     * @param frame the stored frame bytes at {@code [offset, offset + record.storedLength())}: a
     *     verified private copy, valid until this call returns
     * @return false to stop the query
     */
    boolean accept(LogRecord record, MemorySegment frame, long offset);
}

package io.pswitch.pktlog.query;

import java.lang.foreign.MemorySegment;

/**
 * A test over a stored frame's bytes (e.g. a compiled tcpdump filter re-applied at query time).
 * The bytes are {@code [offset, offset + storedLength)} of {@code segment}; {@code wireLength} is the
 * frame's length on the wire (the stored bytes may be a snaplen prefix).
 */
@FunctionalInterface
public interface FramePredicate {
    boolean test(MemorySegment segment, long offset, int storedLength, int wireLength);
}

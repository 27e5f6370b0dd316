package io.pswitch.pktlog.query;

import io.pswitch.pktlog.index.IndexRecordDescriptor;
import java.lang.foreign.MemorySegment;

/** One verified index record as a reader sees it; a reader reuses one instance. */
public final class LogRecord {
    private long sequence;
    private long timestampNs;
    private int ingressPort;
    private int decision;
    private long filterMask;
    private int firstFilterId;
    private int wireLength;
    private int storedLength;
    private int bufIdx;

    void load(MemorySegment rec) {
        sequence = IndexRecordDescriptor.sequence(rec);
        timestampNs = IndexRecordDescriptor.timestampNs(rec);
        ingressPort = IndexRecordDescriptor.ingressPort(rec);
        decision = IndexRecordDescriptor.decision(rec);
        filterMask = IndexRecordDescriptor.filterMask(rec);
        firstFilterId = IndexRecordDescriptor.firstFilterId(rec);
        wireLength = IndexRecordDescriptor.wireLength(rec);
        storedLength = IndexRecordDescriptor.storedLength(rec);
        bufIdx = IndexRecordDescriptor.bufIdx(rec);
    }

    /** A detached copy, for a caller that keeps records past the callback. */
    public LogRecord copy() {
        LogRecord c = new LogRecord();
        c.sequence = sequence;
        c.timestampNs = timestampNs;
        c.ingressPort = ingressPort;
        c.decision = decision;
        c.filterMask = filterMask;
        c.firstFilterId = firstFilterId;
        c.wireLength = wireLength;
        c.storedLength = storedLength;
        c.bufIdx = bufIdx;
        return c;
    }

    public long sequence() {
        return sequence;
    }

    public long timestampNs() {
        return timestampNs;
    }

    public int ingressPort() {
        return ingressPort;
    }

    /** Forwarding decision, encoded as described in {@link IndexRecordDescriptor}. */
    public int decision() {
        return decision;
    }

    public long filterMask() {
        return filterMask;
    }

    public int firstFilterId() {
        return firstFilterId;
    }

    public int wireLength() {
        return wireLength;
    }

    public int storedLength() {
        return storedLength;
    }

    public int bufIdx() {
        return bufIdx;
    }

    @Override
    public String toString() {
        return "seq " + sequence + " ts " + timestampNs + " port " + ingressPort + " len " + storedLength + "/" + wireLength
                + " buf " + bufIdx;
    }
}

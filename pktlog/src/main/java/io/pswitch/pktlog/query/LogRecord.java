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
    private long tunnel;

    void load(MemorySegment rec) {
        tunnel = IndexRecordDescriptor.tunnel(rec);
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

    /**
     * Fills this record from another tier's descriptor (the segment tier): the frame is not in a
     * pool buffer, so {@link #bufIdx()} is -1.
     */
    public void set(long sequence, long timestampNs, int ingressPort, int decision, long filterMask, int firstFilterId,
                    int wireLength, int storedLength, long tunnel) {
        this.sequence = sequence;
        this.timestampNs = timestampNs;
        this.ingressPort = ingressPort;
        this.decision = decision;
        this.filterMask = filterMask;
        this.firstFilterId = firstFilterId;
        this.wireLength = wireLength;
        this.storedLength = storedLength;
        this.bufIdx = -1;
        this.tunnel = tunnel;
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
        c.tunnel = tunnel;
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

    /** The pool buffer that held the frame in the hot tier; -1 for a record read from a segment. */
    public int bufIdx() {
        return bufIdx;
    }

    /** Tunnel metadata recorded with the frame (0 = none; opaque to pktlog). */
    public long tunnel() {
        return tunnel;
    }

    @Override
    public String toString() {
        return "seq " + sequence + " ts " + timestampNs + " port " + ingressPort + " len " + storedLength + "/" + wireLength
                + " buf " + bufIdx;
    }
}

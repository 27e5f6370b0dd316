package io.pswitch.pktlog.query;

import java.util.BitSet;

/**
 * What to select: a time range {@code [fromNs, toNs)}, optionally a set of ingress ports and a
 * predicate over the stored bytes, at most {@code limit} records. The one description of a
 * selection: the REST export builds it from query parameters, {@code pswitch export}/{@code replay}
 * from their options ({@code tools.log.Selection}).
 *
 * @param ports ingress port indices, or null for every port (a private copy: the record is immutable)
 * @param predicate test over the stored bytes, or null for all
 */
public record LogQuery(long fromNs, long toNs, BitSet ports, FramePredicate predicate, long limit) {
    public LogQuery {
        if (toNs < fromNs) {
            throw new IllegalArgumentException("time range ends (" + toNs + ") before it starts (" + fromNs + ")");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit " + limit + " must be >= 0");
        }
        ports = ports == null ? null : (BitSet) ports.clone();
    }

    public static LogQuery all() {
        return new LogQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, null, Long.MAX_VALUE);
    }

    public static LogQuery between(long fromNs, long toNs) {
        return new LogQuery(fromNs, toNs, null, null, Long.MAX_VALUE);
    }

    /** The port set, copied (callers may not change the query's own). */
    @Override
    public BitSet ports() {
        return ports == null ? null : (BitSet) ports.clone();
    }

    /** Whether records received on {@code port} are selected. */
    public boolean selectsPort(int port) {
        return ports == null || ports.get(port & 0xFFFF);
    }

    /** Only records received on {@code port}. */
    public LogQuery onPort(int port) {
        BitSet one = new BitSet();
        one.set(port & 0xFFFF);
        return new LogQuery(fromNs, toNs, one, predicate, limit);
    }

    public LogQuery matching(FramePredicate p) {
        return new LogQuery(fromNs, toNs, ports, p, limit);
    }

    public LogQuery limit(long n) {
        return new LogQuery(fromNs, toNs, ports, predicate, n);
    }
}

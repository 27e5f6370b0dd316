package io.pswitch.pktlog.query;

/**
 * What to select: a time range {@code [fromNs, toNs)}, optionally one ingress port and a predicate
 * over the stored bytes, at most {@code limit} records.
 *
 * @param ingressPort port index, or {@link #ANY_PORT}
 * @param predicate test over the stored bytes, or null for all
 */
public record LogQuery(long fromNs, long toNs, int ingressPort, FramePredicate predicate, long limit) {
    public static final int ANY_PORT = -1;

    public LogQuery {
        if (toNs < fromNs) {
            throw new IllegalArgumentException("time range ends (" + toNs + ") before it starts (" + fromNs + ")");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit " + limit + " must be >= 0");
        }
    }

    public static LogQuery all() {
        return new LogQuery(Long.MIN_VALUE, Long.MAX_VALUE, ANY_PORT, null, Long.MAX_VALUE);
    }

    public static LogQuery between(long fromNs, long toNs) {
        return new LogQuery(fromNs, toNs, ANY_PORT, null, Long.MAX_VALUE);
    }

    public LogQuery onPort(int port) {
        return new LogQuery(fromNs, toNs, port, predicate, limit);
    }

    public LogQuery matching(FramePredicate p) {
        return new LogQuery(fromNs, toNs, ingressPort, p, limit);
    }

    public LogQuery limit(long n) {
        return new LogQuery(fromNs, toNs, ingressPort, predicate, n);
    }
}

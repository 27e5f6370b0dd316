package io.pswitch.pktlog.query;

import io.pswitch.pktlog.tunnel.TunnelMeta;
import java.util.BitSet;

/**
 * What to select from a log — the one selection that export, replay, the REST packet stream and
 * every tier's reader share: a time range {@code [fromNs, toNs)}, optionally a set of ingress
 * ports, a tunnel's VNI and a predicate over the stored bytes (a tcpdump expression, see
 * {@link FramePredicate#tcpdump}), at most {@code limit} records.
 *
 * @param ports ingress port indices, or null for all (a copy is kept: queries are immutable)
 * @param vni the VXLAN network identifier the frame arrived with, or {@link #ANY_VNI}
 * @param predicate test over the stored bytes, or null for all
 * @param expression the predicate's tcpdump expression as given (for messages), or null
 */
public record LogQuery(long fromNs, long toNs, BitSet ports, int vni, FramePredicate predicate, String expression, long limit) {
    public static final int ANY_VNI = -1;

    public LogQuery {
        if (toNs < fromNs) {
            throw new IllegalArgumentException("time range ends (" + toNs + ") before it starts (" + fromNs + ")");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit " + limit + " must be >= 0");
        }
        if (vni != ANY_VNI && (vni < 0 || vni > TunnelMeta.MAX_VNI)) {
            throw new IllegalArgumentException("VNI " + vni + " is not between 0 and " + TunnelMeta.MAX_VNI);
        }
        ports = ports == null ? null : (BitSet) ports.clone();
    }

    public static LogQuery all() {
        return new LogQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, ANY_VNI, null, null, Long.MAX_VALUE);
    }

    public static LogQuery between(long fromNs, long toNs) {
        return new LogQuery(fromNs, toNs, null, ANY_VNI, null, null, Long.MAX_VALUE);
    }

    public LogQuery onPort(int port) {
        BitSet b = new BitSet();
        b.set(port & 0xFFFF);
        return onPorts(b);
    }

    /** Records of these ingress ports only (null: all). */
    public LogQuery onPorts(BitSet p) {
        return new LogQuery(fromNs, toNs, p, vni, predicate, expression, limit);
    }

    public LogQuery withVni(int v) {
        return new LogQuery(fromNs, toNs, ports, v, predicate, expression, limit);
    }

    public LogQuery matching(FramePredicate p) {
        return new LogQuery(fromNs, toNs, ports, vni, p, expression, limit);
    }

    /** Compiles {@code tcpdumpExpression} with libpcap (null or blank: no predicate). */
    public LogQuery matching(String tcpdumpExpression) {
        if (tcpdumpExpression == null || tcpdumpExpression.isBlank()) {
            return new LogQuery(fromNs, toNs, ports, vni, null, null, limit);
        }
        return new LogQuery(fromNs, toNs, ports, vni, FramePredicate.tcpdump(tcpdumpExpression), tcpdumpExpression, limit);
    }

    public LogQuery limit(long n) {
        return new LogQuery(fromNs, toNs, ports, vni, predicate, expression, n);
    }

    public LogQuery window(long from, long to) {
        return new LogQuery(from, to, ports, vni, predicate, expression, limit);
    }

    /** Whether this query takes records of ingress port {@code port}. */
    public boolean portSelected(int port) {
        return ports == null || ports.get(port & 0xFFFF);
    }

    /** Everything but time and bytes: the port and the tunnel. Cheap; readers test it before the predicate. */
    public boolean selects(LogRecord rec) {
        if (ports != null && !ports.get(rec.ingressPort() & 0xFFFF)) {
            return false;
        }
        return vni == ANY_VNI || TunnelMeta.present(rec.tunnel()) && TunnelMeta.vni(rec.tunnel()) == vni;
    }

    /** The record passes the whole query (time excepted: readers find the window through their indexes). */
    public boolean selects(LogRecord rec, java.lang.foreign.MemorySegment frame, long offset) {
        return selects(rec) && (predicate == null || predicate.test(frame, offset, rec.storedLength(), rec.wireLength()));
    }
}

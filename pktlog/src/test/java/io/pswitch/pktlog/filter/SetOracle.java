package io.pswitch.pktlog.filter;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * What a {@link FilterSet} must report for a frame, worked out from libpcap alone: every filter's
 * expression compiled by libpcap and run by {@code pcap_offline_filter}, filter by filter, with the
 * set's rules (enabled, ingress port in scope, largest snaplen of the matches, capped to the captured
 * bytes) applied here independently of FilterSet's code.
 */
final class SetOracle {
    private final List<Filter> filters;
    private final LibpcapReference libpcap;
    private final Map<String, MemorySegment> programs = new HashMap<>();
    private final int[][] ports;

    SetOracle(List<Filter> filters, ToIntFunction<String> portIndex, LibpcapReference libpcap) throws Throwable {
        this.filters = filters;
        this.libpcap = libpcap;
        ports = new int[filters.size()][];
        for (int i = 0; i < filters.size(); i++) {
            Filter f = filters.get(i);
            if (!programs.containsKey(f.expression())) {
                programs.put(f.expression(), libpcap.compile(f.expression()));
            }
            ports[i] = f.ports().stream().mapToInt(portIndex).toArray();
        }
    }

    /** Expected verdicts: bit p of the result = filter p matches; {@code out[0]} = the store length. */
    long[] expect(byte[] frame, int capLen, int wireLen, int port, int[] out) throws Throwable {
        libpcap.load(frame, capLen, wireLen);
        Map<String, Integer> verdicts = new HashMap<>();
        long[] bits = new long[(filters.size() + 63) / 64];
        long store = 0;
        for (int p = 0; p < filters.size(); p++) {
            Filter f = filters.get(p);
            if (!f.enabled() || !inScope(p, port)) {
                continue;
            }
            Integer v = verdicts.get(f.expression());
            if (v == null) {
                v = libpcap.filterLoaded(programs.get(f.expression()));
                verdicts.put(f.expression(), v);
            }
            if (v != 0) {
                bits[p >>> 6] |= 1L << p;
                long want = Math.min(Integer.toUnsignedLong(v), f.snaplen() == 0 ? capLen : f.snaplen());
                store = Math.max(store, Math.min(want, capLen));
            }
        }
        out[0] = (int) store;
        return bits;
    }

    private boolean inScope(int p, int port) {
        if (ports[p].length == 0) {
            return true;
        }
        for (int q : ports[p]) {
            if (q >= 0 && q == port) {
                return true;
            }
        }
        return false;
    }
}

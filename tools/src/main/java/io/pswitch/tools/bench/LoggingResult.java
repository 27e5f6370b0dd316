package io.pswitch.tools.bench;

/**
 * What one logging case measured. Rates are over the measured window; {@code logged} counts the
 * frames logged in that window, {@code loggedTotal} since the switch started (warm-up and drain
 * included). Commit latency: the zero-copy log's {@code PacketLog.commitLatency()}, or the copy
 * baseline's flush time measured the same way, over the whole run (warm-up included); 0 when none.
 */
public record LoggingResult(LoggingCase c, String storageClass, double seconds, long sent, long forwarded,
                            long dropped, long logged, long loggedTotal, long skippedNoBuffer, long commits,
                            long commitP50Ns, long commitP99Ns, long commitMaxNs) {
    public double mpps() {
        return forwarded / seconds / 1e6;
    }

    /** Wire rate, with 24 B of preamble, inter-frame gap and FCS per frame. */
    public double gbps() {
        return forwarded * (c.frameSize() + 24) * 8.0 / seconds / 1e9;
    }
}

package io.pswitch.tools.bench;

/**
 * What one logging case measured. Rates are over the measured window; {@code logged} counts the
 * frames logged in that window (matched, for {@code FILTER_ONLY}), {@code loggedTotal} since the switch started (warm-up and drain
 * included). {@code agentCpuShare} and {@code generatorCpuShare}: CPU time of the dataplane thread and
 * of the generating thread over the window's wall time (both spin: 1.0 when nothing else ran on their
 * cores). {@code busyNsPerFrame}: wall time of the dataplane's busy duty cycles per frame it took
 * (see {@link BusyTimeAgent}); {@code 1000 / busyNsPerFrame} is the rate in Mpps the dataplane
 * sustains while it has work; {@code cycleNsPerFrame}: the frame-weighted median of each busy cycle's own ns per
 * frame, which the few cycles that lost their core to other load do not move. Commit latency: the zero-copy log's {@code PacketLog.commitLatency()}, or the copy
 * baseline's flush time measured the same way, over the whole run (warm-up included); 0 when none.
 * {@code segmentsWrapped}: the zero-copy log's segment tier had wrapped (its first segment recycled
 * or deleted) before the measured window began, so the window wrote into recycled files.
 */
public record LoggingResult(LoggingCase c, String storageClass, double seconds, long sent, long forwarded,
                            long dropped, long logged, long loggedTotal, long skippedNoBuffer, long commits,
                            long commitP50Ns, long commitP99Ns, long commitMaxNs, double agentCpuShare,
                            double generatorCpuShare, double busyNsPerFrame, double cycleNsPerFrame,
                            long skippedStorageBehind,
                            long loggedBytes, boolean segmentsWrapped) {
    /** Stored bytes logged per second over the window (frames persisted, after snaplen). */
    public double loggedMBps() {
        return loggedBytes / seconds / 1e6;
    }

    public double mpps() {
        return forwarded / seconds / 1e6;
    }

    /** What the dataplane sustains while busy: frames per busy microsecond. */
    public double busyMpps() {
        return busyNsPerFrame == 0 ? 0 : 1000 / busyNsPerFrame;
    }

    /** Wire rate, with 24 B of preamble, inter-frame gap and FCS per frame. */
    public double gbps() {
        return forwarded * (c.frameSize() + 24) * 8.0 / seconds / 1e9;
    }
}

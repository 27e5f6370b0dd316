package io.pswitch.tools.log;

import java.util.Locale;

/**
 * What a replay did. Timing is measured on the sending side: when each frame was handed to the
 * port, against the logged spacing scaled by the speed factor.
 *
 * @param framesSent frames handed to the port and transmitted by it
 * @param passes passes over the selection
 * @param meanGapErrorNs mean |actual gap - logged gap / speed| between consecutive frames of a pass (paced replays)
 * @param maxGapErrorNs the largest such error
 * @param paced false at top speed (no schedule, so no timing error)
 */
public record ReplayResult(long framesSent, long bytesSent, long passes, long elapsedNs, double meanGapErrorNs,
                           long maxGapErrorNs, long skippedRetired, long crcMismatches, String port, boolean paced) {
    public String toText() {
        return String.format(Locale.ROOT, "replayed %d frames (%d bytes) to %s in %.3f s, %d pass(es); ", framesSent, bytesSent,
                port, elapsedNs / 1e9, passes)
                + (paced ? String.format(Locale.ROOT, "gap error mean %.1f us, max %.1f us", meanGapErrorNs / 1e3, maxGapErrorNs / 1e3)
                        : "top speed (unpaced)")
                + (skippedRetired + crcMismatches > 0 ? "; skipped " + skippedRetired + " retired, " + crcMismatches + " failing their CRC" : "");
    }

    public String toJson() {
        return String.format(Locale.ROOT, "{\"framesSent\":%d,\"bytesSent\":%d,\"passes\":%d,\"elapsedMs\":%.3f,"
                        + "\"paced\":%b,\"meanGapErrorUs\":%.3f,\"maxGapErrorUs\":%.3f,\"skippedRetired\":%d,\"crcMismatches\":%d,\"port\":\"%s\"}",
                framesSent, bytesSent, passes, elapsedNs / 1e6, paced, meanGapErrorNs / 1e3, maxGapErrorNs / 1e3, skippedRetired,
                crcMismatches, Json.escape(port));
    }
}

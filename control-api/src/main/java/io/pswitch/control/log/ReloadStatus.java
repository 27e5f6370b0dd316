package io.pswitch.control.log;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.pswitch.control.time.TimeSpec;
import java.util.List;

/**
 * The outcome of the last config reload (SIGHUP, {@code systemctl reload}), shown under
 * {@code reload} in {@code GET /api/v1/log}: the journal scrolls away, this stays until the next
 * attempt. Immutable; the reload publishes a new one per attempt.
 *
 * @param attempts reloads attempted since start (a client waits for it to grow after a SIGHUP)
 * @param timeNs when the last attempt ended, epoch nanoseconds
 * @param ok whether the file was read and what can change live was applied; false leaves the
 *     running configuration untouched
 * @param message one line: what was applied, or why nothing was
 * @param file the config file re-read, null when the switch was started without one
 * @param changed what was applied, e.g. {@code log.filters: added web; changed ping}
 * @param needsRestart config keys whose new value differs from the running one and only applies at
 *     the next start ({@code ports}, {@code pool.buffers}, ...): left as they run
 */
public record ReloadStatus(long attempts, long timeNs, boolean ok, String message, String file, List<String> changed,
                           List<String> needsRestart) {
    public ReloadStatus {
        changed = List.copyOf(changed);
        needsRestart = List.copyOf(needsRestart);
    }

    /** {@link #timeNs} as RFC 3339 (UTC). */
    @JsonProperty("time")
    public String time() {
        return TimeSpec.format(timeNs);
    }
}

package io.pswitch.tools.log;

import java.time.Instant;

/** The log's clock for the tools: epoch nanoseconds (relative times such as {@code 15m} count back from it). */
public final class Clock {
    private Clock() {
    }

    public static long nowNs() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}

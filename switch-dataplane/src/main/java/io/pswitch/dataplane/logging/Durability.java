package io.pswitch.dataplane.logging;

import java.time.Duration;
import java.util.Locale;

/**
 * When logged records are made durable (frame bytes, then index slots: {@code PacketLog.commit}).
 * Records are published to readers at the end of every batch in every mode; only the flushing differs.
 *
 * <p>What survives a crash (kill -9 or power loss), mode by mode:
 * <ul>
 *   <li>{@link Mode#SYNC}: every batch is committed before pass 2 transmits it, so a logged frame
 *       leaves the switch only once it is durable. After a crash, every logged frame that was
 *       transmitted is in the log.</li>
 *   <li>{@link Mode#BATCH}: a commit when {@code maxRecords} records are pending or the oldest
 *       pending one has waited {@code maxDelay}, whichever comes first (checked every duty cycle,
 *       idle or not). A crash loses at most the records of that window; frames are forwarded
 *       without waiting for it.</li>
 *   <li>{@link Mode#ASYNC}: the same with a long window ({@code maxDelay}, default 1 s): the
 *       bounded lag. Cheapest on a disk.</li>
 * </ul>
 * In every mode, what recovery accepts was committed or at least passes its CRC: a record is never
 * returned with bytes other than those logged.
 *
 * @param maxRecords commit when this many records are pending (SYNC: 0, commit every batch)
 * @param maxDelayNs commit when the oldest pending record is this old (SYNC: 0)
 */
public record Durability(Mode mode, int maxRecords, long maxDelayNs) {
    public enum Mode { SYNC, BATCH, ASYNC }

    public static final int DEFAULT_BATCH_RECORDS = 1024;
    public static final Duration DEFAULT_BATCH_DELAY = Duration.ofNanos(1_000_000);
    public static final int DEFAULT_ASYNC_RECORDS = 65536;
    public static final Duration DEFAULT_ASYNC_DELAY = Duration.ofSeconds(1);

    public Durability {
        if (mode == null) {
            throw new IllegalArgumentException("durability mode missing");
        }
        if (mode == Mode.SYNC) {
            maxRecords = 0;
            maxDelayNs = 0;
        } else {
            if (maxRecords < 1) {
                throw new IllegalArgumentException("durability " + mode.name().toLowerCase(Locale.ROOT)
                        + ": commit every " + maxRecords + " records must be at least 1");
            }
            if (maxDelayNs <= 0) {
                throw new IllegalArgumentException("durability " + mode.name().toLowerCase(Locale.ROOT)
                        + ": commit interval must be positive");
            }
        }
    }

    public static Durability sync() {
        return new Durability(Mode.SYNC, 0, 0);
    }

    public static Durability batch(int maxRecords, Duration maxDelay) {
        return new Durability(Mode.BATCH, maxRecords, maxDelay.toNanos());
    }

    public static Durability async(Duration lag) {
        return new Durability(Mode.ASYNC, DEFAULT_ASYNC_RECORDS, lag.toNanos());
    }

    /** {@code sync}, {@code batch} or {@code async} with their default windows. */
    public static Durability parse(String mode) {
        return switch (mode == null ? "" : mode.toLowerCase(Locale.ROOT)) {
            case "sync" -> sync();
            case "batch" -> batch(DEFAULT_BATCH_RECORDS, DEFAULT_BATCH_DELAY);
            case "async" -> async(DEFAULT_ASYNC_DELAY);
            default -> throw new IllegalArgumentException("durability '" + mode + "' is not one of sync, batch, async");
        };
    }

    /** The same mode with another window (ignored for SYNC). */
    public Durability withWindow(int records, Duration delay) {
        return mode == Mode.SYNC ? this : new Durability(mode, records, delay.toNanos());
    }

    public String label() {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return mode == Mode.SYNC ? "sync (every batch, before transmit)"
                : label() + " (every " + maxRecords + " records or " + Duration.ofNanos(maxDelayNs).toNanos() / 1000 + " µs)";
    }
}

package io.pswitch.tools.bench;

import io.pswitch.dataplane.logging.Durability;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One case of the logging benchmark.
 *
 * @param variant what the switch does with matching frames
 * @param frameSize bytes per frame
 * @param match percent of the frames the filter selects (the traffic marks them; see {@link LoggingTraffic})
 * @param durability the flush policy of the log (null for {@link Variant#FORWARD})
 * @param storage a label for {@code dir} ("tmpfs", "disk")
 * @param dir where the log (its data directory) and the copy log go
 * @param poolDir where every variant's pool goes (the zero-copy log's as its {@code --pool-dir}), or
 *     null: the zero-copy log's where the switch puts it for {@code dir}, the others' on /dev/shm.
 *     One directory for all makes the variants' pools alike (same file system, same page size).
 * @param segmentLogBytes the zero-copy log's segment tier size ({@code --log-size}) on a disk
 * @param untilWrapped the warm-up lasts until the segment tier has wrapped (its oldest segment
 *     recycled or deleted), so the measured window runs in the log's steady state
 */
public record LoggingCase(Variant variant, int frameSize, int match, Durability durability, String storage, Path dir,
                          Path poolDir, long segmentLogBytes, boolean untilWrapped) {
    /** The segment tier's size when the benchmark is not told one: large enough not to wrap in a short run. */
    public static final long DEFAULT_SEGMENT_LOG_BYTES = 2L << 30;

    public enum Variant {
        /** Forwarding only, no filter evaluated: the reference. */
        FORWARD,
        /** Forwarding, and every frame run through the filter; nothing persisted (a diagnostic step between the two). */
        FILTER_ONLY,
        /** The switch's logging stage: frames persisted in place in their pool buffers. */
        ZERO_COPY,
        /** No zero-copy log; {@link CopyLogBaseline} copies matching frames into a file of its own. */
        COPY;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public LoggingCase {
        if (frameSize < LoggingTraffic.MIN_SIZE || frameSize > 2048) {
            throw new IllegalArgumentException("frame size " + frameSize + " must be between " + LoggingTraffic.MIN_SIZE
                    + " and 2048 bytes");
        }
        if (match < 1 || match > 100) {
            throw new IllegalArgumentException("match " + match + " % must be between 1 and 100");
        }
        if ((variant == Variant.ZERO_COPY || variant == Variant.COPY) && durability == null) {
            throw new IllegalArgumentException(variant.label() + " needs a durability mode");
        }
    }

    public LoggingCase(Variant variant, int frameSize, int match, Durability durability, String storage, Path dir) {
        this(variant, frameSize, match, durability, storage, dir, null);
    }

    public LoggingCase(Variant variant, int frameSize, int match, Durability durability, String storage, Path dir,
                       Path poolDir) {
        this(variant, frameSize, match, durability, storage, dir, poolDir, DEFAULT_SEGMENT_LOG_BYTES, false);
    }

    public String durabilityLabel() {
        return durability == null ? "-" : durability.label();
    }
}

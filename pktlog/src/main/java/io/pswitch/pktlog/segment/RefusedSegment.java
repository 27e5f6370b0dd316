package io.pswitch.pktlog.segment;

import java.nio.file.Path;

/**
 * A segment file recovery did not accept into the log, and why. The writer sets it aside by
 * renaming it to {@code <name>.refused} (never deleted: it may be another log's data, or evidence);
 * read-only recovery only reports it.
 *
 * @param path where it was found
 * @param setAsideAs where it is now ({@code path} when read-only, or removed when {@code removed})
 * @param removed true only for an unfinished newest segment whose header was never written (all
 *     zero): a crash while the segment was being created; it cannot hold a record
 */
public record RefusedSegment(Path path, String reason, Path setAsideAs, boolean removed) {
    /** The end of {@link #reason} for a newest segment a crash left before its header was written. */
    static final String CREATION_UNFINISHED = ": creation did not finish";

    /**
     * A crash while the newest segment was being created (its header never written): an ordinary
     * outcome of {@code kill -9}, holding no record; the writer's recovery removes it.
     */
    public boolean unfinishedCreation() {
        return reason.endsWith(CREATION_UNFINISHED);
    }

    @Override
    public String toString() {
        return path + ": " + reason + (removed ? " (removed)" : setAsideAs.equals(path) ? "" : " (set aside as " + setAsideAs.getFileName() + ")");
    }
}

package io.pswitch.pktlog.segment;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The tail position recorded in {@code segments/checkpoint} (format: {@link CheckpointDescriptor};
 * written by {@link CheckpointFile}).
 *
 * @param logId the log it belongs to
 * @param epoch the highest epoch a writer of this log has used
 * @param segmentNumber the segment holding the tail
 * @param chunksEnd offset after the last durable chunk in that segment
 * @param lastSeq last durable sequence (0 when the log is empty)
 */
public record SegmentCheckpoint(UUID logId, int epoch, long segmentNumber, long chunksEnd, long lastSeq) {

    /**
     * What reading a checkpoint found: the checkpoint (the valid slot of the higher generation),
     * or null with the reason it is not usable.
     */
    public record Read(SegmentCheckpoint checkpoint, long generation, String problem) {
    }

    static Path path(Path segmentsDir) {
        return segmentsDir.resolve(CheckpointDescriptor.FILE_NAME);
    }

    /** Reads the checkpoint; a missing, damaged or foreign one is reported, never thrown. */
    public static Read read(Path segmentsDir, UUID expectedLogId) {
        return SegmentStore.directory(segmentsDir).checkpoint(segmentsDir, expectedLogId);
    }

    /** The valid slot of the higher generation in a checkpoint file's bytes. */
    static Read parse(byte[] bytes, Path p, UUID expectedLogId) {
        Read best = null;
        String problem = null;
        for (int slot = 0; slot < 2; slot++) {
            int at = slot * CheckpointDescriptor.SLOT_SIZE;
            if (bytes.length < at + CheckpointDescriptor.SIZE) {
                problem = problem != null ? problem : p + ": " + bytes.length + " bytes, too short for slot " + slot;
                continue;
            }
            MemorySegment c = MemorySegment.ofArray(bytes).asSlice(at, CheckpointDescriptor.SIZE);
            String bad = problemOf(c, expectedLogId);
            if (bad != null) {
                // A foreign log is the more useful reason to report than a never-written slot.
                if (problem == null || bad.startsWith("belongs")) {
                    problem = p + ": " + bad;
                }
                continue;
            }
            long gen = CheckpointDescriptor.generation(c);
            if (best == null || gen > best.generation()) {
                best = new Read(new SegmentCheckpoint(new UUID(CheckpointDescriptor.logIdMsb(c), CheckpointDescriptor.logIdLsb(c)),
                        CheckpointDescriptor.epoch(c), CheckpointDescriptor.segmentNumber(c), CheckpointDescriptor.chunksEnd(c),
                        CheckpointDescriptor.lastSeq(c)), gen, null);
            }
        }
        return best != null ? best : new Read(null, -1, problem);
    }

    private static String problemOf(MemorySegment c, UUID expectedLogId) {
        if (CheckpointDescriptor.magic(c) != CheckpointDescriptor.MAGIC
                || new Crc32c().of(c, 0, CheckpointDescriptor.CRC_OFFSET) != CheckpointDescriptor.crc(c)) {
            return "bad magic or CRC";
        }
        if (CheckpointDescriptor.version(c) != CheckpointDescriptor.VERSION) {
            return "unknown version " + CheckpointDescriptor.version(c);
        }
        UUID id = new UUID(CheckpointDescriptor.logIdMsb(c), CheckpointDescriptor.logIdLsb(c));
        if (expectedLogId != null && !id.equals(expectedLogId)) {
            return "belongs to log " + id + ", not " + expectedLogId;
        }
        return null;
    }
}

package io.pswitch.pktlog.segment;

import io.pswitch.pktlog.catalog.AtomicFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The tail position recorded in {@code segments/checkpoint} (format: {@link CheckpointDescriptor}).
 *
 * @param logId the log it belongs to
 * @param epoch the highest epoch a writer of this log has used
 * @param segmentNumber the segment holding the tail
 * @param chunksEnd offset after the last durable chunk in that segment
 * @param lastSeq last durable sequence (0 when the log is empty)
 */
public record SegmentCheckpoint(UUID logId, int epoch, long segmentNumber, long chunksEnd, long lastSeq) {

    /** What reading a checkpoint found: the checkpoint, or null with the reason it is not usable. */
    public record Read(SegmentCheckpoint checkpoint, String problem) {
    }

    static Path path(Path segmentsDir) {
        return segmentsDir.resolve(CheckpointDescriptor.FILE_NAME);
    }

    /** Reads the checkpoint; a missing, damaged or foreign one is reported, never thrown. */
    public static Read read(Path segmentsDir, UUID expectedLogId) {
        Path p = path(segmentsDir);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return new Read(null, "no checkpoint");
        } catch (IOException e) {
            return new Read(null, p + ": cannot read: " + e.getMessage());
        }
        if (bytes.length != CheckpointDescriptor.SIZE) {
            return new Read(null, p + ": " + bytes.length + " bytes, expected " + CheckpointDescriptor.SIZE);
        }
        MemorySegment c = MemorySegment.ofArray(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CheckpointDescriptor.CRC_OFFSET);
        if (CheckpointDescriptor.magic(c) != CheckpointDescriptor.MAGIC || (int) crc.getValue() != CheckpointDescriptor.crc(c)) {
            return new Read(null, p + ": bad magic or CRC");
        }
        if (CheckpointDescriptor.version(c) != CheckpointDescriptor.VERSION) {
            return new Read(null, p + ": unknown version " + CheckpointDescriptor.version(c));
        }
        UUID id = new UUID(CheckpointDescriptor.logIdMsb(c), CheckpointDescriptor.logIdLsb(c));
        if (expectedLogId != null && !id.equals(expectedLogId)) {
            return new Read(null, p + ": belongs to log " + id + ", not " + expectedLogId);
        }
        return new Read(new SegmentCheckpoint(id, CheckpointDescriptor.epoch(c), CheckpointDescriptor.segmentNumber(c),
                CheckpointDescriptor.chunksEnd(c), CheckpointDescriptor.lastSeq(c)), null);
    }

    /** Replaces the checkpoint durably (old or new after a crash). */
    void write(Path segmentsDir) throws IOException {
        byte[] bytes = new byte[CheckpointDescriptor.SIZE];
        MemorySegment c = MemorySegment.ofArray(bytes);
        CheckpointDescriptor.write(c, this);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CheckpointDescriptor.CRC_OFFSET);
        c.set(SegmentDescriptor.INT, CheckpointDescriptor.CRC_OFFSET, (int) crc.getValue());
        AtomicFile.write(path(segmentsDir), bytes);
    }
}

package io.pswitch.pktlog.segment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Writes {@code segments/checkpoint} in place: two preallocated slots updated alternately, one
 * aligned block and an fdatasync each ({@link CheckpointDescriptor}). Owned by the writer.
 */
final class CheckpointFile {
    private final SegmentFile file;
    private final MemorySegment block;
    private final MemorySegment iov;
    private final Crc32c crc = new Crc32c();
    private long generation;

    private CheckpointFile(SegmentFile file, MemorySegment block, MemorySegment iov, long generation) {
        this.file = file;
        this.block = block;
        this.iov = iov;
        this.generation = generation;
    }

    /**
     * Opens (creating and preallocating when absent) the checkpoint file; the next update goes to
     * the slot after {@code lastGeneration}'s.
     */
    static CheckpointFile open(NativeIo io, Arena arena, Path segmentsDir, long lastGeneration) {
        Path p = SegmentCheckpoint.path(segmentsDir);
        SegmentFile f = SegmentFile.open(io, p, -1, CheckpointDescriptor.FILE_SIZE, true);
        if (f == null) {
            throw new SegmentException(p + ": no space for the " + CheckpointDescriptor.FILE_SIZE + "-byte checkpoint");
        }
        MemorySegment block = arena.allocate(CheckpointDescriptor.SLOT_SIZE, CheckpointDescriptor.SLOT_SIZE);
        MemorySegment iov = arena.allocate(NativeIo.IOVEC_SIZE, 8);
        return new CheckpointFile(f, block, iov, Math.max(0, lastGeneration));
    }

    /** Writes {@code cp} durably into the older slot. */
    void write(SegmentCheckpoint cp) {
        generation++;
        block.fill((byte) 0);
        CheckpointDescriptor.write(block, cp, generation);
        block.set(SegmentDescriptor.INT, CheckpointDescriptor.CRC_OFFSET, crc.of(block, 0, CheckpointDescriptor.CRC_OFFSET));
        iov.set(ValueLayout.JAVA_LONG, 0, block.address());
        iov.set(ValueLayout.JAVA_LONG, 8, CheckpointDescriptor.SLOT_SIZE);
        file.writeFully(iov, 1, (generation & 1) * CheckpointDescriptor.SLOT_SIZE, CheckpointDescriptor.SLOT_SIZE);
        file.sync();
    }

    void close() {
        file.close();
    }
}

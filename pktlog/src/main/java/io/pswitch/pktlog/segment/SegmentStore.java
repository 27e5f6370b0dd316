package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Where recovery reads segments and the checkpoint from: the segments directory, or (for the
 * power-loss model) crash images held in memory.
 */
interface SegmentStore {
    /** Every entry of the directory. */
    List<Path> files();

    SegmentImage open(Path file) throws IOException;

    /** The checkpoint file's bytes, or null when there is none. */
    byte[] checkpointBytes() throws IOException;

    /**
     * The list of sealed segments' bytes ({@link SealedListDescriptor}), or null when there is none
     * (crash images model segment and checkpoint writes only: recovery then reads every footer).
     */
    default byte[] sealedListBytes() throws IOException {
        return null;
    }

    default SealedList.Read sealedList(Path dir, UUID logId) {
        byte[] bytes;
        try {
            bytes = sealedListBytes();
        } catch (IOException e) {
            return SealedList.Read.unusable(SealedList.path(dir) + ": cannot read: " + e.getMessage());
        }
        if (bytes == null) {
            return SealedList.Read.unusable("no list of sealed segments");
        }
        return SealedList.parse(bytes, SealedList.path(dir), logId);
    }

    default SegmentCheckpoint.Read checkpoint(Path dir, UUID logId) {
        byte[] bytes;
        try {
            bytes = checkpointBytes();
        } catch (IOException e) {
            return new SegmentCheckpoint.Read(null, -1, SegmentCheckpoint.path(dir) + ": cannot read: " + e.getMessage());
        }
        if (bytes == null) {
            return new SegmentCheckpoint.Read(null, -1, "no checkpoint");
        }
        return SegmentCheckpoint.parse(bytes, SegmentCheckpoint.path(dir), logId);
    }

    static SegmentStore directory(Path dir) {
        return new SegmentStore() {
            @Override
            public List<Path> files() {
                List<Path> out = new ArrayList<>();
                if (!Files.isDirectory(dir)) {
                    return out;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path p : ds) {
                        out.add(p);
                    }
                } catch (IOException e) {
                    throw new SegmentException(dir + ": cannot list segments: " + e.getMessage(), e);
                }
                return out;
            }

            @Override
            public SegmentImage open(Path file) throws IOException {
                return SegmentImage.open(file);
            }

            @Override
            public byte[] checkpointBytes() throws IOException {
                try {
                    return Files.readAllBytes(SegmentCheckpoint.path(dir));
                } catch (NoSuchFileException e) {
                    return null;
                }
            }

            @Override
            public byte[] sealedListBytes() throws IOException {
                try {
                    return Files.readAllBytes(SealedList.path(dir));
                } catch (NoSuchFileException e) {
                    return null;
                }
            }
        };
    }
}

package io.pswitch.pktlog.segment;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Crash images held in memory, seen by recovery as a segments directory. */
final class MemoryStore implements SegmentStore {
    final Map<Path, MemorySegment> files = new LinkedHashMap<>();
    byte[] checkpoint;

    @Override
    public List<Path> files() {
        return new ArrayList<>(files.keySet());
    }

    @Override
    public SegmentImage open(Path file) {
        MemorySegment m = files.get(file);
        if (m == null) {
            throw new SegmentException(file + ": no such image");
        }
        return SegmentImage.of(m);
    }

    @Override
    public byte[] checkpointBytes() {
        return checkpoint;
    }
}

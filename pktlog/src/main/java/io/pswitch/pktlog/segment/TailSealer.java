package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Seals a tail segment that recovery found unsealed (crash, kill -9, a close without seal): its
 * index is rebuilt from its chunk headers up to the end recovery validated, then index and footer
 * are written and synced. Everything past that end (a torn chunk, leftovers) is thereby outside
 * the sealed segment for good.
 */
final class TailSealer {
    private TailSealer() {
    }

    /**
     * What sealing did: the segment as its footer now describes it, or why it could not be sealed
     * (the segment stays unsealed, which readers handle).
     */
    record Sealed(SegmentSummary segment, String problem) {
        static Sealed not(String problem) {
            return new Sealed(null, problem);
        }
    }

    static Sealed seal(NativeIo io, Arena arena, MemorySegment block, MemorySegment blockIov, Crc32c crc, Path path,
                       long number, long tailEnd) {
        MemorySegment h = MemorySegment.ofArray(new byte[SegmentDescriptor.HEADER_FIELDS]);
        try (SegmentImage img = SegmentImage.open(path)) {
            img.read(0, h, 0, SegmentDescriptor.HEADER_FIELDS);
        } catch (IOException | SegmentException e) {
            return Sealed.not("cannot read its header: " + e.getMessage());
        }
        long size = SegmentDescriptor.segmentSize(h);
        int a = SegmentDescriptor.alignment(h);
        SegmentFile f;
        try {
            f = SegmentFile.open(io, path, number, size, true);
        } catch (SegmentException e) {
            return Sealed.not(e.getMessage());
        }
        if (f == null) {
            return Sealed.not("no space to preallocate it again to " + size + " bytes");
        }
        try (SegmentImage img = SegmentImage.open(path)) {
            OpenSegment seg = new OpenSegment(f, size, a, block, arena.allocate(OpenSegment.maxIndexBytes(size, a), 4096),
                    blockIov, crc);
            ChunkScanner scanner = new ChunkScanner();
            long pos = SegmentDescriptor.HEADER_SIZE;
            // Recovery validated these chunks (after the checkpoint) or trusts them (before it): headers suffice.
            while (pos < tailEnd) {
                if (scanner.loadHeader(img, pos, SegmentDescriptor.footerOffset(size), a) != ChunkStatus.VALID) {
                    return Sealed.not("the chunk at offset " + pos + " no longer verifies");
                }
                seg.noteChunk(pos, scanner.length(), scanner.count(), scanner.firstSeq(), scanner.lastSeq(),
                        scanner.firstTs(), scanner.lastTs(), scanner.epoch());
                pos += scanner.length();
            }
            seg.seal();
            return new Sealed(seg.summary(), null);
        } catch (IOException | SegmentException e) {
            return Sealed.not(e.getMessage());
        } finally {
            f.close();
        }
    }
}

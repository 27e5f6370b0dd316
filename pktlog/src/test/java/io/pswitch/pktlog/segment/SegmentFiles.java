package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/** Inspecting and damaging segment files in tests: where the chunks are, and byte patches. */
final class SegmentFiles {
    private SegmentFiles() {
    }

    /** One chunk as found in a file. */
    record Chunk(long offset, int length, long firstSeq, int count, int epoch, int gatheredOffset) {
        long lastSeq() {
            return firstSeq + count - 1;
        }
    }

    static Path segment(Path dir, long number) {
        return dir.resolve(SegmentDescriptor.fileName(number));
    }

    static List<Path> segments(Path dir) {
        try (var s = Files.list(dir)) {
            return s.filter(p -> SegmentDescriptor.segmentNumber(p.getFileName().toString()) >= 0).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The valid chunks of a segment, in order, until the first that does not load. */
    static List<Chunk> chunks(Path seg) {
        List<Chunk> out = new ArrayList<>();
        try (SegmentImage img = SegmentImage.open(seg)) {
            MemorySegment h = MemorySegment.ofArray(new byte[SegmentDescriptor.HEADER_FIELDS]);
            img.read(0, h, 0, h.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE).length);
            long size = SegmentDescriptor.segmentSize(h);
            int a = SegmentDescriptor.alignment(h);
            ChunkScanner sc = new ChunkScanner();
            long pos = SegmentDescriptor.HEADER_SIZE;
            while (sc.load(img, pos, SegmentDescriptor.footerOffset(size), a) == ChunkStatus.VALID) {
                out.add(new Chunk(pos, sc.length(), sc.firstSeq(), sc.count(), sc.epoch(),
                        ChunkDescriptor.gatheredOffset(sc.buffer(), 0)));
                pos += sc.length();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static byte[] read(Path file, long offset, int length) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // Keep reading.
            }
            return b.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, long offset, byte[] bytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, offset + b.position());
            }
            ch.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void flip(Path file, long offset) {
        byte[] b = read(file, offset, 1);
        b[0] ^= 0x5a;
        write(file, offset, b);
    }

    static void zero(Path file, long offset, int length) {
        write(file, offset, new byte[length]);
    }

    static void truncate(Path file, long size) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites the little-endian int at {@code at} of a header-like block and its CRC32C at {@code crcAt} over [0, crcAt). */
    static void patchInt(Path file, long blockOffset, int at, int value, int crcAt) {
        byte[] b = read(file, blockOffset, crcAt + 4);
        ByteBuffer bb = ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(at, value);
        if (crcAt >= 0) {
            CRC32C c = new CRC32C();
            c.update(b, 0, crcAt);
            bb.putInt(crcAt, (int) c.getValue());
        }
        write(file, blockOffset, b);
    }

    /**
     * A well-formed chunk (CRCs valid, every frame packed) at {@code offset} with {@code alignment},
     * holding records {@code first..first+n-1} as {@link SegmentFrames} writes them (generation 0).
     */
    static byte[] craftChunk(int alignment, long offset, long first, int n, int epoch) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            ChunkStager st = new ChunkStager(arena, alignment, alignment, 8, 1 << 20, 1 << 16, false);
            for (long seq = first; seq < first + n; seq++) {
                byte[] bytes = new byte[SegmentFrames.stored(seq)];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = SegmentFrames.byteAt(seq, 0, i);
                }
                if (!st.add(seq, SegmentFrames.ts(seq), (int) (seq % 5), (int) (seq % 7) - 3, seq * 0x10001L, (int) (seq % 64),
                        SegmentFrames.wire(seq), bytes.length, seq % 3 == 0 ? 0 : seq << 16, MemorySegment.ofArray(bytes), 0)) {
                    throw new IllegalArgumentException(n + " records do not fit in one crafted chunk");
                }
            }
            long len = st.finish(epoch, offset, false);
            return st.area().asSlice(0, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }
}

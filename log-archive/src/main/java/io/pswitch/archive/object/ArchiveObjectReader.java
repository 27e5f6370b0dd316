package io.pswitch.archive.object;

import static io.pswitch.archive.object.ArchiveObjectDescriptor.INT;
import static io.pswitch.archive.object.ArchiveObjectDescriptor.LONG;

import com.github.luben.zstd.Zstd;
import io.pswitch.archive.store.ArchiveStore;
import java.lang.foreign.MemorySegment;

/**
 * Reads an archive object piecewise with ranged GETs: its manifest (from the object's tail), then
 * chunks one at a time. Everything is checked before it is used: the trailer's and manifest's
 * CRCs, each chunk's CRC before it is decompressed and its length after. Anything that does not
 * verify is an {@link ArchiveFormatException} naming the object (and the chunk).
 */
public final class ArchiveObjectReader {
    private ArchiveObjectReader() {
    }

    /** The object's verified manifest: one suffix GET, a second only for a manifest larger than {@link ArchiveObjectDescriptor#TAIL_FETCH}. */
    public static ArchiveManifest manifest(ArchiveStore store, String key) {
        String name = store.name(key);
        byte[] tail = store.tail(key, ArchiveObjectDescriptor.TAIL_FETCH);
        if (tail.length < ArchiveObjectDescriptor.TRAILER_SIZE + ArchiveObjectDescriptor.HEADER_SIZE) {
            throw new ArchiveFormatException(name + ": too short (" + tail.length + " bytes) to be an archive object");
        }
        int t = tail.length - ArchiveObjectDescriptor.TRAILER_SIZE;
        MemorySegment ts = MemorySegment.ofArray(tail);
        if (ts.get(LONG, t + ArchiveObjectDescriptor.TR_MAGIC) != ArchiveObjectDescriptor.TRAILER_MAGIC
                || ArchiveManifest.crc32c(tail, t, ArchiveObjectDescriptor.TR_CRC) != ts.get(INT, t + ArchiveObjectDescriptor.TR_CRC)) {
            throw new ArchiveFormatException(name + ": trailer does not verify (truncated, damaged or not an archive object)");
        }
        long manAt = ts.get(LONG, t + ArchiveObjectDescriptor.TR_MANIFEST_OFFSET);
        int manLen = ts.get(INT, t + ArchiveObjectDescriptor.TR_MANIFEST_LENGTH);
        int manCrc = ts.get(INT, t + ArchiveObjectDescriptor.TR_MANIFEST_CRC);
        if (manLen < ArchiveObjectDescriptor.MAN_FIXED_SIZE || manAt < ArchiveObjectDescriptor.HEADER_SIZE) {
            throw new ArchiveFormatException(name + ": trailer points at no manifest");
        }
        byte[] man;
        if (manLen <= t) {
            man = new byte[manLen];
            System.arraycopy(tail, t - manLen, man, 0, manLen);
        } else {
            man = store.get(key, manAt, manLen);
        }
        if (ArchiveManifest.crc32c(man, 0, manLen) != manCrc) {
            throw new ArchiveFormatException(name + ": manifest CRC mismatch");
        }
        return ArchiveManifest.decode(man, name);
    }

    /**
     * Chunk {@code index} of the object, fetched, verified and decompressed: records laid end to
     * end ({@link ArchiveObjectDescriptor}, chunk part).
     */
    public static byte[] chunk(ArchiveStore store, String key, ArchiveManifest m, int index) {
        ArchiveManifest.Chunk c = m.chunks().get(index);
        byte[] z = store.get(key, c.offset(), c.compressedLength());
        return decompress(store.name(key), index, c, z, 0);
    }

    /** Verifies and decompresses chunk {@code index} found at {@code z[at, at + compressedLength)}. */
    public static byte[] decompress(String objectName, int index, ArchiveManifest.Chunk c, byte[] z, int at) {
        if (ArchiveManifest.crc32c(z, at, c.compressedLength()) != c.crc()) {
            throw new ArchiveFormatException(objectName + ": chunk " + index + " (offset " + c.offset() + ") CRC mismatch");
        }
        byte[] raw = new byte[c.rawLength()];
        long n = Zstd.decompressByteArray(raw, 0, raw.length, z, at, c.compressedLength());
        if (Zstd.isError(n) || n != raw.length) {
            throw new ArchiveFormatException(objectName + ": chunk " + index + " (offset " + c.offset() + ") does not decompress to "
                    + raw.length + " bytes" + (Zstd.isError(n) ? ": " + Zstd.getErrorName(n) : ""));
        }
        return raw;
    }
}

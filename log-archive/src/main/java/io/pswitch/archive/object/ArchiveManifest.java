package io.pswitch.archive.object;

import static io.pswitch.archive.object.ArchiveObjectDescriptor.INT;
import static io.pswitch.archive.object.ArchiveObjectDescriptor.LONG;
import static io.pswitch.archive.object.ArchiveObjectDescriptor.SHORT;

import io.pswitch.pktlog.catalog.LogCatalog;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * What one archive object holds ({@link ArchiveObjectDescriptor}, manifest part): its segment's
 * sequence range and time span, its chunks with their offsets and CRCs, and the names of the
 * switch, its ports and filters at the time of upload (so an export from the archive names them
 * with no switch running).
 */
public record ArchiveManifest(UUID logId, long segmentNumber, long firstSeq, long lastSeq, long minTsNs, long maxTsNs,
                              long records, long rawBytes, String switchName, LogCatalog catalog, List<Chunk> chunks) {

    /** One chunk: where it is in the object and what it holds. */
    public record Chunk(long offset, int compressedLength, int rawLength, long firstSeq, long lastSeq, long minTsNs,
                        long maxTsNs, int records, int crc) {
        /** Whether any record of the chunk may fall in {@code [fromNs, toNs)}. */
        public boolean overlaps(long fromNs, long toNs) {
            return maxTsNs >= fromNs && minTsNs < toNs;
        }
    }

    public ArchiveManifest {
        chunks = List.copyOf(chunks);
    }

    /** Compressed bytes of all chunks. */
    public long compressedBytes() {
        long n = 0;
        for (Chunk c : chunks) {
            n += c.compressedLength();
        }
        return n;
    }

    public byte[] encode() {
        byte[] name = utf8(switchName);
        int size = ArchiveObjectDescriptor.MAN_FIXED_SIZE + chunks.size() * ArchiveObjectDescriptor.CHUNK_ENTRY_SIZE
                + 4 + name.length;
        for (LogCatalog.PortEntry p : catalog.ports()) {
            size += 2 + 4 + utf8(p.name()).length;
        }
        for (LogCatalog.FilterEntry f : catalog.filters()) {
            size += 2 + 4 + utf8(f.name()).length + 4 + utf8(f.expression()).length;
        }
        byte[] out = new byte[size];
        MemorySegment m = MemorySegment.ofArray(out);
        m.set(LONG, ArchiveObjectDescriptor.MAN_MAGIC, ArchiveObjectDescriptor.MANIFEST_MAGIC);
        m.set(LONG, ArchiveObjectDescriptor.MAN_LOG_ID, logId.getMostSignificantBits());
        m.set(LONG, ArchiveObjectDescriptor.MAN_LOG_ID + 8, logId.getLeastSignificantBits());
        m.set(LONG, ArchiveObjectDescriptor.MAN_SEGMENT_NUMBER, segmentNumber);
        m.set(LONG, ArchiveObjectDescriptor.MAN_FIRST_SEQ, firstSeq);
        m.set(LONG, ArchiveObjectDescriptor.MAN_LAST_SEQ, lastSeq);
        m.set(LONG, ArchiveObjectDescriptor.MAN_MIN_TS, minTsNs);
        m.set(LONG, ArchiveObjectDescriptor.MAN_MAX_TS, maxTsNs);
        m.set(LONG, ArchiveObjectDescriptor.MAN_RECORDS, records);
        m.set(LONG, ArchiveObjectDescriptor.MAN_RAW_BYTES, rawBytes);
        m.set(INT, ArchiveObjectDescriptor.MAN_CHUNK_COUNT, chunks.size());
        m.set(INT, ArchiveObjectDescriptor.MAN_PORT_COUNT, catalog.ports().size());
        m.set(INT, ArchiveObjectDescriptor.MAN_FILTER_COUNT, catalog.filters().size());
        long at = ArchiveObjectDescriptor.MAN_FIXED_SIZE;
        for (Chunk c : chunks) {
            m.set(LONG, at + ArchiveObjectDescriptor.CE_OFFSET, c.offset());
            m.set(INT, at + ArchiveObjectDescriptor.CE_COMPRESSED, c.compressedLength());
            m.set(INT, at + ArchiveObjectDescriptor.CE_RAW, c.rawLength());
            m.set(LONG, at + ArchiveObjectDescriptor.CE_FIRST_SEQ, c.firstSeq());
            m.set(LONG, at + ArchiveObjectDescriptor.CE_LAST_SEQ, c.lastSeq());
            m.set(LONG, at + ArchiveObjectDescriptor.CE_MIN_TS, c.minTsNs());
            m.set(LONG, at + ArchiveObjectDescriptor.CE_MAX_TS, c.maxTsNs());
            m.set(INT, at + ArchiveObjectDescriptor.CE_RECORDS, c.records());
            m.set(INT, at + ArchiveObjectDescriptor.CE_CRC, c.crc());
            at += ArchiveObjectDescriptor.CHUNK_ENTRY_SIZE;
        }
        at = putString(m, at, name);
        for (LogCatalog.PortEntry p : catalog.ports()) {
            m.set(SHORT, at, (short) p.index());
            at = putString(m, at + 2, utf8(p.name()));
        }
        for (LogCatalog.FilterEntry f : catalog.filters()) {
            m.set(SHORT, at, (short) f.id());
            at = putString(m, at + 2, utf8(f.name()));
            at = putString(m, at, utf8(f.expression()));
        }
        return out;
    }

    /**
     * Parses a manifest whose CRC the trailer has already confirmed.
     *
     * @throws ArchiveFormatException when it is not a well-formed manifest
     */
    public static ArchiveManifest decode(byte[] bytes, String objectName) {
        MemorySegment m = MemorySegment.ofArray(bytes);
        try {
            if (bytes.length < ArchiveObjectDescriptor.MAN_FIXED_SIZE
                    || m.get(LONG, ArchiveObjectDescriptor.MAN_MAGIC) != ArchiveObjectDescriptor.MANIFEST_MAGIC) {
                throw new ArchiveFormatException(objectName + ": not an archive manifest");
            }
            UUID logId = new UUID(m.get(LONG, ArchiveObjectDescriptor.MAN_LOG_ID), m.get(LONG, ArchiveObjectDescriptor.MAN_LOG_ID + 8));
            int chunkCount = m.get(INT, ArchiveObjectDescriptor.MAN_CHUNK_COUNT);
            int portCount = m.get(INT, ArchiveObjectDescriptor.MAN_PORT_COUNT);
            int filterCount = m.get(INT, ArchiveObjectDescriptor.MAN_FILTER_COUNT);
            if (chunkCount < 0 || portCount < 0 || filterCount < 0
                    || (long) chunkCount * ArchiveObjectDescriptor.CHUNK_ENTRY_SIZE > bytes.length) {
                throw new ArchiveFormatException(objectName + ": manifest counts out of range");
            }
            List<Chunk> chunks = new ArrayList<>(chunkCount);
            long at = ArchiveObjectDescriptor.MAN_FIXED_SIZE;
            for (int i = 0; i < chunkCount; i++) {
                chunks.add(new Chunk(m.get(LONG, at + ArchiveObjectDescriptor.CE_OFFSET),
                        m.get(INT, at + ArchiveObjectDescriptor.CE_COMPRESSED), m.get(INT, at + ArchiveObjectDescriptor.CE_RAW),
                        m.get(LONG, at + ArchiveObjectDescriptor.CE_FIRST_SEQ), m.get(LONG, at + ArchiveObjectDescriptor.CE_LAST_SEQ),
                        m.get(LONG, at + ArchiveObjectDescriptor.CE_MIN_TS), m.get(LONG, at + ArchiveObjectDescriptor.CE_MAX_TS),
                        m.get(INT, at + ArchiveObjectDescriptor.CE_RECORDS), m.get(INT, at + ArchiveObjectDescriptor.CE_CRC)));
                at += ArchiveObjectDescriptor.CHUNK_ENTRY_SIZE;
            }
            long[] cursor = {at};
            String name = getString(m, cursor);
            List<LogCatalog.PortEntry> ports = new ArrayList<>(Math.min(portCount, 4096));
            for (int i = 0; i < portCount; i++) {
                int index = m.get(SHORT, cursor[0]);
                cursor[0] += 2;
                ports.add(new LogCatalog.PortEntry(index, getString(m, cursor)));
            }
            List<LogCatalog.FilterEntry> filters = new ArrayList<>(Math.min(filterCount, 4096));
            for (int i = 0; i < filterCount; i++) {
                int id = m.get(SHORT, cursor[0]);
                cursor[0] += 2;
                String fname = getString(m, cursor);
                filters.add(new LogCatalog.FilterEntry(id, fname, getString(m, cursor)));
            }
            return new ArchiveManifest(logId, m.get(LONG, ArchiveObjectDescriptor.MAN_SEGMENT_NUMBER),
                    m.get(LONG, ArchiveObjectDescriptor.MAN_FIRST_SEQ), m.get(LONG, ArchiveObjectDescriptor.MAN_LAST_SEQ),
                    m.get(LONG, ArchiveObjectDescriptor.MAN_MIN_TS), m.get(LONG, ArchiveObjectDescriptor.MAN_MAX_TS),
                    m.get(LONG, ArchiveObjectDescriptor.MAN_RECORDS), m.get(LONG, ArchiveObjectDescriptor.MAN_RAW_BYTES),
                    name, new LogCatalog(ports, filters), chunks);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            if (e instanceof ArchiveFormatException) {
                throw e;
            }
            throw new ArchiveFormatException(objectName + ": malformed manifest: " + e.getMessage());
        }
    }

    /** CRC32C of {@code bytes[off, off + len)}. */
    public static int crc32c(byte[] bytes, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(bytes, off, len);
        return (int) c.getValue();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long putString(MemorySegment m, long at, byte[] s) {
        m.set(INT, at, s.length);
        MemorySegment.copy(MemorySegment.ofArray(s), 0, m, at + 4, s.length);
        return at + 4 + s.length;
    }

    private static String getString(MemorySegment m, long[] cursor) {
        int len = m.get(INT, cursor[0]);
        if (len < 0 || cursor[0] + 4 + len > m.byteSize()) {
            throw new IllegalArgumentException("string length " + len + " at " + cursor[0] + " out of range");
        }
        byte[] b = m.asSlice(cursor[0] + 4, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        cursor[0] += 4 + len;
        return new String(b, StandardCharsets.UTF_8);
    }
}

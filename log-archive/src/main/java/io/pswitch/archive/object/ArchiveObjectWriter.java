package io.pswitch.archive.object;

import static io.pswitch.archive.object.ArchiveObjectDescriptor.INT;
import static io.pswitch.archive.object.ArchiveObjectDescriptor.LONG;
import static io.pswitch.archive.object.ArchiveObjectDescriptor.SHORT;

import com.github.luben.zstd.Zstd;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Writes one archive object ({@link ArchiveObjectDescriptor}) to a local staging file in one pass:
 * records arrive in sequence order (a {@link RecordConsumer} over the sealed segment), are packed
 * into a chunk buffer and compressed a chunk at a time. The staging file is what is uploaded, and
 * the CRC32C of all its bytes is what the uploaded object is verified against.
 */
public final class ArchiveObjectWriter implements RecordConsumer, AutoCloseable {
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
    public static final int DEFAULT_LEVEL = 3;

    private final Path file;
    private final UUID logId;
    private final long segmentNumber;
    private final int chunkBytes;
    private final int level;
    private final OutputStream out;
    private final CRC32C objectCrc = new CRC32C();
    private final List<ArchiveManifest.Chunk> chunks = new ArrayList<>();
    private byte[] raw;
    private MemorySegment rawSeg;
    private int rawLen;
    private byte[] compressed = new byte[0];
    private long position;
    private int chunkRecords;
    private long chunkFirstSeq;
    private long chunkLastSeq;
    private long chunkMinTs = Long.MAX_VALUE;
    private long chunkMaxTs = Long.MIN_VALUE;
    private long records;
    private long rawBytes;
    private long firstSeq = -1;
    private long lastSeq = -1;
    private long minTs = Long.MAX_VALUE;
    private long maxTs = Long.MIN_VALUE;

    public ArchiveObjectWriter(Path file, UUID logId, long segmentNumber, int chunkBytes, int level) {
        this.file = file;
        this.logId = logId;
        this.segmentNumber = segmentNumber;
        this.chunkBytes = chunkBytes;
        this.level = level;
        this.raw = new byte[chunkBytes + 16 * 1024];
        this.rawSeg = MemorySegment.ofArray(raw);
        try {
            this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot create the archive staging file: " + e.getMessage(), e);
        }
        byte[] h = new byte[ArchiveObjectDescriptor.HEADER_SIZE];
        MemorySegment hs = MemorySegment.ofArray(h);
        hs.set(LONG, ArchiveObjectDescriptor.MAGIC_OFFSET, ArchiveObjectDescriptor.MAGIC);
        hs.set(INT, ArchiveObjectDescriptor.VERSION_OFFSET, ArchiveObjectDescriptor.VERSION);
        hs.set(INT, ArchiveObjectDescriptor.HEADER_LENGTH_OFFSET, ArchiveObjectDescriptor.HEADER_SIZE);
        hs.set(LONG, ArchiveObjectDescriptor.LOG_ID_OFFSET, logId.getMostSignificantBits());
        hs.set(LONG, ArchiveObjectDescriptor.LOG_ID_OFFSET + 8, logId.getLeastSignificantBits());
        hs.set(LONG, ArchiveObjectDescriptor.SEGMENT_NUMBER_OFFSET, segmentNumber);
        hs.set(LONG, ArchiveObjectDescriptor.CREATED_OFFSET, System.currentTimeMillis() * 1_000_000L);
        hs.set(INT, ArchiveObjectDescriptor.HEADER_CRC_OFFSET, ArchiveManifest.crc32c(h, 0, ArchiveObjectDescriptor.HEADER_CRC_OFFSET));
        emit(h, 0, h.length);
    }

    @Override
    public boolean accept(LogRecord r, MemorySegment frame, long offset) {
        int stored = r.storedLength();
        int need = ArchiveObjectDescriptor.RECORD_HEADER_SIZE + stored;
        if (rawLen > 0 && rawLen + need > chunkBytes) {
            flushChunk();
        }
        if (rawLen + need > raw.length) {
            byte[] bigger = new byte[rawLen + need];
            System.arraycopy(raw, 0, bigger, 0, rawLen);
            raw = bigger;
            rawSeg = MemorySegment.ofArray(raw);
        }
        long at = rawLen;
        long seq = r.sequence();
        long ts = r.timestampNs();
        rawSeg.set(LONG, at + ArchiveObjectDescriptor.REC_SEQ, seq);
        rawSeg.set(LONG, at + ArchiveObjectDescriptor.REC_TS, ts);
        rawSeg.set(LONG, at + ArchiveObjectDescriptor.REC_FILTER_MASK, r.filterMask());
        rawSeg.set(LONG, at + ArchiveObjectDescriptor.REC_TUNNEL, r.tunnel());
        rawSeg.set(SHORT, at + ArchiveObjectDescriptor.REC_PORT, (short) r.ingressPort());
        rawSeg.set(SHORT, at + ArchiveObjectDescriptor.REC_DECISION, (short) r.decision());
        rawSeg.set(SHORT, at + ArchiveObjectDescriptor.REC_FIRST_FILTER, (short) r.firstFilterId());
        rawSeg.set(SHORT, at + ArchiveObjectDescriptor.REC_FIRST_FILTER + 2, (short) 0);
        rawSeg.set(INT, at + ArchiveObjectDescriptor.REC_WIRE_LENGTH, r.wireLength());
        rawSeg.set(INT, at + ArchiveObjectDescriptor.REC_STORED_LENGTH, stored);
        MemorySegment.copy(frame, offset, rawSeg, at + ArchiveObjectDescriptor.RECORD_HEADER_SIZE, stored);
        rawLen += need;
        if (chunkRecords == 0) {
            chunkFirstSeq = seq;
        }
        chunkLastSeq = seq;
        chunkRecords++;
        chunkMinTs = Math.min(chunkMinTs, ts);
        chunkMaxTs = Math.max(chunkMaxTs, ts);
        if (firstSeq < 0) {
            firstSeq = seq;
        }
        lastSeq = seq;
        minTs = Math.min(minTs, ts);
        maxTs = Math.max(maxTs, ts);
        records++;
        return true;
    }

    private void flushChunk() {
        if (chunkRecords == 0) {
            return;
        }
        int bound = (int) Zstd.compressBound(rawLen);
        if (compressed.length < bound) {
            compressed = new byte[bound];
        }
        long n = Zstd.compressByteArray(compressed, 0, compressed.length, raw, 0, rawLen, level);
        if (Zstd.isError(n)) {
            throw new IllegalStateException(file + ": zstd: " + Zstd.getErrorName(n));
        }
        int len = (int) n;
        chunks.add(new ArchiveManifest.Chunk(position, len, rawLen, chunkFirstSeq, chunkLastSeq, chunkMinTs, chunkMaxTs,
                chunkRecords, ArchiveManifest.crc32c(compressed, 0, len)));
        emit(compressed, 0, len);
        rawBytes += rawLen;
        rawLen = 0;
        chunkRecords = 0;
        chunkMinTs = Long.MAX_VALUE;
        chunkMaxTs = Long.MIN_VALUE;
    }

    /**
     * Writes the last chunk, the manifest and the trailer, and makes the staging file durable.
     *
     * @return the manifest as written
     */
    public ArchiveManifest finish(String switchName, LogCatalog catalog) {
        flushChunk();
        ArchiveManifest m = new ArchiveManifest(logId, segmentNumber, firstSeq, lastSeq,
                records == 0 ? 0 : minTs, records == 0 ? 0 : maxTs, records, rawBytes, switchName, catalog, chunks);
        byte[] man = m.encode();
        long manAt = position;
        emit(man, 0, man.length);
        byte[] t = new byte[ArchiveObjectDescriptor.TRAILER_SIZE];
        MemorySegment ts = MemorySegment.ofArray(t);
        ts.set(LONG, ArchiveObjectDescriptor.TR_MAGIC, ArchiveObjectDescriptor.TRAILER_MAGIC);
        ts.set(LONG, ArchiveObjectDescriptor.TR_MANIFEST_OFFSET, manAt);
        ts.set(INT, ArchiveObjectDescriptor.TR_MANIFEST_LENGTH, man.length);
        ts.set(INT, ArchiveObjectDescriptor.TR_MANIFEST_CRC, ArchiveManifest.crc32c(man, 0, man.length));
        ts.set(INT, ArchiveObjectDescriptor.TR_CRC, ArchiveManifest.crc32c(t, 0, ArchiveObjectDescriptor.TR_CRC));
        emit(t, 0, t.length);
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the archive staging file: " + e.getMessage(), e);
        }
        return m;
    }

    private void emit(byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the archive staging file: " + e.getMessage(), e);
        }
        objectCrc.update(b, off, len);
        position += len;
    }

    /** Bytes of the object so far (all of it after {@link #finish}). */
    public long size() {
        return position;
    }

    /** CRC32C of every byte of the object so far. */
    public int objectCrc() {
        return (int) objectCrc.getValue();
    }

    public long records() {
        return records;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // finish() reports write errors; closing after a failure only releases the descriptor.
        }
    }
}

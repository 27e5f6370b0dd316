package io.pswitch.archive.upload;

import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectDescriptor;
import io.pswitch.archive.object.ArchiveObjectReader;
import io.pswitch.archive.object.ArchiveObjectWriter;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.store.ArchiveStoreException;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * One segment to one archive object: build it in the staging directory from the segment's
 * verified records, upload it, read it back and verify it. Also verifies an object found already
 * in the store (an upload finished before a crash) so that it is not uploaded twice.
 */
final class SegmentArchiver {
    /** User metadata on every object: the CRC32C of all its bytes, so a later start can verify it without the staging file. */
    static final String META_CRC = "pswitch-crc32c";
    static final String META_RECORDS = "pswitch-records";

    /** What one upload did. */
    record Result(String key, long records, long rawBytes, long objectBytes, boolean alreadyThere) {
    }

    private final ArchiveStore store;
    private final String switchName;
    private final UUID logId;
    private final SegmentReader reader;
    private final Path staging;
    private final int chunkBytes;
    private final int level;

    SegmentArchiver(ArchiveStore store, String switchName, UUID logId, Path segmentsDir, Path staging, int chunkBytes, int level) {
        this.store = store;
        this.switchName = switchName;
        this.logId = logId;
        this.reader = new SegmentReader(segmentsDir, logId);
        this.staging = staging;
        this.chunkBytes = chunkBytes;
        this.level = level;
    }

    String key(long segmentNumber) {
        return ArchiveObjectDescriptor.relativeKey(switchName, logId, segmentNumber);
    }

    /**
     * Archives {@code seg} (records up to {@code lastSeq}). An object already in the store that
     * verifies and holds the same records is kept as it is.
     */
    Result archive(SegmentSummary seg, long lastSeq, LogCatalog catalog) {
        String key = key(seg.number());
        Result existing = verifyExisting(key, seg, lastSeq);
        if (existing != null) {
            return existing;
        }
        Path file = staging.resolve(ArchiveObjectDescriptor.fileName(seg.number()) + ".part");
        try {
            Files.createDirectories(staging);
            ArchiveManifest m;
            long size;
            int crc;
            try (ArchiveObjectWriter w = new ArchiveObjectWriter(file, logId, seg.number(), chunkBytes, level)) {
                read(seg, lastSeq, w, seg.firstTsNs());
                if (seg.records() < 0) {
                    gone(seg, w.records());
                }
                if (seg.records() >= 0 && w.records() != seg.records()) {
                    // A record stamped earlier than the segment's first (clocks of different
                    // workers): read the segment again from the log's start, completeness first.
                    w.close();
                    try (ArchiveObjectWriter again = new ArchiveObjectWriter(file, logId, seg.number(), chunkBytes, level)) {
                        read(seg, lastSeq, again, Long.MIN_VALUE);
                        gone(seg, again.records());
                        m = again.finish(switchName, catalog);
                        size = again.size();
                        crc = again.objectCrc();
                    }
                } else {
                    m = w.finish(switchName, catalog);
                    size = w.size();
                    crc = w.objectCrc();
                }
            }
            store.put(key, file, size, Map.of(META_CRC, Integer.toUnsignedString(crc), META_RECORDS, Long.toString(m.records())));
            verify(key, size, crc, m.records(), m.lastSeq());
            return new Result(key, m.records(), m.rawBytes(), size, false);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // The next start clears the staging directory.
            }
        }
    }

    /**
     * Retention deleted the segment before the reader opened it (a reader that had it open reads
     * it whole): fewer records than it holds, and the file is gone. No object is made of it: an
     * object short of records would pass its own verification and hide the gap.
     */
    private static void gone(SegmentSummary seg, long read) {
        boolean shortOfRecords = seg.records() >= 0 ? read != seg.records() : read == 0;
        if (shortOfRecords && !Files.exists(seg.path())) {
            throw new SegmentGoneException(seg.path() + ": deleted before it was read for upload");
        }
    }

    private void read(SegmentSummary seg, long lastSeq, ArchiveObjectWriter w, long fromNs) {
        long first = seg.firstSeq();
        reader.query(LogQuery.between(fromNs, Long.MAX_VALUE), new RecordConsumer() {
            @Override
            public boolean accept(LogRecord r, MemorySegment frame, long offset) {
                long s = r.sequence();
                if (s > lastSeq) {
                    return false;
                }
                return s < first || w.accept(r, frame, offset);
            }
        });
    }

    /**
     * The result of {@code seg}'s object when it is in the store already and verifies (an upload
     * that completed before its segment was deleted, or before a crash); null when it is not.
     *
     * @throws ArchiveStoreException the store cannot be reached: whether it is there is not known
     */
    Result inStore(SegmentSummary seg, long lastSeq) {
        return verifyExisting(key(seg.number()), seg, lastSeq);
    }

    /** The existing object's result when it verifies against {@code seg}; null when there is none or it does not. */
    private Result verifyExisting(String key, SegmentSummary seg, long lastSeq) {
        ArchiveStore.Head h = store.head(key);
        if (h == null || h.metadata().get(META_CRC) == null) {
            return null;
        }
        try {
            int crc = Integer.parseUnsignedInt(h.metadata().get(META_CRC));
            ArchiveManifest m = verify(key, h.size(), crc, -1, -1);
            if (m.firstSeq() < seg.firstSeq() || m.lastSeq() > lastSeq || seg.records() >= 0 && m.records() != seg.records()) {
                return null;
            }
            return new Result(key, m.records(), m.rawBytes(), h.size(), true);
        } catch (ArchiveStoreException | UncheckedIOException e) {
            // The store went away while it was read: not known to be damaged; tried again later.
            throw e;
        } catch (RuntimeException e) {
            // Damaged or foreign: uploaded again under the same key.
            return null;
        }
    }

    /**
     * Reads the whole object back: its size and the CRC32C of its bytes must be what was written,
     * and its manifest must verify and hold the records written.
     */
    private ArchiveManifest verify(String key, long size, int crc, long records, long lastSeq) {
        CRC32C c = new CRC32C();
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = store.open(key)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                c.update(buf, 0, r);
                n += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(store.name(key) + ": cannot read back for verification: " + e.getMessage(), e);
        }
        if (n != size || (int) c.getValue() != crc) {
            throw new VerificationException(store.name(key) + ": read back " + n + " bytes with CRC32C "
                    + Integer.toHexString((int) c.getValue()) + ", wrote " + size + " bytes with " + Integer.toHexString(crc));
        }
        ArchiveManifest m = ArchiveObjectReader.manifest(store, key);
        if (records >= 0 && (m.records() != records || m.lastSeq() != lastSeq)) {
            throw new VerificationException(store.name(key) + ": manifest holds " + m.records() + " records, wrote " + records);
        }
        return m;
    }

    /** The segment was deleted (by retention) before it could be read for its upload. */
    static final class SegmentGoneException extends RuntimeException {
        SegmentGoneException(String message) {
            super(message);
        }
    }

    /** An uploaded object that does not read back as written. */
    static final class VerificationException extends RuntimeException {
        VerificationException(String message) {
            super(message);
        }
    }
}

package io.pswitch.archive.tier;

import io.pswitch.archive.object.ArchiveFormatException;
import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectDescriptor;
import io.pswitch.archive.object.ArchiveObjectReader;
import io.pswitch.archive.object.ChunkRecords;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.store.ArchiveStoreException;
import io.pswitch.pktlog.query.LogRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code log verify}'s check of a switch's archive: every object of its log is read whole — the
 * trailer's and manifest's CRCs, then each chunk's CRC, its decompressed length, and that its
 * records are the ones the manifest says (count and sequence range). Unlike a query, this fetches
 * everything: it is the offline check.
 */
public final class ArchiveVerifier {
    /**
     * @param objects objects found
     * @param records records in the objects that verified
     * @param firstSeq first sequence over the good objects (0 when none)
     * @param lastSeq last sequence over the good objects (0 when none)
     * @param bad one line per bad object or chunk, naming it and why
     */
    public record Report(int objects, long chunks, long records, long firstSeq, long lastSeq, List<String> bad) {
        public boolean clean() {
            return bad.isEmpty();
        }
    }

    private ArchiveVerifier() {
    }

    /** Verifies every object of the log {@code archive} reads. */
    public static Report verify(ArchivedSegments archive) {
        return verify(archive.store(), archive.keyPrefix());
    }

    /** Verifies every object under {@code keyPrefix} ({@code <name>/<log id>/}). */
    public static Report verify(ArchiveStore store, String keyPrefix) {
        List<String> bad = new ArrayList<>();
        List<ArchiveStore.ObjectInfo> listed;
        try {
            listed = store.list(keyPrefix);
        } catch (ArchiveStoreException e) {
            bad.add(e.getMessage());
            return new Report(0, 0, 0, 0, 0, bad);
        }
        int objects = 0;
        long chunks = 0;
        long records = 0;
        long first = 0;
        long last = 0;
        LogRecord r = new LogRecord();
        for (ArchiveStore.ObjectInfo o : listed) {
            if (ArchiveObjectDescriptor.segmentNumber(o.key().substring(o.key().lastIndexOf('/') + 1)) < 0) {
                continue;
            }
            objects++;
            String name = store.name(o.key());
            try {
                ArchiveManifest m = ArchiveObjectReader.manifest(store, o.key());
                long good = 0;
                for (int c = 0; c < m.chunks().size(); c++) {
                    ArchiveManifest.Chunk entry = m.chunks().get(c);
                    try {
                        ChunkRecords rs = new ChunkRecords(ArchiveObjectReader.chunk(store, o.key(), m, c), name + ": chunk " + c);
                        int n = 0;
                        while (rs.next(r)) {
                            if (r.sequence() < entry.firstSeq() || r.sequence() > entry.lastSeq()) {
                                throw new ArchiveFormatException(name + ": chunk " + c + ": record " + r.sequence()
                                        + " outside the manifest's range " + entry.firstSeq() + ".." + entry.lastSeq());
                            }
                            n++;
                        }
                        if (n != entry.records()) {
                            throw new ArchiveFormatException(name + ": chunk " + c + " holds " + n + " records, the manifest says "
                                    + entry.records());
                        }
                        chunks++;
                        good += n;
                    } catch (ArchiveFormatException | ArchiveStoreException e) {
                        bad.add(e.getMessage());
                    }
                }
                records += good;
                if (m.records() > 0) {
                    first = first == 0 ? m.firstSeq() : Math.min(first, m.firstSeq());
                    last = Math.max(last, m.lastSeq());
                }
            } catch (ArchiveFormatException | ArchiveStoreException e) {
                bad.add(e.getMessage());
            }
        }
        return new Report(objects, chunks, records, first, last, bad);
    }
}

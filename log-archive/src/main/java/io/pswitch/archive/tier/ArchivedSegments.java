package io.pswitch.archive.tier;

import io.pswitch.archive.object.ArchiveFormatException;
import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectDescriptor;
import io.pswitch.archive.object.ArchiveObjectReader;
import io.pswitch.archive.object.ChunkRecords;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.store.ArchiveStoreException;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import io.pswitch.pktlog.tier.OlderTier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.LinkedHashSet;

/**
 * One switch's log in the archive, as the tier below its segments: the objects under
 * {@code prefix/<name>/<log id>/}, one per uploaded segment, read in sequence order.
 *
 * <ul>
 *   <li>Time search through the manifests, never by fetching everything: objects are in segment
 *       (= sequence = time) order, so the first one a window needs is found by a binary search
 *       over their manifests (one suffix GET each, kept in a cache), and of each object only the
 *       chunks whose time and sequence span meet the query are fetched (one ranged GET each).</li>
 *   <li>A chunk's records are read in place from the decompressed chunk: no copy per record.</li>
 *   <li>An object whose manifest does not verify, a chunk failing its CRC, a segment missing
 *       between two objects, and segments missing after the last object (before the local tiers
 *       begin: deleted from the bucket, or deleted locally before their upload) are named in
 *       {@link #problems()} and skipped, never returned; a store that cannot be reached is one
 *       problem line, and the local tiers are still read.</li>
 * </ul>
 * One instance per reader thread; the manifest cache may be shared.
 */
public final class ArchivedSegments implements OlderTier {
    private record Listed(String key, long number) {
    }

    /**
     * What the manifests say, no chunk fetched ({@code log inspect}).
     *
     * @param objects objects whose manifest verified
     * @param compressedBytes their chunks' compressed size
     */
    public record Summary(String where, int objects, long records, long firstSeq, long lastSeq, long minTsNs, long maxTsNs,
                          long rawBytes, long compressedBytes) {
    }

    private final ArchiveStore store;
    private final boolean ownsStore;
    private final String keyPrefix;
    private final Map<String, ArchiveManifest> manifests;
    private final Set<String> problems = new LinkedHashSet<>();
    private final Set<String> badManifests = new LinkedHashSet<>();
    private final LogRecord record = new LogRecord();
    private long chunksFetched;
    private long bytesFetched;

    /** The log {@code file} names, with a cache of its own. */
    public ArchivedSegments(ArchiveStore store, ArchiveTierFile file) {
        this(store, false, file.keyPrefix(), new ConcurrentHashMap<>());
    }

    /** The log {@code file} names, through a store client of its own (closed with this). */
    public static ArchivedSegments open(ArchiveTierFile file) {
        return new ArchivedSegments(file.openStore(), true, file.keyPrefix(), new ConcurrentHashMap<>());
    }

    /**
     * @param keyPrefix the log's objects, relative to the store's prefix: {@code <name>/<log id>/}
     * @param manifests verified manifests by key (objects are immutable once verified): may be shared between readers
     */
    public ArchivedSegments(ArchiveStore store, String keyPrefix, Map<String, ArchiveManifest> manifests) {
        this(store, false, keyPrefix, manifests);
    }

    private ArchivedSegments(ArchiveStore store, boolean ownsStore, String keyPrefix, Map<String, ArchiveManifest> manifests) {
        this.store = store;
        this.ownsStore = ownsStore;
        this.keyPrefix = keyPrefix;
        this.manifests = manifests;
    }

    @Override
    public long query(LogQuery q, long fromSeq, long belowSeq, long belowTsNs, RecordConsumer consumer) {
        List<Listed> objects = list();
        long delivered = 0;
        ArchiveManifest prev = null;
        long prevNumber = -1;
        int first = firstReaching(objects, q.fromNs());
        if (first == objects.size() && first > 0) {
            // Every object ends before the window: the last one still bounds what is missing after it.
            Listed last = objects.getLast();
            prev = manifest(last);
            prevNumber = last.number();
        }
        for (int i = first; i < objects.size(); i++) {
            Listed o = objects.get(i);
            ArchiveManifest m = manifest(o);
            if (m == null) {
                prev = null;
                continue;
            }
            if (prev != null && o.number() != prevNumber + 1) {
                // Only below belowSeq: what follows is read from the local tiers.
                missing(prevNumber + 1, prev.lastSeq() + 1, Math.min(m.firstSeq(), belowSeq) - 1);
            }
            prev = m;
            prevNumber = o.number();
            if (m.records() == 0 || m.lastSeq() < fromSeq) {
                continue;
            }
            if (m.firstSeq() >= belowSeq || m.minTsNs() >= q.toNs()) {
                return delivered;
            }
            long n = queryObject(o, m, q, fromSeq, belowSeq, consumer);
            if (n < 0) {
                return delivered - n - 1;
            }
            delivered += n;
        }
        // The objects end before the local tiers begin: the segments between were deleted from
        // the bucket, or locally before their upload. Named like any missing object, when the
        // window may reach them (their records' times lie between the last object's and belowTsNs).
        if (prev != null && prev.records() > 0 && belowSeq != Long.MAX_VALUE && prev.maxTsNs() < q.toNs()
                && belowTsNs >= q.fromNs()) {
            missing(prevNumber + 1, Math.max(prev.lastSeq() + 1, fromSeq), belowSeq - 1);
        }
        return delivered;
    }

    /** Records {@code firstSeq..lastSeq}, from segment {@code number} on, are in no object: one problem line naming it. */
    private void missing(long number, long firstSeq, long lastSeq) {
        if (firstSeq <= lastSeq) {
            problems.add(store.name(keyPrefix + ArchiveObjectDescriptor.fileName(number)) + ": missing (records " + firstSeq + ".."
                    + lastSeq + " are in no object)");
        }
    }

    /** @return records delivered, or {@code -(delivered + 1)} when the consumer stopped the query */
    private long queryObject(Listed o, ArchiveManifest m, LogQuery q, long fromSeq, long belowSeq, RecordConsumer consumer) {
        long delivered = 0;
        List<ArchiveManifest.Chunk> chunks = m.chunks();
        for (int c = 0; c < chunks.size(); c++) {
            ArchiveManifest.Chunk chunk = chunks.get(c);
            if (chunk.lastSeq() < fromSeq || !chunk.overlaps(q.fromNs(), q.toNs())) {
                continue;
            }
            if (chunk.firstSeq() >= belowSeq) {
                break;
            }
            byte[] raw;
            try {
                raw = ArchiveObjectReader.chunk(store, o.key(), m, c);
                chunksFetched++;
                bytesFetched += chunk.compressedLength();
            } catch (ArchiveFormatException | ArchiveStoreException e) {
                problems.add(e.getMessage());
                continue;
            }
            ChunkRecords records = new ChunkRecords(raw, store.name(o.key()) + ": chunk " + c);
            try {
                while (records.next(record)) {
                    long seq = record.sequence();
                    long ts = record.timestampNs();
                    if (seq >= belowSeq) {
                        return delivered;
                    }
                    if (seq < fromSeq || ts < q.fromNs() || ts >= q.toNs()
                            || !q.selects(record, records.chunk(), records.dataOffset())) {
                        continue;
                    }
                    delivered++;
                    if (!consumer.accept(record, records.chunk(), records.dataOffset())) {
                        return -delivered - 1;
                    }
                }
            } catch (ArchiveFormatException e) {
                problems.add(e.getMessage());
            }
        }
        return delivered;
    }

    /**
     * The first object whose records may reach {@code fromNs}: a binary search over the
     * manifests (time does not decrease from one segment to the next). An object whose manifest
     * does not verify is stepped over.
     */
    private int firstReaching(List<Listed> objects, long fromNs) {
        int lo = 0;
        int hi = objects.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int probe = mid;
            ArchiveManifest m = null;
            while (probe < hi && (m = manifest(objects.get(probe))) == null) {
                probe++;
            }
            if (m == null || m.records() > 0 && m.maxTsNs() >= fromNs) {
                hi = mid;
            } else {
                lo = probe + 1;
            }
        }
        return lo;
    }

    private List<Listed> list() {
        List<Listed> out = new ArrayList<>();
        try {
            for (ArchiveStore.ObjectInfo o : store.list(keyPrefix)) {
                long n = ArchiveObjectDescriptor.segmentNumber(o.key().substring(o.key().lastIndexOf('/') + 1));
                if (n >= 0) {
                    out.add(new Listed(o.key(), n));
                }
            }
        } catch (ArchiveStoreException e) {
            problems.add(e.getMessage());
        }
        out.sort(Comparator.comparingLong(Listed::number));
        return out;
    }

    /** The object's verified manifest, or null (named in the problems) when it does not verify or cannot be read. */
    private ArchiveManifest manifest(Listed o) {
        ArchiveManifest m = manifests.get(o.key());
        if (m != null || badManifests.contains(o.key())) {
            return m;
        }
        try {
            m = ArchiveObjectReader.manifest(store, o.key());
            manifests.put(o.key(), m);
            return m;
        } catch (ArchiveFormatException | ArchiveStoreException e) {
            badManifests.add(o.key());
            problems.add(e.getMessage());
            return null;
        }
    }

    @Override
    public long oldestSeq() {
        for (Listed o : list()) {
            ArchiveManifest m = manifest(o);
            if (m != null && m.records() > 0) {
                return m.firstSeq();
            }
        }
        return 0;
    }

    /** The archive from its manifests alone (a suffix GET per object not cached yet). */
    public Summary summary() {
        int objects = 0;
        long records = 0;
        long first = 0;
        long last = 0;
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
        long raw = 0;
        long compressed = 0;
        for (Listed o : list()) {
            ArchiveManifest m = manifest(o);
            if (m == null) {
                continue;
            }
            objects++;
            raw += m.rawBytes();
            compressed += m.compressedBytes();
            if (m.records() > 0) {
                records += m.records();
                first = first == 0 ? m.firstSeq() : Math.min(first, m.firstSeq());
                last = Math.max(last, m.lastSeq());
                minTs = Math.min(minTs, m.minTsNs());
                maxTs = Math.max(maxTs, m.maxTsNs());
            }
        }
        return new Summary(describe(), objects, records, first, last, records == 0 ? 0 : minTs, records == 0 ? 0 : maxTs, raw,
                compressed);
    }

    /** The store this reads (for {@code log verify}). */
    public ArchiveStore store() {
        return store;
    }

    /** This log's objects, relative to the store's prefix. */
    public String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public void close() {
        if (ownsStore) {
            store.close();
        }
    }

    @Override
    public String describe() {
        return store.name(keyPrefix);
    }

    @Override
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Chunks fetched so far (ranged GETs). */
    public long chunksFetched() {
        return chunksFetched;
    }

    /** Compressed bytes fetched for chunks so far. */
    public long bytesFetched() {
        return bytesFetched;
    }
}

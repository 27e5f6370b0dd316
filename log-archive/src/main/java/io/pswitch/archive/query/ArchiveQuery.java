package io.pswitch.archive.query;


import io.pswitch.archive.object.ArchiveFormatException;
import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectDescriptor;
import io.pswitch.archive.object.ArchiveObjectReader;
import io.pswitch.archive.object.ChunkRecords;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.store.ArchiveStoreException;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogRecord;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link LogQuery} over the archives of one or more switches, as one time-ordered stream.
 *
 * <ul>
 *   <li>Only what the query's time range needs is fetched: each object's manifest (one suffix
 *       GET), then the chunks whose time span meets the range (one ranged GET each).</li>
 *   <li>Time order across switches without loading everything: chunks are loaded in order of
 *       their earliest timestamp, and a record is delivered only once no chunk still unloaded can
 *       hold an earlier one. Memory holds the matching records of the chunks that overlap in time.</li>
 *   <li>Equal timestamps: by switch name, then sequence.</li>
 *   <li>An object or chunk that is missing or does not verify is reported by name
 *       ({@link #problems()}) and skipped; its records are never delivered.</li>
 * </ul>
 */
public final class ArchiveQuery {
    /** Where records go: the switch and its names, the record, its stored bytes. */
    @FunctionalInterface
    public interface Sink {
        /** @return false to stop */
        boolean accept(ArchiveObject source, LogRecord record, MemorySegment frame, long offset);
    }

    /** One archive object, its manifest read. */
    public record ArchiveObject(String switchName, String key, ArchiveManifest manifest) {
        public LogCatalog catalog() {
            return manifest.catalog();
        }
    }

    private record ChunkRef(ArchiveObject object, int index, long minTs) {
    }

    private record Held(long ts, long seq, ArchiveObject object, LogRecord record, byte[] frame) {
    }

    private static final Comparator<Held> ORDER = Comparator.comparingLong(Held::ts)
            .thenComparing(h -> h.object().switchName()).thenComparingLong(Held::seq);

    private final ArchiveStore store;
    private final List<String> problems = new ArrayList<>();
    private long chunksFetched;
    private long bytesFetched;

    public ArchiveQuery(ArchiveStore store) {
        this.store = store;
    }

    /** The switches with objects under the archive's prefix. */
    public List<String> switches() {
        return store.listNames("");
    }

    /**
     * The objects of {@code switches} (null: every switch) whose time span meets
     * {@code [fromNs, toNs)}, their manifests read; objects that do not verify are reported.
     */
    public List<ArchiveObject> objects(List<String> switches, long fromNs, long toNs) {
        List<ArchiveObject> out = new ArrayList<>();
        for (String sw : switches == null ? switches() : switches) {
            for (ArchiveStore.ObjectInfo o : store.list(sw + "/")) {
                String leaf = o.key().substring(o.key().lastIndexOf('/') + 1);
                if (ArchiveObjectDescriptor.segmentNumber(leaf) < 0) {
                    continue;
                }
                try {
                    ArchiveManifest m = ArchiveObjectReader.manifest(store, o.key());
                    if (m.records() > 0 && m.maxTsNs() >= fromNs && m.minTsNs() < toNs) {
                        out.add(new ArchiveObject(sw, o.key(), m));
                    }
                } catch (ArchiveFormatException | ArchiveStoreException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        return out;
    }

    /** Runs {@code q} over {@code switches} (null: all). @return records delivered */
    public long run(LogQuery q, List<String> switches, Sink sink) {
        return runOver(q, objects(switches, q.fromNs(), q.toNs()), sink);
    }

    /** Runs {@code q} over these objects. @return records delivered */
    public long runOver(LogQuery q, List<ArchiveObject> objects, Sink sink) {
        List<ChunkRef> refs = new ArrayList<>();
        for (ArchiveObject o : objects) {
            List<ArchiveManifest.Chunk> cs = o.manifest().chunks();
            for (int i = 0; i < cs.size(); i++) {
                if (cs.get(i).overlaps(q.fromNs(), q.toNs())) {
                    refs.add(new ChunkRef(o, i, cs.get(i).minTsNs()));
                }
            }
        }
        refs.sort(Comparator.comparingLong(ChunkRef::minTs));
        PriorityQueue<Held> heap = new PriorityQueue<>(ORDER);
        long delivered = 0;
        int next = 0;
        while (delivered < q.limit()) {
            while (next < refs.size() && (heap.isEmpty() || refs.get(next).minTs() <= heap.peek().ts())) {
                load(refs.get(next++), q, heap);
            }
            Held h = heap.poll();
            if (h == null) {
                break;
            }
            delivered++;
            if (!sink.accept(h.object(), h.record(), MemorySegment.ofArray(h.frame()), 0)) {
                break;
            }
        }
        return delivered;
    }

    private void load(ChunkRef ref, LogQuery q, PriorityQueue<Held> heap) {
        byte[] raw;
        try {
            raw = ArchiveObjectReader.chunk(store, ref.object().key(), ref.object().manifest(), ref.index());
            chunksFetched++;
            bytesFetched += ref.object().manifest().chunks().get(ref.index()).compressedLength();
        } catch (ArchiveFormatException | ArchiveStoreException e) {
            problems.add(e.getMessage());
            return;
        }
        ChunkRecords records = new ChunkRecords(raw, store.name(ref.object().key()) + ": chunk " + ref.index());
        LogRecord r = new LogRecord();
        try {
            while (records.next(r)) {
                long ts = r.timestampNs();
                if (ts >= q.fromNs() && ts < q.toNs() && q.selects(r, records.chunk(), records.dataOffset())) {
                    byte[] frame = new byte[r.storedLength()];
                    System.arraycopy(raw, records.dataOffset(), frame, 0, frame.length);
                    heap.add(new Held(ts, r.sequence(), ref.object(), r.copy(), frame));
                }
            }
        } catch (ArchiveFormatException e) {
            problems.add(e.getMessage());
        }
    }

    /** Objects and chunks skipped because they were missing or did not verify, one line each, naming them. */
    public List<String> problems() {
        return problems;
    }

    public long chunksFetched() {
        return chunksFetched;
    }

    public long bytesFetched() {
        return bytesFetched;
    }
}

package io.pswitch.pktlog.segment;

import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Queries over the segment tier, read-only, while a writer may append.
 *
 * <ul>
 *   <li>Time search: the segment by its header's first timestamp, then the chunk by the sealed
 *       segment's sparse index (or a walk of chunk headers in the unsealed tail); chunks that end
 *       before the range are stepped over by their header. Never a scan of the log.</li>
 *   <li>Every record is CRC-checked (descriptor and bytes) before it is returned; a mismatch is
 *       counted ({@link #crcMismatches()}) and skipped. In a sealed segment the other records of a
 *       damaged chunk are still returned, and a chunk whose header does not verify is stepped
 *       over through the index; in an unsealed segment the first chunk that does not verify ends
 *       that segment, exactly as recovery judges it.</li>
 *   <li>With a writer in the same process, pass how far it has written as the limit: nothing past
 *       it is returned (a chunk whose write has not returned may be seen half done). Written is
 *       enough, durable is not needed: a crash of the process keeps a completed write, and readers
 *       see the hot tier's records before they are durable too. Without a writer, the unsealed
 *       tail is read up to what recovery would accept.</li>
 *   <li>A segment deleted by retention before it is opened is skipped; one already open is read
 *       to its end.</li>
 * </ul>
 * One reader per thread.
 */
public final class SegmentReader {
    private static final int CONTINUE = 0;
    private static final int DONE = 1;

    private final Path dir;
    private final UUID logId;
    private final LongSupplier writtenLimit;
    private final SegmentStore store;
    /** Footers (with their index) of sealed segments: immutable, so read once. */
    private final Map<Path, SegmentFooters.Footer> sealed = new HashMap<>();
    private final ChunkScanner scanner = new ChunkScanner();
    private final LogRecord current = new LogRecord();
    private final MemorySegment header = MemorySegment.ofArray(new byte[SegmentDescriptor.HEADER_FIELDS]);
    private long crcMismatches;
    private long damagedChunks;
    private long delivered;
    private long count;

    /** A reader of a directory no writer of this process appends to. */
    public SegmentReader(Path segmentsDir, UUID logId) {
        this(segmentsDir, logId, () -> Long.MAX_VALUE);
    }

    /** @param writtenLimit how far the in-process writer has written: records past it are not returned */
    public SegmentReader(Path segmentsDir, UUID logId, LongSupplier writtenLimit) {
        this.dir = segmentsDir;
        this.logId = logId;
        this.writtenLimit = writtenLimit;
        this.store = SegmentStore.directory(segmentsDir);
    }

    /**
     * The segments as read-only recovery sees them now: per segment first/last sequence and time
     * and record count, the tail's end, refused segments by name. Cheap when repeated: only
     * headers and the tail are read again.
     */
    public SegmentRecoveryReport inspect() {
        SegmentRecoveryReport r = SegmentRecovery.recover(store, dir, logId, false, sealed);
        if (sealed.size() > r.segments().size()) {
            Set<Path> live = new HashSet<>();
            for (SegmentSummary s : r.segments()) {
                live.add(s.path());
            }
            sealed.keySet().retainAll(live);
        }
        return r;
    }

    /** First sequence held, 0 when empty. */
    public long oldestSeq() {
        return inspect().firstSeq();
    }

    /** Last sequence held (up to the written limit), 0 when empty. */
    public long newestSeq() {
        return Math.min(inspect().lastSeq(), writtenLimit.getAsLong());
    }

    /**
     * Runs {@code query}: every verified, matching record goes to {@code consumer} in sequence
     * order, its frame a private copy valid during the call.
     *
     * @return records delivered
     */
    public long query(LogQuery query, RecordConsumer consumer) {
        SegmentRecoveryReport r = inspect();
        List<SegmentSummary> segs = r.segments();
        int first = 0;
        // Strictly before: records of the range's first nanosecond may end the previous segment.
        for (int i = 0; i < segs.size(); i++) {
            if (segs.get(i).firstTsNs() < query.fromNs()) {
                first = i;
            }
        }
        long limit = writtenLimit.getAsLong();
        count = 0;
        for (int i = first; i < segs.size() && count < query.limit(); i++) {
            SegmentSummary seg = segs.get(i);
            long tailEnd = seg.number() == r.tailSegment() && !seg.sealed() ? r.tailEnd() : -1;
            if (querySegment(seg, tailEnd, query, consumer, limit) == DONE) {
                break;
            }
        }
        return count;
    }

    /**
     * One segment. Sealed: chunks up to the footer's end, found through the index. Unsealed tail:
     * up to the end recovery validated. Any other unsealed segment (its seal was lost): walked and
     * judged chunk by chunk as recovery would.
     */
    private int querySegment(SegmentSummary seg, long tailEnd, LogQuery q, RecordConsumer consumer, long limit) {
        try (SegmentImage img = store.open(seg.path())) {
            img.read(0, header, 0, SegmentDescriptor.HEADER_FIELDS);
            long size = SegmentDescriptor.segmentSize(header);
            int a = SegmentDescriptor.alignment(header);
            SegmentFooters.Footer footer = seg.sealed() ? sealed.get(seg.path()) : null;
            boolean trusted = footer != null || tailEnd >= 0;
            long end = footer != null ? footer.chunksEnd() : tailEnd >= 0 ? tailEnd : SegmentDescriptor.footerOffset(size);
            long pos = footer != null ? seekIndex(footer, q.fromNs()) : SegmentDescriptor.HEADER_SIZE;
            long expected = 0;
            int epoch = 0;
            while (pos < end) {
                ChunkStatus st = scanner.loadHeader(img, pos, end, a);
                if (st == ChunkStatus.VALID && !trusted) {
                    st = scanner.follows(expected, epoch, seg.firstSeq());
                }
                if (st == ChunkStatus.VALID && footer != null
                        && (scanner.firstSeq() < footer.firstSeq() || scanner.lastSeq() > footer.lastSeq())) {
                    // Not this segment's chunk: the file was recycled for a newer segment while being read.
                    return CONTINUE;
                }
                if (st == ChunkStatus.VALID && scanner.lastTs() < q.fromNs() && trusted) {
                    pos += scanner.length();
                    continue;
                }
                if (st == ChunkStatus.VALID) {
                    st = scanner.loadBody(img);
                }
                if (st != ChunkStatus.VALID) {
                    if (st.isDamage()) {
                        damagedChunks++;
                    }
                    if (footer == null) {
                        return CONTINUE;
                    }
                    pos = nextIndexed(footer, pos);
                    continue;
                }
                long chunkEnd = pos + scanner.length();
                expected = scanner.lastSeq() + 1;
                epoch = scanner.epoch();
                if (scanner.firstTs() >= q.toNs() || scanner.firstSeq() > limit) {
                    return DONE;
                }
                ChunkStatus rs = scanner.verifyRecords();
                if (rs == ChunkStatus.TORN_RECORD || (rs != ChunkStatus.VALID && footer == null)) {
                    damagedChunks++;
                    crcMismatches += scanner.count();
                    if (footer == null) {
                        return CONTINUE;
                    }
                    pos = chunkEnd;
                    continue;
                }
                if (scanner.lastTs() >= q.fromNs() && deliver(q, consumer, limit) == DONE) {
                    return DONE;
                }
                pos = chunkEnd;
            }
            return CONTINUE;
        } catch (NoSuchFileException e) {
            return CONTINUE;
        } catch (IOException | SegmentException e) {
            if (!Files.exists(seg.path())) {
                // Deleted by retention between the listing and the open.
                return CONTINUE;
            }
            throw new SegmentException(seg.path() + ": cannot read: " + e.getMessage(), e);
        }
    }

    private int deliver(LogQuery q, RecordConsumer consumer, long limit) {
        MemorySegment buf = scanner.buffer();
        for (int i = 0; i < scanner.count(); i++) {
            if (!scanner.recordOk(i)) {
                crcMismatches++;
                continue;
            }
            int at = scanner.recordAt(i);
            long seq = ChunkDescriptor.seq(buf, at);
            long ts = ChunkDescriptor.tsNs(buf, at);
            if (seq > limit || ts >= q.toNs()) {
                return DONE;
            }
            if (ts < q.fromNs()) {
                continue;
            }
            int port = ChunkDescriptor.ingressPort(buf, at);
            if (!q.portSelected(port) || q.vni() != LogQuery.ANY_VNI && !vniMatches(ChunkDescriptor.tunnel(buf, at), q.vni())) {
                continue;
            }
            int stored = ChunkDescriptor.storedLength(buf, at);
            int wire = ChunkDescriptor.wireLength(buf, at);
            long data = scanner.dataAt(i);
            if (q.predicate() != null && !q.predicate().test(buf, data, stored, wire)) {
                continue;
            }
            current.set(seq, ts, port, ChunkDescriptor.decision(buf, at), ChunkDescriptor.filterMask(buf, at),
                    ChunkDescriptor.firstFilterId(buf, at), wire, stored, ChunkDescriptor.tunnel(buf, at));
            count++;
            delivered++;
            if (!consumer.accept(current, buf, data) || count >= q.limit()) {
                return DONE;
            }
        }
        return CONTINUE;
    }

    /**
     * Offset of the last index entry whose chunk starts strictly before {@code fromNs} (binary
     * search; equal timestamps may continue from the span before), or the first entry.
     */
    private static long seekIndex(SegmentFooters.Footer f, long fromNs) {
        int lo = 0;
        int hi = f.entries() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (SegmentDescriptor.entryFirstTs(f.index(), mid) < fromNs) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return SegmentDescriptor.entryChunkOffset(f.index(), lo);
    }

    /** The first indexed chunk past {@code pos} (a damaged chunk is stepped over), or the chunks' end. */
    private static long nextIndexed(SegmentFooters.Footer f, long pos) {
        for (int i = 0; i < f.entries(); i++) {
            long off = SegmentDescriptor.entryChunkOffset(f.index(), i);
            if (off > pos) {
                return off;
            }
        }
        return f.chunksEnd();
    }

    /** Records skipped because their CRC (descriptor + bytes) did not match or they were torn. */
    public long crcMismatches() {
        return crcMismatches;
    }

    /** Chunks skipped or ending a segment because they did not verify. */
    public long damagedChunks() {
        return damagedChunks;
    }

    public long delivered() {
        return delivered;
    }

    private static boolean vniMatches(long tunnel, int vni) {
        return io.pswitch.pktlog.tunnel.TunnelMeta.present(tunnel) && io.pswitch.pktlog.tunnel.TunnelMeta.vni(tunnel) == vni;
    }
}

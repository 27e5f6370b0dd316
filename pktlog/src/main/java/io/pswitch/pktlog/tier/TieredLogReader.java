package io.pswitch.pktlog.tier;

import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentRecoveryReport;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One reader over the tiers of a log: the archive ({@link OlderTier}: records whose segments left
 * the disk after they were archived), the segment tier (on disk) and the hot tier (records not yet
 * drained, in their pool buffers), as one log in sequence order. Every tier hands over only
 * verified records; each finds the start of a time range through its own index (manifests and
 * ranged reads, sparse segment indexes, binary search in the hot index), never by a full scan.
 *
 * <p>A record held both in the archive and in a local segment is read from the segment: the
 * archive is asked only for sequences below the oldest local one. Retention may delete that oldest
 * segment while the reader is on its way to it (it was archived first); the reader then sees a
 * jump in the sequence at the start of its segment pass, finds the segments' oldest moved past
 * it, and goes back to the archive for the gap.
 *
 * <p>Records move from the hot tier to the segments while a query runs: the drain writes them
 * there first (and publishes how far), then the hot tier retires them. So the reader reads the segments first, up to
 * what the hot tier still holds, then the hot tier; if a record retires under it there, it goes back
 * to the segments (where that record now is) and on. A record is delivered once: the reader keeps
 * the next sequence it owes.
 */
public final class TieredLogReader {
    private final OlderTier older;
    private final SegmentReader segments;
    private final LogSource hot;
    private final LogReader hotReader;

    /**
     * @param segments the segment tier, or null when the log has none
     * @param hot the hot tier, or null when it is gone (a reboot emptied its memory)
     */
    public TieredLogReader(SegmentReader segments, LogSource hot) {
        this(null, segments, hot);
    }

    /** @param older the archive below the segments, or null when the log has none */
    public TieredLogReader(OlderTier older, SegmentReader segments, LogSource hot) {
        this.older = older;
        this.segments = segments;
        this.hot = hot;
        this.hotReader = hot != null ? new LogReader(hot) : null;
    }

    /** Hands every verified record {@code query} selects, over both tiers, to {@code consumer} in sequence order. */
    public long query(LogQuery query, RecordConsumer consumer) {
        Window w = new Window(consumer, query.limit());
        LogQuery unlimited = query.limit(Long.MAX_VALUE);
        for (int round = 0; round < 1_000_000 && !w.done(); round++) {
            long hotOldest = hot != null ? hot.oldestSeq() : Long.MAX_VALUE;
            if (older != null) {
                SegmentRecoveryReport onDisk = segments != null ? segments.inspect() : null;
                boolean fromDisk = onDisk != null && onDisk.firstSeq() > 0;
                long local = fromDisk ? onDisk.firstSeq() : hotOldest;
                if (w.nextSeq < local) {
                    older.query(w.resumeFrom(unlimited), w.nextSeq, local, fromDisk ? onDisk.firstTsNs() : Long.MAX_VALUE, w);
                    if (w.done()) {
                        break;
                    }
                    // What the archive did not hand over below the local tiers is not there
                    // (skipped as damaged, and named): on with the local tiers.
                    w.nextSeq = Math.max(w.nextSeq, local);
                }
            }
            if (segments != null && w.nextSeq < hotOldest) {
                // What the segments hold now, taken before the query: the query's own view is at
                // least as new, so it covers this far. A view taken after could reach further than
                // the query read, and the gap would be skipped.
                long covered = segments.newestSeq();
                w.until = hotOldest;
                w.deletedBelow = older != null ? segments : null;
                segments.query(w.resumeFrom(unlimited), w);
                w.until = Long.MAX_VALUE;
                w.deletedBelow = null;
                if (w.backToOlder) {
                    w.backToOlder = false;
                    continue;
                }
                if (w.done()) {
                    break;
                }
                w.nextSeq = Math.max(w.nextSeq, Math.min(hotOldest, covered + 1));
            }
            if (hotReader == null) {
                break;
            }
            LogQuery rest = w.resumeFrom(unlimited).limit(w.remaining());
            hotReader.query(rest, w.direct(), w.nextSeq, segments != null);
            if (hotReader.endedByRetirement()) {
                // Retired under us: it is in the segments now; fetch it from there. Except below
                // this round's hotOldest: the segments were read after it and did not have it, and
                // the drain publishes a record as written before the hot tier retires it, so that
                // record was never drained (lost, and counted by the drain). Going back for it
                // would never end.
                w.nextSeq = Math.max(hotReader.resumeSeq(), hotOldest);
                continue;
            }
            break;
        }
        return w.delivered;
    }

    /** Archive objects and chunks skipped (missing, or failing their CRC), one line each naming them. */
    public List<String> problems() {
        return older != null ? older.problems() : List.of();
    }

    /** Records skipped because their CRC did not verify, over both local tiers. */
    public long crcMismatches() {
        return (hotReader != null ? hotReader.crcMismatches() : 0) + (segments != null ? segments.crcMismatches() : 0);
    }

    /** Delivers records of sequence {@code >= nextSeq} and {@code < until}, once each, up to a limit. */
    private static final class Window implements RecordConsumer {
        private final RecordConsumer consumer;
        private final long limit;
        long nextSeq = Long.MIN_VALUE;
        long until = Long.MAX_VALUE;
        long delivered;
        long lastTs = Long.MIN_VALUE;
        boolean stopped;
        /** During a segment pass with an archive below: checked at the pass's first jump in sequence. */
        SegmentReader deletedBelow;
        boolean backToOlder;
        private final RecordConsumer direct = this::acceptDirect;

        Window(RecordConsumer consumer, long limit) {
            this.consumer = consumer;
            this.limit = limit;
        }

        boolean done() {
            return stopped || delivered >= limit;
        }

        long remaining() {
            return limit - delivered;
        }

        /** The query from the last delivered record's time on (times are non-decreasing in sequence order). */
        LogQuery resumeFrom(LogQuery q) {
            return lastTs == Long.MIN_VALUE ? q : q.window(Math.max(q.fromNs(), lastTs), q.toNs());
        }

        @Override
        public boolean accept(LogRecord record, MemorySegment frame, long offset) {
            long seq = record.sequence();
            if (seq < nextSeq) {
                return true;
            }
            if (deletedBelow != null) {
                SegmentReader segs = deletedBelow;
                deletedBelow = null;
                // Before the hot tier's bound: that was taken before this pass, and the segments
                // may have moved past it and past nextSeq alike.
                if (seq > nextSeq && nextSeq != Long.MIN_VALUE && segs.oldestSeq() > nextSeq) {
                    // The segment holding nextSeq was deleted (after its upload) under us.
                    backToOlder = true;
                    return false;
                }
            }
            if (seq >= until) {
                return false;
            }
            return deliver(record, frame, offset);
        }

        private boolean acceptDirect(LogRecord record, MemorySegment frame, long offset) {
            if (record.sequence() < nextSeq) {
                return true;
            }
            return deliver(record, frame, offset);
        }

        private boolean deliver(LogRecord record, MemorySegment frame, long offset) {
            nextSeq = record.sequence() + 1;
            lastTs = record.timestampNs();
            delivered++;
            if (!consumer.accept(record, frame, offset)) {
                stopped = true;
                return false;
            }
            return delivered < limit;
        }

        RecordConsumer direct() {
            return direct;
        }
    }
}

package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.handoff.HandoffQueue;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;

/**
 * Worker 0's end of the other workers' {@link LogLink}s, run once per duty cycle before its own
 * batch: gives the buffers they returned back to the pool, appends the matches they queued in
 * arrival order (worker 0 is the log's one writer), and tops up their spares from the pool, whose
 * free list only worker 0 touches. Never waits: what a queue does not hold now waits for the next
 * cycle. Worker 0's thread (or the thread that stopped every worker, for {@link #finish}).
 *
 * <p>Every queue is read with {@code availableNow()}: all that was published, also when what was
 * seen last is not used up (at {@link #finish} the spares queue's consumer stopped mid-way).
 */
final class TapRequests {
    private final PacketLog log;
    private final BufferPool pool;
    private final PacketLog.BufferRelease release;
    private final int batchCapacity;
    /** Workers 1.. (index 0 unused). */
    private final LogTap[] taps;
    /** Per worker: requests taken in all, and published to it as taken ({@link LogLink#taken}). */
    private final long[] takenCount;
    private final long[] publishedCount;
    /** Per worker: the sequence of the last of its requests appended. */
    private final long[] lastSeq;
    private long frames;
    private long bytes;
    private long refused;

    TapRequests(PacketLog log, PacketLog.BufferRelease release, int batchCapacity, int workers) {
        this.log = log;
        this.pool = log.pool();
        this.release = release;
        this.batchCapacity = batchCapacity;
        this.taps = new LogTap[workers];
        this.takenCount = new long[workers];
        this.publishedCount = new long[workers];
        this.lastSeq = new long[workers];
    }

    LogTap[] taps() {
        return taps;
    }

    /** Records appended for other workers' matches. */
    long frames() {
        return frames;
    }

    long bytes() {
        return bytes;
    }

    /** Other workers' matches the log refused (a full hot tier). */
    long refused() {
        return refused;
    }

    /**
     * Every other worker's returns, requests and (when {@code topUp}) spares.
     *
     * @return records appended
     */
    int take(boolean topUp) {
        int appended = 0;
        for (int w = 1; w < taps.length; w++) {
            LogLink link = taps[w].link();
            HandoffQueue returns = link.returns;
            int n = returns.availableNow();
            for (int i = 0; i < n; i++) {
                pool.free((int) returns.word(i, 0));
            }
            returns.release(n);
            appended += append(w, link);
            if (topUp) {
                topUp(link.spares);
            }
        }
        return appended;
    }

    private int append(int w, LogLink link) {
        HandoffQueue q = link.requests;
        int capacity = q.capacity();
        int appended = 0;
        int n = q.availableNow();
        takenCount[w] += n;
        for (int i = 0; i < n; i++) {
            long w0 = q.word(i, 0);
            long w1 = q.word(i, 1);
            long w4 = q.word(i, 4);
            int buf = LogLink.low(w0);
            int stored = LogLink.high(w0);
            long seq = log.append(buf, stored, LogLink.low(w1), q.word(i, 2), LogLink.high(w1), q.word(i, 3),
                    LogLink.low(w4), LogLink.high(w4), q.word(i, 5));
            if (seq == PacketLog.REFUSED) {
                // The hot tier is full of records storage has not taken yet: the match is skipped, and
                // its buffer is nobody's once it leaves the other worker's rings (a retirement, at once).
                refused++;
                release.release(buf);
                continue;
            }
            // The record exists: now its filters count it (a refused match counted only as skipped above).
            int position = q.position(i);
            long[] bitmaps = link.matchBitmaps[position];
            link.matchSets[position].count(bitmaps, position * (bitmaps.length / capacity), 0, stored);
            lastSeq[w] = seq;
            frames++;
            bytes += stored;
            appended++;
        }
        q.release(n);
        return appended;
    }

    /**
     * Sync mode, once what was taken is committed: tells each worker how many of its requests were
     * taken and the last sequence appended for them (refused ones count as taken: no record will
     * come for them to wait on).
     */
    void publishTaken() {
        for (int w = 1; w < taps.length; w++) {
            if (takenCount[w] != publishedCount[w]) {
                publishedCount[w] = takenCount[w];
                taps[w].link().taken(takenCount[w], lastSeq[w]);
            }
        }
    }

    /** Fills a worker's spares queue from the pool (worker 0, or before the workers run). */
    void topUp(HandoffQueue spares) {
        int room = spares.freeEntries();
        if (room == 0) {
            return;
        }
        boolean starved = room == spares.capacity();
        for (int k = 0; k < room; k++) {
            int b = pool.allocate();
            if (b == 0 && starved && k == 0 && !log.isTiered() && log.liveRecords() > 0) {
                // That worker has no spare left and the pool none free: as for worker 0's own frames,
                // retire older records rather than log nothing there.
                log.retireOldest((int) Math.min(log.liveRecords(), batchCapacity));
                b = pool.allocate();
            }
            if (b == 0) {
                break;
            }
            spares.put(spares.claim(), 0, b);
        }
        spares.publish();
    }

    /**
     * Every worker stopped: appends what is still queued, and gives the queued spares and returns
     * back to the pool.
     *
     * @return records appended
     */
    int finish() {
        int appended = take(false);
        for (int w = 1; w < taps.length; w++) {
            HandoffQueue spares = taps[w].link().spares;
            int n = spares.availableNow();
            for (int i = 0; i < n; i++) {
                pool.free((int) spares.word(i, 0));
            }
            spares.release(n);
        }
        return appended;
    }

    /** Whether requests or returns wait. */
    boolean hasQueuedWork() {
        for (int w = 1; w < taps.length; w++) {
            LogLink l = taps[w].link();
            if (l.requests.pending() > 0 || l.returns.pending() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Requests queued and not yet taken. Any thread (a reading). */
    long queued() {
        long n = 0;
        for (int w = 1; w < taps.length; w++) {
            n += taps[w].link().requests.pending();
        }
        return n;
    }

    /** Adds the other workers' reserves, queued spares and returns (ledger; workers stopped). */
    void held(java.util.List<int[]> parts) {
        for (int w = 1; w < taps.length; w++) {
            parts.add(taps[w].buffers().reserved());
            parts.add(taps[w].link().heldBuffers());
        }
    }

    /** Adds the buffers of requests not yet appended (ledger; workers stopped). */
    void requested(java.util.List<int[]> parts) {
        for (int w = 1; w < taps.length; w++) {
            parts.add(taps[w].link().requestedBuffers());
        }
    }
}

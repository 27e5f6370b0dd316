package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.batch.CycleStage;
import io.pswitch.dataplane.handoff.Doorbell;
import io.pswitch.dataplane.handoff.HandoffQueue;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.filter.FilterMatch;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The logging stage of a worker other than 0: it runs the filters on its own batches and hands each
 * match to worker 0, the log's one writer, as a request by {@code bufIdx} ({@link LogLink}); the
 * frame is forwarded from the logged buffer all the same (zero copy), and the buffer leaves this
 * worker's rings as {@link LoggedBuffers} says, replaced by a spare worker 0 queued for it.
 *
 * <p>Never waits: no spare left counts the match as skipped for {@code no_buffer}, a full request
 * queue (worker 0 behind) as skipped for {@code storage_behind}, and forwarding goes on. Worker 0
 * appends the requests at the start of its next duty cycle; a refused append (a full hot tier) is
 * counted there. Worker 0 also counts the filters' frames, once the append succeeded: the match
 * carries the positions that matched ({@link LogLink}), so a refused match is counted once, as skipped.
 *
 * <p><b>Sync mode</b> is the one wait: after queueing a batch's matches, this worker waits before its
 * pass 2 until worker 0 has taken them all (appended or refused) and committed them, then, tiered,
 * until the drain has put the last of them in its segment — so no logged frame leaves before its
 * record is durable (why a wait, and why it cannot deadlock: {@link SyncWaits}). It gives up when
 * the drain is stalled, as worker 0 does, and when worker 0 has stopped.
 *
 * <p>A new filter set is picked up at the start of this worker's duty cycle, so it applies to a
 * whole batch; {@link #appliedGeneration()} says which set this worker runs.
 *
 * <p>Threads: the worker's, but {@link #appliedGeneration()} (any thread).
 */
public final class LogTap implements CycleStage {
    private static final VarHandle GENERATION;

    static {
        try {
            GENERATION = MethodHandles.lookup().findVarHandle(LogTap.class, "appliedGeneration", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LoggingStage stage;
    private final int block;
    private final LogLink link;
    private final LoggedBuffers buffers;
    private final BufferPool pool;
    private final MemorySegment memory;
    private final int bufferSize;
    private final Ring[] rx;
    private final FilterMatch match = new FilterMatch();
    private final LogCounters counters;
    private final boolean sync;
    /** Worker 0's: rung after the requests are published, so that a worker 0 asleep in poll takes them now. */
    private final Doorbell writer;
    /** Requests queued in all (compared with {@link LogLink#taken()} in sync mode). */
    private long queued;
    private ActiveFilters current;
    /**
     * Where this worker writes its requests' match bitmaps: {@link #bitmapWidth} longs per request
     * position. Replaced (never resized in place) when a wider set arrives, because worker 0 may still
     * read queued requests' bitmaps in the old array.
     */
    private long[] bitmaps;
    private int bitmapWidth;
    @SuppressWarnings("unused") // through GENERATION
    private long appliedGeneration;
    private long skippedNoBuffer;
    private long skippedStorageBehind;

    LogTap(LoggingStage stage, int block, LogLink link, LoggedBuffers buffers, BufferPool pool, Ring[] rx, LogCounters counters,
           Doorbell writer) {
        this.stage = stage;
        this.writer = writer;
        this.block = block;
        this.link = link;
        this.buffers = buffers;
        this.pool = pool;
        this.memory = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.rx = rx.clone();
        this.counters = counters;
        this.sync = stage.durability().mode() == Durability.Mode.SYNC;
        this.current = stage.active();
        fitBitmaps(current);
        GENERATION.setOpaque(this, current.generation);
    }

    /** The generation of the set this worker runs now. Any thread. */
    long appliedGeneration() {
        return (long) GENERATION.getOpaque(this);
    }

    @Override
    public void beginCycle(long now) {
        ActiveFilters a = stage.active();
        if (a != current) {
            current = a;
            fitBitmaps(a);
            GENERATION.setOpaque(this, a.generation);
        }
    }

    /** A set change (cold): room for its match bitmaps. */
    private void fitBitmaps(ActiveFilters a) {
        if (a.words > bitmapWidth) {
            bitmapWidth = a.words;
            bitmaps = new long[link.requests.capacity() * bitmapWidth];
        }
    }

    @Override
    public void onBatch(Batch batch, long now) {
        buffers.begin();
        ActiveFilters f = current;
        if (f.set.isEmpty()) {
            return;
        }
        FilterSet set = f.set;
        FilterMatch m = match;
        HandoffQueue spares = link.spares;
        HandoffQueue requests = link.requests;
        // All worker 0 has queued by now, not only what was left of what this worker saw last.
        int have = spares.availableNow();
        int used = 0;
        long skippedBefore = skippedNoBuffer + skippedStorageBehind;
        for (int i = 0, count = batch.count(); i < count; i++) {
            int p = batch.ingressPort(i);
            int s = batch.slot(i);
            Ring ring = rx[p];
            int len = ring.len[s];
            int buf = ring.bufIdx[s];
            if (len <= 0 || set.evaluate(memory, pool.offset(buf), len, Math.min(len, bufferSize), p, m) == 0) {
                continue;
            }
            if (used == have) {
                skippedNoBuffer++;
                continue;
            }
            int e = requests.claim();
            if (e < 0) {
                // Worker 0 has not taken the last batches' matches yet: the log's writer is behind.
                skippedStorageBehind++;
                continue;
            }
            int spareBuf = (int) spares.word(used++, 0);
            int stored = m.storeLength();
            int position = LogLink.position(e);
            link.matchSets[position] = f;
            link.matchBitmaps[position] = bitmaps;
            System.arraycopy(m.bitmap(), 0, bitmaps, position * bitmapWidth, f.words);
            long ts = ring.timestampNs[s];
            requests.put(e, 0, LogLink.word0(buf, stored));
            requests.put(e, 1, LogLink.word1(len, p));
            requests.put(e, 2, ts != 0 ? ts : now);
            requests.put(e, 3, f.mask(m));
            requests.put(e, 4, LogLink.word4(f.firstId(m), batch.decision(i)));
            requests.put(e, 5, ring.tunnel[s]);
            buffers.add(i, ring, s, buf, spareBuf);
        }
        spares.release(used);
        if (skippedNoBuffer + skippedStorageBehind != skippedBefore) {
            counters.publishSkips(block, skippedNoBuffer, skippedStorageBehind);
        }
        int n = buffers.count();
        if (n > 0) {
            // One release store for the batch: worker 0 sees the requests, and the pins before them.
            requests.publish();
            writer.ring();
            queued += n;
            if (sync) {
                awaitDurable(now);
            }
        }
    }

    /** Sync mode, before pass 2: until worker 0 has taken every request queued and they are durable. */
    private void awaitDurable(long now) {
        LogLink l = link;
        SyncWaits w = stage.waits();
        if (l.taken() < queued && w.onWriterThread()) {
            // Every worker runs in turn on this thread, worker 0 between two cycles: take them as it would.
            stage.takeFromTaps(now);
        }
        while (l.taken() < queued) {
            if (w.isWriterStopped()) {
                // Stopping: what is queued is appended and committed once every worker stopped.
                return;
            }
            Thread.onSpinWait();
        }
        w.awaitDurable(l.takenSeq());
    }

    @Override
    public void afterForward(Batch batch) {
        buffers.afterForward(batch);
    }

    @Override
    public void afterTxSync(int port) {
        buffers.afterTxSync(port);
    }

    /** Worker 0 appends and commits what this worker handed over. */
    @Override
    public void commit() {
    }

    LogLink link() {
        return link;
    }

    LoggedBuffers buffers() {
        return buffers;
    }
}

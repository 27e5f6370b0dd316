package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.handoff.Doorbell;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterMatch;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The logging stage of the duty cycle: between pass 1 and pass 2, every frame of the batch (dropped
 * ones too) is run through the enabled filters; a match is persisted <b>in place</b> — its record
 * points at the very buffer it was received into, which the log now owns — and its record keeps
 * pass 1's decision. How a logged buffer leaves the rings (zero copy, a spare per logged frame,
 * pinned while in a ring): {@link LoggedBuffers}.
 *
 * <p><b>Several workers: one log stream, one writer.</b> This object is worker 0's stage and the
 * log's only writer: every worker evaluates the filters on its own batches, and a worker other than 0
 * ({@link LogTap}) hands its matches to worker 0 by {@code bufIdx} through a single-producer
 * single-consumer queue ({@link LogLink}); worker 0 takes them once per duty cycle and appends them in
 * arrival order, before its own batch. Why one multi-producer stream made of SPSC queues rather than
 * one append stream per worker merged when read, or a CAS on the append path: the hot tier, the
 * group commit, retention and the drain stay single-writer code (no CAS, no lock on the append path),
 * readers keep one sequence, and {@link PacketLog#append} raises a record's time to the previous
 * one's, so the log stays time-ordered. The price: a queue entry per match, and a duty cycle of
 * worker 0 before another worker's match is in the log.
 *
 * <p><b>Buffers across workers.</b> The pin state of every buffer is shared and atomic
 * ({@link PinStates}): retention (on worker 0) may retire a record whose buffer is pinned in another
 * worker's TX ring. The pool's free list stays worker 0's alone: it queues each other worker a
 * batch of spares for its logged frames (topped up every cycle) and takes back, through the return
 * queue, the buffers that worker unpinned after their records retired.
 *
 * <p><b>Durability.</b> {@code batch} and {@code async} work with any number of workers (worker 0's
 * window, over all it appended). {@code sync} keeps its promise on every worker: a logged frame leaves
 * only once its record is durable: worker 0 commits the others' matches as soon as it appended them,
 * and they wait for that, never it for them ({@link SyncWaits}).
 *
 * <p><b>Filters</b> are swapped whole ({@link #filters(FilterSet)}, any thread); each worker picks up
 * the new set at the start of its own duty cycle, so one batch never sees half a change, and
 * {@link #appliedGeneration()} is the oldest generation any worker runs.
 *
 * <p>Threads: everything but {@link #filters(FilterSet)}, {@link #filterCounters}, {@link #counters()}
 * and {@link #appliedGeneration()} runs on worker 0's thread.
 */
public final class LoggingStage implements PacketLog.BufferRelease {
    private static final VarHandle LONG_FIELD;

    static {
        try {
            LONG_FIELD = MethodHandles.lookup().findVarHandle(LoggingStage.class, "appliedGeneration", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PacketLog log;
    private final Durability durability;
    private final BufferPool pool;
    private final MemorySegment memory;
    private final int bufferSize;
    private final Ring[] rx;
    private final Ring[] tx;
    private final int batchCapacity;
    private final FilterMatch match = new FilterMatch();
    private final PinStates pins;
    private final LoggedBuffers buffers;
    /** Worker 0's end of the other workers' queues; null with one worker. */
    private final TapRequests others;
    /** Workers 1.. (index 0 unused); empty with one worker. */
    private final LogTap[] taps;
    private final CountersFile countersFile;
    private final int worker;
    private final int workers;
    private final LogCounters counters;
    private final SyncWaits waits;

    // Control side (cold, synchronized).
    private final Map<Integer, FilterCounters> countersById = new HashMap<>();
    private long generations;
    private volatile ActiveFilters active;

    // Dataplane side.
    private ActiveFilters current;
    @SuppressWarnings("unused") // through LONG_FIELD
    private long appliedGeneration;
    private long pendingSinceNs;
    private long frames;
    private long bytes;
    private long skippedNoBuffer;
    private long skippedStorageBehind;

    /**
     * @param rx the RX rings by port index, {@code tx} the TX rings, as the agent holds them
     * @param batchCapacity the most frames a batch holds
     * @param countersFile where the log's and the filters' counters live; {@code worker} is the id
     *     of worker 0 there, later workers follow it
     * @param workers the dataplane workers; those after 0 get their {@link #tap}
     */
    public LoggingStage(PacketLog log, Durability durability, FilterSet initial, Ring[] rx, Ring[] tx, int batchCapacity,
                        CountersFile countersFile, int worker, int workers) {
        this.countersFile = countersFile;
        this.worker = worker;
        this.workers = workers;
        this.counters = new LogCounters(countersFile, worker, workers);
        this.log = log;
        this.waits = new SyncWaits(log);
        this.durability = durability;
        this.pool = log.pool();
        this.memory = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.rx = rx.clone();
        this.tx = tx.clone();
        this.batchCapacity = batchCapacity;
        this.pins = new PinStates(pool.bufferCount());
        this.buffers = new LoggedBuffers(rx, tx, batchCapacity, pins, pool, null);
        this.others = workers > 1 ? new TapRequests(log, this, batchCapacity, workers) : null;
        this.taps = others != null ? others.taps() : new LogTap[0];
        if (log.capacity() < 2 * batchCapacity) {
            // Retention must only ever retire records of earlier batches.
            throw new IllegalArgumentException("a log of " + log.capacity() + " records is too small for batches of "
                    + batchCapacity + " frames: it needs at least " + 2 * batchCapacity);
        }
        log.bufferRelease(this);
        if (durability.mode() != Durability.Mode.SYNC) {
            // batch/async: the dataplane hands commits over and never waits for the disk.
            log.startCommitter();
        }
        filters(initial);
        this.current = active;
        LONG_FIELD.setOpaque(this, current.generation);
        publishCounters();
    }

    /** The stage of worker {@code w} (1 ≤ w &lt; workers). Cold: once per worker, before the workers run. */
    public LogTap tap(int w, Doorbell writer) {
        if (w < 1 || w >= taps.length || taps[w] != null) {
            throw new IllegalArgumentException("no tap " + w + " to make for " + workers + " workers");
        }
        LogLink link = new LogLink(batchCapacity, LoggedBuffers.ringSlots(rx, tx));
        LoggedBuffers b = new LoggedBuffers(rx, tx, batchCapacity, pins, pool, link.returns);
        taps[w] = new LogTap(this, w, link, b, pool, rx, counters, writer);
        if (!active.set.isEmpty()) {
            others.topUp(link.spares); // filters from the start: its first batch may come before worker 0's first cycle
        }
        return taps[w];
    }

    /** The set installed last: what every worker picks up at the start of its next duty cycle. */
    ActiveFilters active() {
        return active;
    }

    // ---------------------------------------------------------------- control side

    /** Installs a new filter set; each worker uses it from its next duty cycle. Any thread. */
    public synchronized long filters(FilterSet set) {
        FilterCounters[] c = new FilterCounters[set.size()];
        for (int pos = 0; pos < c.length; pos++) {
            Filter f = set.filter(pos);
            FilterCounters fc = countersById.get(f.id());
            if (fc == null) {
                fc = new FilterCounters(countersFile, f.id(), f.name(), worker, workers);
                countersById.put(f.id(), fc);
            }
            c[pos] = fc;
        }
        long generation = ++generations;
        active = new ActiveFilters(set, generation, c);
        return generation;
    }

    /** The set installed last (perhaps not yet picked up by the dataplane). */
    public FilterSet filters() {
        return active.set;
    }

    /**
     * The generation of the set every worker runs now: a {@link #filters(FilterSet)} result all of
     * them have reached (the oldest any worker runs). Any thread.
     */
    public long appliedGeneration() {
        long g = (long) LONG_FIELD.getOpaque(this);
        for (int w = 1; w < taps.length; w++) {
            if (taps[w] != null) {
                g = Math.min(g, taps[w].appliedGeneration());
            }
        }
        return g;
    }

    /** Counters of the filter with this id (summed over the workers), or null if no set ever held it. Any thread. */
    public synchronized FilterCounters filterCounters(int filterId) {
        return countersById.get(filterId);
    }

    /** Matches other workers queued for worker 0 and not appended yet. Any thread (a reading). */
    public long queuedRequests() {
        return others == null ? 0 : others.queued();
    }

    /** Other workers queued matches or buffers for worker 0 (it must not sleep). Worker 0. */
    public boolean queuedWork() {
        return others != null && others.hasQueuedWork();
    }

    /** The log's counters, summed over the workers. Any thread. */
    public LogCounters counters() {
        return counters;
    }

    public PacketLog log() {
        return log;
    }

    public Durability durability() {
        return durability;
    }

    // ---------------------------------------------------------------- dataplane side (worker 0)

    /**
     * Start of a duty cycle: picks up a new filter set; takes the buffers other workers gave back,
     * appends the matches they queued and tops up their spares; commits when the durability window
     * has closed (also when idle, so a quiet switch does not sit on uncommitted records).
     */
    public void beginCycle(long now) {
        waits.writerCycle();
        // Tiered: what the segments hold leaves the hot tier (written there when it is volatile,
        // flushed there on dax: see TieredRetention), and its buffers return to the pool.
        log.retireDrained();
        ActiveFilters a = active;
        if (a != current) {
            current = a;
            LONG_FIELD.setOpaque(this, a.generation);
        }
        takeFromTaps(now);
        if (pendingSinceNs != 0 && now - pendingSinceNs >= durability.maxDelayNs()) {
            requestCommit();
        }
        if (log.committedSeq() != counters.committedSeq()) {
            // The committer finished a commit: readers of the counters see it even when idle.
            publishCounters();
        }
    }

    /**
     * Appends what other workers queued. Sync mode: commits it at once and tells each worker how
     * far worker 0 got (it waits for that before its frames leave); else the window decides.
     */
    void takeFromTaps(long now) {
        if (others == null) {
            return;
        }
        long refused = others.refused();
        int appended = others.take(!current.set.isEmpty());
        if (durability.mode() == Durability.Mode.SYNC) {
            if (appended > 0) {
                commit();
            }
            others.publishTaken();
        } else if (appended > 0) {
            appended(now);
        }
        if (appended > 0 || others.refused() != refused) {
            // Refused ones too: a hot tier that refuses everything commits nothing that would publish them.
            publishCounters();
        }
    }

    /** Worker 0 stopped (its agent closed): workers waiting for it give up ({@link SyncWaits}). Worker 0. */
    public void writerStopped() {
        waits.writerStopped();
    }

    SyncWaits waits() {
        return waits;
    }

    /**
     * Evaluates worker 0's batch; appends the matching frames and takes their buffers (see
     * {@link LoggedBuffers}). Call after pass 1 (decisions made) and before pass 2.
     *
     * @return frames logged
     */
    public int logBatch(Batch batch, long now) {
        LoggedBuffers lb = buffers;
        lb.begin();
        ActiveFilters f = current;
        if (f.set.isEmpty()) {
            return 0;
        }
        FilterSet set = f.set;
        FilterMatch m = match;
        for (int i = 0, count = batch.count(); i < count; i++) {
            int p = batch.ingressPort(i);
            int s = batch.slot(i);
            Ring ring = rx[p];
            int len = ring.len[s];
            int buf = ring.bufIdx[s];
            if (len <= 0 || set.evaluate(memory, pool.offset(buf), len, Math.min(len, bufferSize), p, m) == 0) {
                continue;
            }
            int spareBuf = takeSpare(lb.count());
            if (spareBuf == 0) {
                skippedNoBuffer++;
                continue;
            }
            int stored = m.storeLength();
            long ts = ring.timestampNs[s];
            if (log.append(buf, stored, len, ts != 0 ? ts : now, p, f.mask(m), f.firstId(m), batch.decision(i), ring.tunnel[s]) == PacketLog.REFUSED) {
                // The hot tier is full of records storage has not taken yet: skip this match, keep forwarding.
                pool.free(spareBuf);
                skippedStorageBehind++;
                continue;
            }
            f.count(m, 0, stored);
            lb.add(i, ring, s, buf, spareBuf);
            frames++;
            bytes += stored;
        }
        int n = lb.count();
        if (n > 0) {
            if (durability.mode() == Durability.Mode.SYNC) {
                // Before pass 2: no logged frame leaves the switch before its record is durable
                // (tiered: in its segment, so the dataplane waits for the drain; the promise of sync).
                commit();
                waits.awaitDurable(log.appendedSeq());
            } else {
                appended(now);
            }
        }
        publishCounters();
        return n;
    }

    /** batch/async: records were appended; readers see them now, and the commit window starts. */
    private void appended(long now) {
        log.publish();
        if (pendingSinceNs == 0) {
            pendingSinceNs = now;
        }
        if (log.unrequestedCount() >= durability.maxRecords()) {
            requestCommit();
        }
    }

    /** @param loggedThisBatch records this batch appended so far: never retired to make room. */
    private int takeSpare(int loggedThisBatch) {
        int b = pool.allocate();
        if (b == 0 && !log.isTiered()) {
            // Retention's low-water mark normally keeps buffers free; when it could not (the
            // rings hold the rest), retire older records now.
            long older = log.liveRecords() - loggedThisBatch;
            if (older > 0) {
                log.retireOldest((int) Math.min(older, batchCapacity));
                b = pool.allocate();
            }
        }
        return b;
    }

    /** After pass 2, before the RX slots go back to the drivers (see {@link LoggedBuffers#afterForward}). */
    public void afterForward(Batch batch) {
        buffers.afterForward(batch);
    }

    /** After port {@code p}'s txSync (see {@link LoggedBuffers#afterTxSync}). */
    public void afterTxSync(int p) {
        buffers.afterTxSync(p);
    }

    /** Retention retired a record (or an append was refused): its buffer returns to the pool now, or when it leaves its ring. */
    @Override
    public void release(int bufIdx) {
        if (pins.retire(bufIdx)) {
            pool.free(bufIdx);
        }
    }

    /**
     * batch/async: hands what was appended to the committer; if a commit is still in flight, they
     * stay pending and go with a later request (group commit), retried every duty cycle.
     */
    private void requestCommit() {
        if (log.requestCommit()) {
            pendingSinceNs = 0;
        }
    }

    /** Makes everything appended durable now, on this thread (sync mode, and at close). */
    public void commit() {
        if (log.pendingCount() > 0) {
            log.commit();
        }
        pendingSinceNs = 0;
        publishCounters();
    }

    /**
     * Every worker stopped (on the thread that stopped them): appends what other workers queued, so
     * no match is lost to the order the workers stopped in; commits; frees the queued spares and returns.
     */
    public void finishWorkers() {
        if (others != null && others.finish() > 0) {
            log.publish();
        }
        commit();
        if (others != null) {
            others.publishTaken();
        }
    }

    private void publishCounters() {
        long f = frames;
        long b = bytes;
        long behind = skippedStorageBehind;
        if (others != null) {
            f += others.frames();
            b += others.bytes();
            behind += others.refused();
        }
        counters.publish(f, b, skippedNoBuffer, behind, log.retiredCount(), log.commitLatency().count(),
                log.committedSeq(), log.appendedSeq(), log.liveBytes(), log.drainedSeq());
    }

    // ---------------------------------------------------------------- ownership checks (cold)

    /**
     * Buffers the logging stages hold outside rings and the log: every worker's reserve, the spares
     * queued to other workers and the buffers they are giving back. Workers stopped.
     */
    public int[] reservedBuffers() {
        List<int[]> parts = new ArrayList<>();
        parts.add(buffers.reserved());
        if (others != null) {
            others.held(parts);
        }
        return concat(parts);
    }

    /**
     * Buffers the log owns: those of its live records, those of matches other workers queued and
     * worker 0 has not appended yet, and retired ones still pinned in a ring (they go back to the
     * pool when they leave it). Workers stopped.
     */
    public int[] logOwnedBuffers() {
        List<int[]> parts = new ArrayList<>();
        int[] live = new int[(int) Math.max(0, log.appendedSeq() - log.oldestSeq() + 1)];
        for (long seq = log.oldestSeq(), k = 0; seq <= log.appendedSeq(); seq++, k++) {
            live[(int) k] = log.bufIdx(seq);
        }
        parts.add(live);
        if (others != null) {
            others.requested(parts);
        }
        parts.add(pins.retiredPinned());
        return concat(parts);
    }

    private static int[] concat(List<int[]> parts) {
        int total = 0;
        for (int[] p : parts) {
            total += p.length;
        }
        int[] out = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}

package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterMatch;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.IndexRecordDescriptor;
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
 * pass 1's decision.
 *
 * <p><b>Buffer ownership.</b> A logged buffer stays in its RX slot, flagged {@link Ring#FLAG_LOGGED},
 * so pass 2 forwards it by the usual swap and the TX slot carries the flag: the frame is transmitted
 * from the logged buffer, never copied. For each logged frame one spare buffer is taken from the
 * pool in advance (so nothing can fail later in the cycle):
 * <ul>
 *   <li>if the logged buffer is still in its RX slot after pass 2 (a drop, a full ring), the spare
 *       replaces it there;</li>
 *   <li>if pass 2 moved it to a TX slot, the RX slot already got that TX slot's buffer, and the
 *       spare waits in the reserve until the driver has transmitted the frame and handed the TX slot
 *       back ({@link #afterTxSync}); then the spare replaces the logged buffer there.</li>
 * </ul>
 * While a logged buffer sits in a ring it is <em>pinned</em>: if retention retires its record
 * meanwhile, the buffer is not returned to the pool until it leaves the ring (otherwise a driver
 * could receive into a buffer that is still waiting to be transmitted).
 *
 * <p><b>Filters</b> are swapped whole ({@link #filters(FilterSet)}, any thread); the dataplane picks
 * up the new set at the start of a duty cycle, so one batch never sees half a change.
 *
 * <p>Threads: everything but {@link #filters(FilterSet)}, {@link #filterCounters}, {@link #counters()}
 * and {@link #appliedGeneration()} runs on the dataplane thread.
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

    private static final byte UNPINNED = 0;
    private static final byte PINNED = 1;
    /** Pinned, and its record retired meanwhile: back to the pool when it leaves the ring. */
    private static final byte PINNED_RETIRED = 2;

    private final PacketLog log;
    private final Durability durability;
    private final BufferPool pool;
    private final MemorySegment memory;
    private final int bufferSize;
    private final Ring[] rx;
    private final Ring[] tx;
    private final FilterMatch match = new FilterMatch();
    private final byte[] pin;
    /** Per batch index: the spare buffer taken for a logged frame. */
    private final int[] spare;
    /** Batch indices of this batch's logged frames. */
    private final int[] logged;
    private int loggedCount;
    /** Spares standing in for logged buffers that are in TX slots, one each. */
    private final int[] reserve;
    private int reserveCount;
    /** Per TX ring: the tail up to which handed-back slots have been checked for logged buffers. */
    private final int[] checkedTail;
    private final CountersFile countersFile;
    private final int worker;
    private final LogCounters counters;

    // Control side (cold, synchronized).
    private final Map<Integer, FilterCounters> countersById = new HashMap<>();
    /** Non-null: why this stage may only run sets that match nothing (see {@link #onlyEmptySets}). */
    private String emptySetsOnly;
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
     * @param countersFile where the log's and the filters' counters live, owned by {@code worker}
     */
    public LoggingStage(PacketLog log, Durability durability, FilterSet initial, Ring[] rx, Ring[] tx, int batchCapacity,
                        CountersFile countersFile, int worker) {
        this.countersFile = countersFile;
        this.worker = worker;
        this.counters = new LogCounters(countersFile, worker);
        this.log = log;
        this.durability = durability;
        this.pool = log.pool();
        this.memory = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.rx = rx.clone();
        this.tx = tx.clone();
        this.pin = new byte[pool.bufferCount()];
        this.spare = new int[batchCapacity];
        this.logged = new int[batchCapacity];
        int txSlots = 0;
        for (Ring r : tx) {
            txSlots += r.numSlots();
        }
        this.reserve = new int[txSlots];
        this.checkedTail = new int[tx.length];
        for (int p = 0; p < tx.length; p++) {
            checkedTail[p] = tx[p].tail;
        }
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
        publishCounters();
    }

    // ---------------------------------------------------------------- control side

    /**
     * From now on refuses every filter set that could match a frame, with {@code why} as the
     * message: a switch whose frames are not all seen by this stage's thread (several workers) must
     * not log some of them and hand logged buffers to threads that do not know they are the log's.
     */
    public synchronized void onlyEmptySets(String why) {
        if (!active.set.isEmpty()) {
            throw new IllegalStateException(why);
        }
        this.emptySetsOnly = why;
    }

    /**
     * Installs a new filter set; the dataplane uses it from its next duty cycle. Any thread.
     *
     * @throws IllegalArgumentException when the set could match and {@link #onlyEmptySets} was called
     */
    public synchronized long filters(FilterSet set) {
        if (emptySetsOnly != null && !set.isEmpty()) {
            throw new IllegalArgumentException(emptySetsOnly);
        }
        FilterCounters[] c = new FilterCounters[set.size()];
        for (int pos = 0; pos < c.length; pos++) {
            Filter f = set.filter(pos);
            FilterCounters fc = countersById.get(f.id());
            if (fc == null) {
                fc = new FilterCounters(countersFile, f.id(), f.name(), worker);
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

    /** The generation of the set the dataplane runs now: a {@link #filters(FilterSet)} result it has reached. */
    public long appliedGeneration() {
        return (long) LONG_FIELD.getOpaque(this);
    }

    /** Counters of the filter with this id, or null if no set ever held it. Any thread. */
    public synchronized FilterCounters filterCounters(int filterId) {
        return countersById.get(filterId);
    }

    public LogCounters counters() {
        return counters;
    }

    public PacketLog log() {
        return log;
    }

    public Durability durability() {
        return durability;
    }

    // ---------------------------------------------------------------- dataplane side

    /**
     * Start of a duty cycle: picks up a new filter set, and commits when the durability window has
     * closed (also when idle, so a quiet switch does not sit on uncommitted records).
     */
    public void beginCycle(long now) {
        // Tiered: what the drain made durable leaves the hot tier, and its buffers return to the pool.
        log.retireDrained();
        ActiveFilters a = active;
        if (a != current) {
            current = a;
            LONG_FIELD.setOpaque(this, a.generation);
        }
        if (pendingSinceNs != 0 && now - pendingSinceNs >= durability.maxDelayNs()) {
            requestCommit();
        }
        if (log.committedSeq() != counters.committedSeq()) {
            // The committer finished a commit: readers of the counters see it even when idle.
            publishCounters();
        }
    }

    /**
     * Evaluates the batch; appends the matching frames and takes their buffers (see the class
     * comment). Call after pass 1 (decisions made) and before pass 2.
     *
     * @return frames logged
     */
    public int logBatch(Batch batch, long now) {
        loggedCount = 0;
        ActiveFilters f = current;
        if (f.set.isEmpty()) {
            return 0;
        }
        FilterSet set = f.set;
        FilterMatch m = match;
        int n = 0;
        for (int i = 0, count = batch.count(); i < count; i++) {
            int p = batch.ingressPort(i);
            int s = batch.slot(i);
            Ring ring = rx[p];
            int len = ring.len[s];
            int buf = ring.bufIdx[s];
            if (len <= 0 || set.evaluate(memory, pool.offset(buf), len, Math.min(len, bufferSize), p, m) == 0) {
                continue;
            }
            int spareBuf = takeSpare(n);
            if (spareBuf == 0) {
                skippedNoBuffer++;
                continue;
            }
            int stored = m.storeLength();
            long mask = 0;
            int first = IndexRecordDescriptor.NO_FILTER;
            for (int pos = m.next(0); pos >= 0; pos = m.next(pos + 1)) {
                mask |= f.maskBit[pos];
                if (first == IndexRecordDescriptor.NO_FILTER) {
                    first = f.id[pos];
                }
            }
            long ts = ring.timestampNs[s];
            if (log.append(buf, stored, len, ts != 0 ? ts : now, p, mask, first, batch.decision(i), ring.tunnel[s]) == PacketLog.REFUSED) {
                // The hot tier is full of records storage has not taken yet: skip this match, keep forwarding.
                pool.free(spareBuf);
                skippedStorageBehind++;
                continue;
            }
            for (int pos = m.next(0); pos >= 0; pos = m.next(pos + 1)) {
                f.counters[pos].add(stored);
            }
            pin[buf] = PINNED;
            ring.flags[s] |= Ring.FLAG_LOGGED;
            spare[i] = spareBuf;
            logged[n++] = i;
            frames++;
            bytes += stored;
        }
        loggedCount = n;
        if (n > 0) {
            if (durability.mode() == Durability.Mode.SYNC) {
                // Before pass 2: no logged frame leaves the switch before its record is durable
                // (tiered: in its segment, so the dataplane waits for the drain; the promise of sync).
                commit();
                awaitDrained();
            } else {
                log.publish();
                if (pendingSinceNs == 0) {
                    pendingSinceNs = now;
                }
                if (log.unrequestedCount() >= durability.maxRecords()) {
                    requestCommit();
                }
            }
        }
        publishCounters();
        return n;
    }

    /** @param loggedThisBatch records this batch appended so far: never retired to make room. */
    private int takeSpare(int loggedThisBatch) {
        int b = pool.allocate();
        if (b == 0 && !log.isTiered()) {
            // Retention's low-water mark normally keeps buffers free; when it could not (the
            // rings hold the rest), retire older records now.
            long older = log.liveRecords() - loggedThisBatch;
            if (older > 0) {
                log.retireOldest((int) Math.min(older, logged.length));
                b = pool.allocate();
            }
        }
        return b;
    }

    /**
     * After pass 2, before the RX slots go back to the drivers: a logged buffer still in its RX slot
     * is replaced by its spare; one that moved to a TX slot leaves its spare in the reserve.
     */
    public void afterForward(Batch batch) {
        for (int k = 0, n = loggedCount; k < n; k++) {
            int i = logged[k];
            Ring ring = rx[batch.ingressPort(i)];
            int s = batch.slot(i);
            if ((ring.flags[s] & Ring.FLAG_LOGGED) != 0) {
                int buf = ring.bufIdx[s];
                ring.bufIdx[s] = spare[i];
                ring.flags[s] = (short) ((ring.flags[s] & ~Ring.FLAG_LOGGED) | Ring.FLAG_BUF_CHANGED);
                unpin(buf);
            } else {
                reserve[reserveCount++] = spare[i];
            }
        }
        loggedCount = 0;
    }

    /** After port {@code p}'s txSync: TX slots handed back that hold a logged buffer get a reserve spare. */
    public void afterTxSync(int p) {
        Ring ring = tx[p];
        int t = checkedTail[p];
        int end = ring.tail;
        // One reserve spare per logged buffer in a TX slot: none reserved, none to look for.
        while (t != end && reserveCount > 0) {
            if ((ring.flags[t] & Ring.FLAG_LOGGED) != 0) {
                int buf = ring.bufIdx[t];
                ring.bufIdx[t] = reserve[--reserveCount];
                ring.flags[t] = (short) ((ring.flags[t] & ~Ring.FLAG_LOGGED) | Ring.FLAG_BUF_CHANGED);
                unpin(buf);
            }
            t = ring.next(t);
        }
        checkedTail[p] = end;
    }

    private void unpin(int buf) {
        byte state = pin[buf];
        pin[buf] = UNPINNED;
        if (state == PINNED_RETIRED) {
            pool.free(buf);
        }
    }

    /** Retention retired a record: its buffer returns to the pool now, or when it leaves its ring. */
    @Override
    public void release(int bufIdx) {
        if (pin[bufIdx] == PINNED) {
            pin[bufIdx] = PINNED_RETIRED;
        } else {
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

    /** Sync mode, tiered: waits until the drain has made every appended record durable in its segment. */
    private void awaitDrained() {
        long target = log.appendedSeq();
        while (log.isTiered() && log.drainedSeq() < target) {
            if (log.drainStalled()) {
                // The drain cannot write (full disk, failed device): durability in the segment
                // tier is not to be had now; the records stay durable in the hot tier only.
                return;
            }
            Thread.onSpinWait();
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

    private void publishCounters() {
        counters.publish(frames, bytes, skippedNoBuffer, skippedStorageBehind, log.retiredCount(), log.commitLatency().count(),
                log.committedSeq(), log.appendedSeq(), log.liveBytes(), log.drainedSeq());
    }

    // ---------------------------------------------------------------- ownership checks (cold)

    /** Buffers the stage holds outside rings and the log: the reserve. */
    public int[] reservedBuffers() {
        int[] out = new int[reserveCount];
        System.arraycopy(reserve, 0, out, 0, reserveCount);
        return out;
    }

    /**
     * Buffers the log owns: those of its live records, plus retired ones still pinned in a ring
     * (they go back to the pool when they leave it).
     */
    public int[] logOwnedBuffers() {
        List<Integer> out = new ArrayList<>();
        for (long seq = log.oldestSeq(); seq <= log.appendedSeq(); seq++) {
            out.add(log.bufIdx(seq));
        }
        for (int b = 0; b < pin.length; b++) {
            if (pin[b] == PINNED_RETIRED) {
                out.add(b);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}

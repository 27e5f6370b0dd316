package io.pswitch.dataplane.logging;

import io.pswitch.dataplane.handoff.HandoffQueue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The three single-producer single-consumer queues between a worker other than 0 and worker 0, the
 * log's one writer:
 * <ul>
 *   <li><b>requests</b> (worker → 0): a match to append, by {@code bufIdx}; the buffer is the log's
 *       from the moment the worker marked it, whether it is still pinned in a ring or not;</li>
 *   <li><b>spares</b> (0 → worker): free buffers that replace logged ones in the worker's rings; worker
 *       0 keeps this queue topped up from the pool, whose free list only it touches;</li>
 *   <li><b>returns</b> (worker → 0): buffers whose record retired while they were pinned in the
 *       worker's rings, for worker 0 to give back to the pool.</li>
 * </ul>
 *
 * <p>Request entries, in longs:
 * <pre>
 * [0] bufIdx (low 32)       | stored length (high 32)
 * [1] wire length (low 32)  | ingress port (high 32)
 * [2] receive time ns
 * [3] filter mask (bit i: filter id i &lt; 64 matched)
 * [4] first filter id (low 32) | decision (high 32)
 * [5] tunnel metadata (0: none)
 * </pre>
 * Spare and return entries: [0] bufIdx.
 *
 * <p><b>Which filters matched</b> travels beside each request, by its ring position
 * ({@link HandoffQueue#position}): the set the worker evaluated ({@link #matchSets}) and the match's
 * bitmap over that set's positions ({@link #matchBitmaps}: {@code words} longs at position × width of
 * the array held there). Worker 0 counts the filters of a request only once its append succeeded, so
 * {@code pswitch_log_frames_total{filter}} counts records, not hand-overs; the word-3 mask cannot serve:
 * it holds only ids below 64. Why side arrays and not more words per entry: a set of 2,000 filters
 * needs 32 words, and the entry's width is fixed. Written with plain stores before the batch's
 * release store, read after the consumer's acquire load, and not rewritten before the consumer has
 * released the entry: the queue's own ordering covers them.
 *
 * <p>Sizes: a worker takes at most one spare per frame of a batch, so the spares queue holds a batch;
 * requests twice that (a worker may queue a batch while worker 0 has not yet taken the last one);
 * returns every ring slot, the most buffers a worker can have pinned, so returning never fails.
 *
 * <p><b>Taken</b> (0 → worker, {@code sync} mode): how many of the worker's requests worker 0 has taken
 * so far — appended, or refused by a full hot tier — and the log sequence of the last one appended.
 * Worker 0 stores them once the records are committed (the count last, with a release store); the
 * worker, which queued a known number, waits on them before its frames may leave ({@link LogTap}).
 */
final class LogLink {
    static final int REQUEST_WORDS = 6;
    private static final VarHandle TAKEN;
    private static final VarHandle TAKEN_SEQ;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAKEN = l.findVarHandle(LogLink.class, "taken", long.class);
            TAKEN_SEQ = l.findVarHandle(LogLink.class, "takenSeq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final HandoffQueue requests;
    final HandoffQueue spares;
    final HandoffQueue returns;
    /** Per request position: the filter set its match was evaluated with. */
    final ActiveFilters[] matchSets;
    /** Per request position: the array holding its match bitmap (see the class comment). */
    final long[][] matchBitmaps;
    @SuppressWarnings("unused") // through TAKEN
    private long taken;
    @SuppressWarnings("unused") // through TAKEN_SEQ
    private long takenSeq;

    LogLink(int batchCapacity, int ringSlots) {
        int batch = pow2(batchCapacity);
        this.spares = new HandoffQueue(batch, 1);
        this.requests = new HandoffQueue(2 * batch, REQUEST_WORDS);
        this.returns = new HandoffQueue(pow2(ringSlots + batchCapacity), 1);
        this.matchSets = new ActiveFilters[requests.capacity()];
        this.matchBitmaps = new long[requests.capacity()][];
    }

    /** The ring position of the request entry whose {@link HandoffQueue#claim()} base is {@code base}. */
    static int position(int base) {
        return base / REQUEST_WORDS;
    }

    private static int pow2(int n) {
        return Math.max(2, Integer.highestOneBit(Math.max(1, n) * 2 - 1));
    }

    /**
     * Worker 0: it has taken {@code count} requests in all, and {@code seq} is the sequence of the
     * last one it appended; both committed. The count is stored last: a worker that sees it sees the seq.
     */
    void taken(long count, long seq) {
        TAKEN_SEQ.setOpaque(this, seq);
        TAKEN.setRelease(this, count);
    }

    /** Requests worker 0 has taken so far (the worker's side). */
    long taken() {
        return (long) TAKEN.getAcquire(this);
    }

    /** Sequence of the last request appended up to {@link #taken()} (read after it). */
    long takenSeq() {
        return (long) TAKEN_SEQ.getOpaque(this);
    }

    static long word0(int bufIdx, int storedLength) {
        return (bufIdx & 0xFFFF_FFFFL) | ((long) storedLength << 32);
    }

    static long word1(int wireLength, int ingress) {
        return (wireLength & 0xFFFF_FFFFL) | ((long) ingress << 32);
    }

    static long word4(int firstFilterId, int decision) {
        return (firstFilterId & 0xFFFF_FFFFL) | ((long) decision << 32);
    }

    static int low(long word) {
        return (int) word;
    }

    static int high(long word) {
        return (int) (word >> 32);
    }

    /** Buffers of queued, not yet appended requests (cold; both sides stopped): the log's. */
    int[] requestedBuffers() {
        return requests.bufferIndices(0);
    }

    /** Free spares and returned buffers in the queues (cold; both sides stopped). */
    int[] heldBuffers() {
        int[] s = spares.bufferIndices(0);
        int[] r = returns.bufferIndices(0);
        int[] out = new int[s.length + r.length];
        System.arraycopy(s, 0, out, 0, s.length);
        System.arraycopy(r, 0, out, s.length, r.length);
        return out;
    }
}

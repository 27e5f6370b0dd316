package io.pswitch.dataplane.handoff;

import io.pswitch.pktlog.pool.BufferPool;

/**
 * One dataplane worker's ends of the queues between workers: for every other worker, a frame queue
 * and a learning queue towards it (this worker produces), the same from it (this worker consumes),
 * and a buffer-return queue each way; plus the worker's {@link SpareBuffers}. The queues of a pair
 * are made once and shared by the two workers' links ({@link #mesh}).
 *
 * <p>Entries, in longs:
 * <pre>
 * frame  [0] bufIdx (low 32) | length (high 32)   [1] ingress port (low 32) | decision (high 32: port or FLOOD)
 *        [2] receive time ns                      [3] tunnel metadata (0: none)
 * learn  [0] VLAN id &lt;&lt; 48 | MAC                 [1] port (low 32) | worker (high 32)
 * return [0] bufIdx
 * </pre>
 *
 * <p>Per-flow order: a flow enters at one port, which one worker owns, so its frames to a port of
 * another worker all go through one frame queue, which is FIFO.
 */
public final class WorkerLinks {
    public static final int FRAME_WORDS = 4;
    public static final int LEARN_WORDS = 2;
    private static final int LEARN_CAPACITY = 1024;

    private final int id;
    private final int workers;
    private final HandoffQueue[] framesOut;
    private final HandoffQueue[] framesIn;
    private final HandoffQueue[] returnsOut;
    private final HandoffQueue[] returnsIn;
    private final HandoffQueue[] learnsOut;
    private final HandoffQueue[] learnsIn;
    private final SpareBuffers spares;
    /** Every worker's doorbell, index = worker id (shared by all the links of one mesh). */
    private final Doorbell[] doorbells;

    private WorkerLinks(int id, int workers, SpareBuffers spares, Doorbell[] doorbells) {
        this.id = id;
        this.doorbells = doorbells;
        this.workers = workers;
        this.framesOut = new HandoffQueue[workers];
        this.framesIn = new HandoffQueue[workers];
        this.returnsOut = new HandoffQueue[workers];
        this.returnsIn = new HandoffQueue[workers];
        this.learnsOut = new HandoffQueue[workers];
        this.learnsIn = new HandoffQueue[workers];
        this.spares = spares;
    }

    /**
     * The links of {@code workers} workers, index = worker id. Each worker takes
     * {@code capacity * (workers - 1)} spare buffers from the pool (cold: before any worker runs).
     * A return queue holds {@code capacity * (workers - 1)}: more than the lender can have lent, so
     * returning never fails.
     */
    public static WorkerLinks[] mesh(int workers, int capacity, BufferPool pool) {
        WorkerLinks[] links = new WorkerLinks[workers];
        Doorbell[] doorbells = new Doorbell[workers];
        for (int w = 0; w < workers; w++) {
            doorbells[w] = Doorbell.open();
        }
        int lendable = capacity * (workers - 1);
        int returnCapacity = Math.max(2, Integer.highestOneBit(Math.max(1, lendable) * 2 - 1));
        for (int w = 0; w < workers; w++) {
            links[w] = new WorkerLinks(w, workers, new SpareBuffers(pool, lendable), doorbells);
        }
        for (int a = 0; a < workers; a++) {
            for (int b = 0; b < workers; b++) {
                if (a == b) {
                    continue;
                }
                HandoffQueue frames = new HandoffQueue(capacity, FRAME_WORDS);
                links[a].framesOut[b] = frames;
                links[b].framesIn[a] = frames;
                HandoffQueue returns = new HandoffQueue(returnCapacity, 1);
                links[a].returnsOut[b] = returns;
                links[b].returnsIn[a] = returns;
                HandoffQueue learns = new HandoffQueue(LEARN_CAPACITY, LEARN_WORDS);
                links[a].learnsOut[b] = learns;
                links[b].learnsIn[a] = learns;
            }
        }
        return links;
    }

    public int id() {
        return id;
    }

    public int workers() {
        return workers;
    }

    public SpareBuffers spares() {
        return spares;
    }

    // ---------------------------------------------------------------- producing (this worker's thread)

    /**
     * Queues a frame for worker {@code to}; the buffer is the queue's from now on.
     *
     * @return false when the queue is full (the caller keeps the buffer and counts the drop)
     */
    public boolean sendFrame(int to, int bufIdx, int length, int ingress, int decision, long timestampNs, long tunnel) {
        HandoffQueue q = framesOut[to];
        int e = q.claim();
        if (e < 0) {
            return false;
        }
        q.put(e, 0, (bufIdx & 0xFFFF_FFFFL) | ((long) length << 32));
        q.put(e, 1, (ingress & 0xFFFF_FFFFL) | ((long) decision << 32));
        q.put(e, 2, timestampNs);
        q.put(e, 3, tunnel);
        return true;
    }

    /** Gives worker {@code to} a free buffer back for a frame taken from it. */
    public void returnBuffer(int to, int bufIdx) {
        HandoffQueue q = returnsOut[to];
        int e = q.claim();
        if (e < 0) {
            // Cannot happen: the lender has lent at most what the return queue holds (see mesh).
            throw new IllegalStateException("return queue from worker " + id + " to worker " + to + " is full");
        }
        q.put(e, 0, bufIdx);
    }

    /** Tells every other worker that station (vid, mac) is on {@code port}; lost when a queue is full (re-sent later). */
    public void announce(long vidMac, int port) {
        for (int w = 0; w < workers; w++) {
            HandoffQueue q = learnsOut[w];
            if (q != null) {
                int e = q.claim();
                if (e >= 0) {
                    q.put(e, 0, vidMac);
                    q.put(e, 1, (port & 0xFFFF_FFFFL) | ((long) id << 32));
                }
            }
        }
    }

    /**
     * Makes everything queued this cycle visible to the other workers: learned stations before
     * frames, so a worker that sees a frame and later the reply to it knows the station by then.
     */
    public void publish() {
        for (int w = 0; w < workers; w++) {
            if (w != id) {
                // Non-short-circuit: every queue publishes; a worker asleep in poll is woken once for all.
                if (learnsOut[w].publish() | returnsOut[w].publish() | framesOut[w].publish()) {
                    doorbells[w].ring();
                }
            }
        }
    }

    /** This worker's doorbell: it polls it when it sleeps, others ring it when they queued work for it. */
    public Doorbell doorbell() {
        return doorbells[id];
    }

    /** Worker {@code w}'s doorbell (another thread that queued work for it rings it). */
    public Doorbell doorbell(int w) {
        return doorbells[w];
    }

    // ---------------------------------------------------------------- consuming (this worker's thread)

    /** Takes the buffers other workers gave back into the spares; returns how many. */
    public int takeReturns() {
        int taken = 0;
        for (int w = 0; w < workers; w++) {
            HandoffQueue q = returnsIn[w];
            if (q == null) {
                continue;
            }
            int n = q.available();
            for (int i = 0; i < n; i++) {
                spares.put((int) q.word(i, 0));
            }
            q.release(n);
            taken += n;
        }
        return taken;
    }

    /** The frame queue from worker {@code from} (null for this worker itself). */
    public HandoffQueue framesFrom(int from) {
        return framesIn[from];
    }

    /** The learning queue from worker {@code from} (null for this worker itself). */
    public HandoffQueue learnsFrom(int from) {
        return learnsIn[from];
    }

    /** Whether another worker has queued frames or stations for this one (it must not sleep). */
    public boolean hasIncoming() {
        for (int w = 0; w < workers; w++) {
            if (w != id && (framesIn[w].available() > 0 || learnsIn[w].available() > 0 || returnsIn[w].available() > 0)) {
                return true;
            }
        }
        return false;
    }

    /** Frames this worker queued for others that they have not taken yet. Any thread (a reading). */
    public long queuedFrames() {
        long n = 0;
        for (int w = 0; w < workers; w++) {
            if (w != id) {
                n += framesOut[w].pending();
            }
        }
        return n;
    }

    public static int bufIdx(long word0) {
        return (int) word0;
    }

    public static int length(long word0) {
        return (int) (word0 >>> 32);
    }

    public static int ingress(long word1) {
        return (int) word1;
    }

    public static int decision(long word1) {
        return (int) (word1 >> 32);
    }

    // ---------------------------------------------------------------- ownership checks (cold)

    /** Buffers this worker holds outside rings: its spares and those in queues it produces into. Workers stopped. */
    public int[] heldBuffers() {
        int[] spare = spares.buffers();
        int total = spare.length;
        int[][] queued = new int[2 * workers][];
        for (int w = 0; w < workers; w++) {
            if (w != id) {
                queued[2 * w] = framesOut[w].bufferIndices(0);
                queued[2 * w + 1] = returnsOut[w].bufferIndices(0);
                total += queued[2 * w].length + queued[2 * w + 1].length;
            }
        }
        int[] out = new int[total];
        System.arraycopy(spare, 0, out, 0, spare.length);
        int at = spare.length;
        for (int[] q : queued) {
            if (q != null) {
                System.arraycopy(q, 0, out, at, q.length);
                at += q.length;
            }
        }
        return out;
    }
}

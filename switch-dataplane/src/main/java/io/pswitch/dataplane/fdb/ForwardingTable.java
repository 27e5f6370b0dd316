package io.pswitch.dataplane.fdb;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.counters.CountersFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.agrona.concurrent.AtomicBuffer;

/**
 * The IEEE 802.1D filtering database: (VLAN, MAC) to port index, with ageing.
 *
 * <p>Layout: open addressing with linear probing over three parallel primitive arrays (key, port,
 * last-seen time), no boxing and no allocation after construction. A key is
 * {@code OCCUPIED | vid << 48 | mac}, so 0 marks an empty slot and the all-zero MAC stays
 * learnable. The table has at least twice as many slots as {@link #capacity()} entries, so probe
 * sequences stay short and there is always an empty slot to end a probe.
 *
 * <p>Probe window: an entry lives at most {@link #PROBE_WINDOW} slots from its home slot, so a
 * lookup reads at most that many keys (two cache lines). Removal uses backward-shift deletion
 * (no tombstones), which only ever moves an entry closer to its home, keeping the bound.
 *
 * <p>Eviction policy, when a new station is learned and the table cannot just take it:
 * <ul>
 *   <li>its probe window has no empty slot, or the table holds {@link #capacity()} entries: the
 *       least recently seen entry of the new key's probe window is replaced (an aged one first,
 *       naturally, being the oldest);</li>
 *   <li>at capacity with an empty home slot (the window holds no entry to replace): the first entry
 *       after the home slot is removed instead.</li>
 * </ul>
 * Replacing an expired entry counts as {@code aged}; replacing a live one as {@code evicted}.
 *
 * <p>Ageing: an entry not refreshed for the ageing time is treated as absent at once by
 * {@link #lookup} and {@link #learn}; {@link #expire} removes such entries incrementally (a bounded
 * number of slots per call) so the dataplane never stalls on a full sweep. Time comes from the
 * caller (an injected clock), never from the system.
 *
 * <p>Several workers: <b>one replica per worker, kept up to date by learning messages</b>. Each
 * worker learns from the frames of its own ports ({@link #learn}, which says when the others must
 * hear of it: a new or moved station, or one not announced for a quarter of the ageing time) and
 * hands those stations to every other worker over a single-producer queue, which applies them with
 * {@link #learnReplica}. Chosen over one shared table with single-writer entries because the table is
 * open addressing with backward-shift deletion: a lookup racing another thread's removal or eviction
 * could read a key from one entry and a port from another, and making that safe (seqlocks per slot)
 * would put a fence or a retry on every lookup of every frame. Replicas keep lookup and learning the
 * plain single-threaded code they are with one worker, at the cost of memory per worker and of a
 * station being unknown to the other workers for the moment its message is in flight (a frame to it
 * is flooded meanwhile, which 802.1D allows for any unknown station). A station seen on two workers'
 * ports at once converges to the last message, as a moved station does.
 *
 * <p>Threads: all mutation and {@link #lookup}/{@link #snapshot} happen on the one dataplane thread
 * that owns the table (its replica). The counters live in the switch's counters file: single-writer values
 * stored with release semantics, so any thread or process ({@code pswitch stat}) may read them
 * with acquire loads (monotonic, never torn) without touching the table itself.
 */
public final class ForwardingTable {
    public static final int NO_PORT = -1;
    public static final int PROBE_WINDOW = 16;
    public static final long DEFAULT_AGEING_NS = 300_000_000_000L;
    public static final int MAX_CAPACITY = 1 << 22;

    private static final long OCCUPIED = 1L << 63;
    private static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    private static final int SIZE = 0;
    private static final int LEARNED = 1;
    private static final int AGED = 2;
    private static final int EVICTED = 3;
    private static final int MOVED = 4;
    private static final int FLUSHED = 5;

    private final int capacity;
    private final long ageingNs;
    private final int mask;
    private final int hashShift;
    private final long[] keys;
    private final int[] ports;
    private final long[] seenNs;
    /** When this worker last told the other workers about the entry (see {@link #learn}). */
    private final long[] announcedNs;
    private final long announceEveryNs;
    /** The table's counters in the switch's counters file ("fdb entries", "fdb learned", ...), by the indices above. */
    private final AtomicBuffer values;
    private final int[] counters = new int[6];
    private int size;
    private int sweepCursor;
    /** Null, or by port: whether this replica counts ageing, eviction and flushes of its entries. */
    private boolean[] countedPorts;

    /**
     * @param capacity the most entries held at once
     * @param ageingNs how long an entry lives without being refreshed by a frame from its station
     */
    public ForwardingTable(int capacity, long ageingNs) {
        this(capacity, ageingNs, CountersFile.inMemory(), 0);
    }

    /**
     * A table whose counters live in {@code file} (they are the dataplane {@code worker}'s: it is
     * the one writer of the table).
     */
    public ForwardingTable(int capacity, long ageingNs, CountersFile file, int worker) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("FDB capacity " + capacity + " must be between 1 and " + MAX_CAPACITY);
        }
        if (ageingNs <= 0) {
            throw new IllegalArgumentException("FDB ageing time " + ageingNs + " ns must be positive");
        }
        int slots = Math.max(PROBE_WINDOW * 2, Integer.highestOneBit(capacity - 1 == 0 ? 1 : capacity - 1) << 2);
        this.capacity = capacity;
        this.ageingNs = ageingNs;
        this.mask = slots - 1;
        this.hashShift = 64 - Integer.numberOfTrailingZeros(slots);
        this.keys = new long[slots];
        this.ports = new int[slots];
        this.seenNs = new long[slots];
        this.announcedNs = new long[slots];
        this.announceEveryNs = Math.max(1, ageingNs / 4);
        this.values = file.values();
        counters[SIZE] = file.allocate(CounterType.FDB_ENTRIES, worker, "fdb entries");
        counters[LEARNED] = file.allocate(CounterType.FDB_LEARNED, worker, "fdb learned");
        counters[AGED] = file.allocate(CounterType.FDB_AGED, worker, "fdb aged");
        counters[EVICTED] = file.allocate(CounterType.FDB_EVICTED, worker, "fdb evicted");
        counters[MOVED] = file.allocate(CounterType.FDB_MOVED, worker, "fdb moved");
        counters[FLUSHED] = file.allocate(CounterType.FDB_FLUSHED, worker, "fdb flushed");
    }

    /**
     * Makes this table a replica that counts ageing, eviction and flushes only for entries on the
     * ports marked (its worker's own), so the counters summed over replicas count each station once.
     * Before use.
     */
    public void countOnly(boolean[] ports) {
        this.countedPorts = ports.clone();
    }

    private boolean counts(int port) {
        boolean[] c = countedPorts;
        return c == null || (port >= 0 && port < c.length && c[port]);
    }

    private static long key(int vid, long mac) {
        return OCCUPIED | ((long) vid << 48) | (mac & MAC_MASK);
    }

    private int home(long key) {
        return (int) ((key * GOLDEN) >>> hashShift);
    }

    /** The port the station was learned on, or {@link #NO_PORT} if unknown or aged out. */
    public int lookup(int vid, long mac, long nowNs) {
        long key = key(vid, mac);
        int i = home(key);
        for (int n = 0; n < PROBE_WINDOW; n++) {
            long k = keys[i];
            if (k == key) {
                return nowNs - seenNs[i] < ageingNs ? ports[i] : NO_PORT;
            }
            if (k == 0) {
                return NO_PORT;
            }
            i = (i + 1) & mask;
        }
        return NO_PORT;
    }

    /**
     * Records that a frame from the station arrived on {@code port}: learns, refreshes or moves it.
     *
     * @return whether the other workers' replicas should hear of it ({@link #learnReplica}): the
     *     station is new or moved, or was last announced a quarter of the ageing time ago (so a
     *     replica never ages out a station that keeps talking)
     */
    public boolean learn(int vid, long mac, int port, long nowNs) {
        return update(vid, mac, port, nowNs, true);
    }

    /**
     * Takes a station another worker learned (its learning message): the same table update as
     * {@link #learn}, but not counted as learned or moved here (the learning worker counted it, and
     * the counters are summed over workers) and never announced again.
     */
    public void learnReplica(int vid, long mac, int port, long nowNs) {
        update(vid, mac, port, nowNs, false);
    }

    /** {@link #learn} ({@code local}) or {@link #learnReplica}: one probe, one placement. */
    private boolean update(int vid, long mac, int port, long nowNs, boolean local) {
        long key = key(vid, mac);
        int i = home(key);
        int victim = -1;
        long oldest = Long.MAX_VALUE;
        for (int n = 0; n < PROBE_WINDOW; n++) {
            long k = keys[i];
            if (k == key) {
                boolean changed = refresh(i, port, nowNs, local);
                if (!local || changed || nowNs - announcedNs[i] >= announceEveryNs) {
                    announcedNs[i] = nowNs;
                    return local;
                }
                return false;
            }
            if (k == 0) {
                if (size < capacity) {
                    put(i, key, port, nowNs);
                    setSize(size + 1);
                    if (local) {
                        increment(LEARNED);
                    }
                    return local;
                }
                break;
            }
            if (seenNs[i] < oldest) {
                oldest = seenNs[i];
                victim = i;
            }
            i = (i + 1) & mask;
        }
        if (victim < 0) {
            victim = evictAfter(i);
        } else if (counts(ports[victim])) {
            increment(nowNs - seenNs[victim] >= ageingNs ? AGED : EVICTED);
        }
        put(victim, key, port, nowNs);
        if (local) {
            increment(LEARNED);
        }
        return local;
    }

    /** @return whether the entry is new again (aged) or moved */
    private boolean refresh(int i, int port, long nowNs, boolean count) {
        boolean changed = false;
        if (nowNs - seenNs[i] >= ageingNs) {
            // It had aged out: this is a new learn, not a move.
            if (count) {
                increment(AGED);
                increment(LEARNED);
            }
            changed = true;
        } else if (ports[i] != port) {
            if (count) {
                increment(MOVED);
            }
            changed = true;
        }
        ports[i] = port;
        seenNs[i] = nowNs;
        return changed;
    }

    /** At capacity and the home slot {@code home} is empty: removes the next entry after it. Cold. */
    private int evictAfter(int home) {
        int j = (home + 1) & mask;
        while (keys[j] == 0) {
            j = (j + 1) & mask;
        }
        boolean counted = counts(ports[j]);
        remove(j);
        if (counted) {
            increment(EVICTED);
        }
        // Backward shift never fills a slot before the removed one's cluster, so home is still empty.
        setSize(size + 1);
        return home;
    }

    private void put(int i, long key, int port, long nowNs) {
        keys[i] = key;
        ports[i] = port;
        seenNs[i] = nowNs;
        announcedNs[i] = nowNs;
    }

    /** Backward-shift deletion: pulls later entries of the cluster into the hole when their home allows. */
    private void remove(int slot) {
        int hole = slot;
        int j = slot;
        while (true) {
            j = (j + 1) & mask;
            long k = keys[j];
            if (k == 0) {
                break;
            }
            int h = home(k);
            boolean homeInRange = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
            if (!homeInRange) {
                keys[hole] = k;
                ports[hole] = ports[j];
                seenNs[hole] = seenNs[j];
                announcedNs[hole] = announcedNs[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        setSize(size - 1);
    }

    /**
     * Removes aged entries, examining at most {@code maxSlots} slots from where the last call
     * stopped; called every duty cycle so the whole table is swept without a pause.
     *
     * @return entries removed
     */
    public int expire(long nowNs, int maxSlots) {
        int removed = 0;
        for (int n = 0; n < maxSlots; n++) {
            int i = sweepCursor;
            if (keys[i] != 0 && nowNs - seenNs[i] >= ageingNs) {
                // Stay on this slot: backward shift may have pulled another entry into it.
                boolean counted = counts(ports[i]);
                remove(i);
                if (counted) {
                    increment(AGED);
                }
                removed++;
            } else {
                sweepCursor = (i + 1) & mask;
            }
        }
        return removed;
    }

    /** Forgets every station. */
    public int flush() {
        int removed = size;
        int counted = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0 && counts(ports[i])) {
                counted++;
            }
        }
        Arrays.fill(keys, 0L);
        setSize(0);
        add(FLUSHED, counted);
        return removed;
    }

    /** Forgets the stations learned on one port (the port went down or was reconfigured). */
    public int flushPort(int port) {
        int removed = 0;
        int s = 0;
        while (s < keys.length) {
            if (keys[s] != 0 && ports[s] == port) {
                // Stay on this slot: backward shift may have pulled a later, unchecked entry into it.
                // Entries only ever move into the hole or beyond it (or, wrapping, into slots already
                // checked by this pass), so one pass sees every entry.
                remove(s);
                removed++;
            } else {
                s++;
            }
        }
        add(FLUSHED, counts(port) ? removed : 0);
        return removed;
    }

    /** A copy of the live entries sorted by VLAN then MAC. Cold path, dataplane thread only. */
    public List<FdbEntry> snapshot(long nowNs) {
        List<FdbEntry> out = new ArrayList<>(size);
        for (int i = 0; i < keys.length; i++) {
            long k = keys[i];
            if (k != 0 && nowNs - seenNs[i] < ageingNs) {
                out.add(new FdbEntry(k & MAC_MASK, (int) (k >>> 48) & 0xFFF, ports[i], nowNs - seenNs[i]));
            }
        }
        out.sort(Comparator.comparingInt(FdbEntry::vlan).thenComparingLong(FdbEntry::mac));
        return out;
    }

    private void setSize(int newSize) {
        size = newSize;
        values.putLongRelease(counters[SIZE], newSize);
    }

    private void increment(int index) {
        add(index, 1);
    }

    private void add(int index, long delta) {
        // Single writer (the dataplane thread): its plain load is current, the release store publishes.
        int offset = counters[index];
        values.putLongRelease(offset, values.getLong(offset) + delta);
    }

    private long read(int index) {
        return values.getLongAcquire(counters[index]);
    }

    public int capacity() {
        return capacity;
    }

    public long ageingNs() {
        return ageingNs;
    }

    /** Entries held, including aged ones the sweep has not reached yet. Any thread. */
    public long size() {
        return read(SIZE);
    }

    /** New stations learned. Any thread. */
    public long learned() {
        return read(LEARNED);
    }

    /** Entries removed or replaced because they aged out. Any thread. */
    public long aged() {
        return read(AGED);
    }

    /** Live entries replaced to make room (capacity or probe window full). Any thread. */
    public long evicted() {
        return read(EVICTED);
    }

    /** Stations seen on a different port than they were learned on. Any thread. */
    public long moved() {
        return read(MOVED);
    }

    /** Entries removed by flush commands. Any thread. */
    public long flushed() {
        return read(FLUSHED);
    }
}

package io.pswitch.dataplane.ring;

import io.pswitch.pktlog.pool.BufferPool;

/**
 * A netmap-style ring of slots {@code {bufIdx, len, flags, timestampNs, tunnel}} with {@code head/cur/tail}.
 *
 * <p>Every slot always holds one pool buffer, so a ring of {@code n} slots owns {@code n} buffers.
 * Frames move between rings by swapping {@code bufIdx} values (zero copy); a slot whose buffer was
 * swapped carries {@link #FLAG_BUF_CHANGED}. {@code len}, {@code timestampNs} and {@code tunnel} describe the
 * frame, not the buffer: whoever moves a frame to another ring's slot copies them with it.
 *
 * <p>Ownership of slots, as in netmap (one slot is always kept empty, so capacity is {@code n - 1}):
 * <ul>
 *   <li>The <b>user</b> (the switch agent) owns slots {@code [head, tail)}. On an RX ring these hold
 *       received frames; on a TX ring they are free slots to fill. The user advances {@code head}
 *       (and {@code cur}) to hand slots back to the driver.</li>
 *   <li>The <b>driver</b> owns the rest. In {@code rxSync} it fills slots from {@code tail} up to
 *       {@code head - 1} and advances {@code tail}. In {@code txSync} it transmits slots from
 *       {@code hwcur} up to {@code head}, then advances {@code tail} to {@code hwcur - 1}.</li>
 * </ul>
 * Both sides run on the dataplane thread that owns the port (a sync call is a method call), so the
 * fields are plain; the ring is not for use across threads.
 */
public final class Ring {
    /** The slot's bufIdx was replaced by the user; the driver must not assume the old buffer. */
    public static final short FLAG_BUF_CHANGED = 1;
    /** The slot's buffer belongs to the log: transmitting it must not let it be reused. */
    public static final short FLAG_LOGGED = 2;

    private final String name;
    private final int numSlots;
    private final int mask;
    public final int[] bufIdx;
    public final int[] len;
    public final short[] flags;
    public final long[] timestampNs;
    /**
     * How the frame arrived when it came out of a tunnel ({@code io.pswitch.pktlog.tunnel.TunnelMeta}:
     * VNI and outer source), 0 when it did not. Written by a tunnel driver's rxSync; drivers without
     * tunnels never write their RX ring's entries, which stay 0.
     */
    public final long[] tunnel;

    /** First slot owned by the user. Written by the user. */
    public int head;
    /** Wake-up point, as in netmap; kept equal to head by this switch. Written by the user. */
    public int cur;
    /** First slot owned by the driver. Written by the driver. */
    public int tail;
    /** TX only: the next slot the driver will transmit. Written by the driver. */
    public int hwcur;

    private Ring(String name, int numSlots) {
        if (numSlots < 2 || Integer.bitCount(numSlots) != 1) {
            throw new IllegalArgumentException("ring size " + numSlots + " must be a power of two of at least 2");
        }
        this.name = name;
        this.numSlots = numSlots;
        this.mask = numSlots - 1;
        this.bufIdx = new int[numSlots];
        this.len = new int[numSlots];
        this.flags = new short[numSlots];
        this.timestampNs = new long[numSlots];
        this.tunnel = new long[numSlots];
    }

    /** An RX ring: empty ({@code head == tail}), every slot given a buffer from the pool. */
    public static Ring rx(String name, int numSlots, BufferPool pool) {
        Ring ring = new Ring(name, numSlots);
        ring.fill(pool);
        return ring;
    }

    /** A TX ring: all {@code n - 1} usable slots free for the user. */
    public static Ring tx(String name, int numSlots, BufferPool pool) {
        Ring ring = new Ring(name, numSlots);
        ring.fill(pool);
        ring.tail = ring.mask; // head = hwcur = 0: nothing pending, n - 1 slots free
        return ring;
    }

    private void fill(BufferPool pool) {
        for (int i = 0; i < numSlots; i++) {
            int b = pool.allocate();
            if (b == 0) {
                for (int j = 0; j < i; j++) {
                    pool.free(bufIdx[j]);
                    bufIdx[j] = 0;
                }
                throw new IllegalStateException("buffer pool has too few free buffers for ring " + name
                        + " (" + numSlots + " slots): make the pool larger or the rings smaller");
            }
            bufIdx[i] = b;
        }
    }

    /** Gives every slot's buffer back to the pool (the ring is unusable afterwards). */
    public void release(BufferPool pool) {
        for (int i = 0; i < numSlots; i++) {
            if (bufIdx[i] != 0 && (flags[i] & FLAG_LOGGED) == 0) {
                pool.free(bufIdx[i]);
            }
            bufIdx[i] = 0;
        }
    }

    public String name() {
        return name;
    }

    public int numSlots() {
        return numSlots;
    }

    public int next(int slot) {
        return (slot + 1) & mask;
    }

    /** Slots the user owns: received frames on RX, free slots on TX. */
    public int userSlots() {
        return (tail - head) & mask;
    }

    /** RX, driver side: slots the driver may fill before reaching {@code head}. */
    public int rxSpace() {
        return (head - 1 - tail) & mask;
    }

    /** TX, driver side: slots handed over by the user and not yet transmitted. */
    public int txPending() {
        return (head - hwcur) & mask;
    }

    /** TX, driver side: after transmitting up to {@code hwcur}, give the slots back to the user. */
    public void txReclaim() {
        tail = (hwcur - 1) & mask;
    }

    /** Swaps the buffers of two slots (zero-copy move of a frame) and marks both changed. */
    public static void swap(Ring a, int slotA, Ring b, int slotB) {
        int t = a.bufIdx[slotA];
        a.bufIdx[slotA] = b.bufIdx[slotB];
        b.bufIdx[slotB] = t;
        short f = a.flags[slotA];
        a.flags[slotA] = (short) (b.flags[slotB] | FLAG_BUF_CHANGED);
        b.flags[slotB] = (short) (f | FLAG_BUF_CHANGED);
    }

    @Override
    public String toString() {
        return "Ring[" + name + " head=" + head + " cur=" + cur + " tail=" + tail + " hwcur=" + hwcur + "]";
    }
}

package io.pswitch.drivers.shm;

import static io.pswitch.drivers.shm.ShmRingDescriptor.FROM_SWITCH_CONSUMER_OFFSET;
import static io.pswitch.drivers.shm.ShmRingDescriptor.FROM_SWITCH_PRODUCER_OFFSET;
import static io.pswitch.drivers.shm.ShmRingDescriptor.INT;
import static io.pswitch.drivers.shm.ShmRingDescriptor.LONG;
import static io.pswitch.drivers.shm.ShmRingDescriptor.LONG_HANDLE;
import static io.pswitch.drivers.shm.ShmRingDescriptor.SLOT_HEADER;
import static io.pswitch.drivers.shm.ShmRingDescriptor.SLOT_LENGTH_OFFSET;
import static io.pswitch.drivers.shm.ShmRingDescriptor.SLOT_TIMESTAMP_OFFSET;
import static io.pswitch.drivers.shm.ShmRingDescriptor.STATE_PEER_ATTACHED;
import static io.pswitch.drivers.shm.ShmRingDescriptor.STATE_SWITCH_ATTACHED;
import static io.pswitch.drivers.shm.ShmRingDescriptor.TO_SWITCH_CONSUMER_OFFSET;
import static io.pswitch.drivers.shm.ShmRingDescriptor.TO_SWITCH_PRODUCER_OFFSET;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The peer side of a shared-memory port: an application (traffic generator, simulated host, test)
 * attached to a port that a running switch created with {@code name=shm:<name>}.
 *
 * <p>Sending produces into the to-switch ring, receiving consumes the from-switch ring. Both are
 * batched and allocation-free:
 * <ul>
 *   <li>send in place: {@link #claim(int)} slots, write each frame at {@link #claimedOffset(int)} in
 *       {@link #segment()}, set {@link #claimedLength(int, int)}, then {@link #commit(int)} publishes
 *       them with one release store; or copy one frame with {@link #send(byte[], int, int)}.</li>
 *   <li>receive in place: {@link #poll(int)} frames, read them at {@link #frameOffset(int)}, then
 *       {@link #release(int)}; or copy one out with {@link #receive(byte[])}.</li>
 * </ul>
 * A frame longer than {@link #slotSize()} keeps its full length but only {@code slotSize} bytes
 * travel (the switch drops it as oversize, as a real switch drops a giant frame).
 *
 * <p>Threads: the send methods must be called from one thread, the receive methods from one
 * (possibly other) thread. No method makes a system call; a full ring returns 0, never blocks.
 */
public final class ShmEndpoint implements AutoCloseable {
    private final String name;
    private final Arena arena;
    private final MemorySegment file;
    private final int slotCount;
    private final int slotMask;
    private final int slotSize;
    private final int slotStride;
    private final long toSwitchBase;
    private final long fromSwitchBase;
    private final long sessionId;
    private final long pid;
    private final long wallBaseNs;
    private final long monoBaseNs;

    private long toSwitchProducer;
    private long toSwitchConsumerCache;
    private int claimed;
    private long fromSwitchConsumer;
    private long fromSwitchProducerCache;
    private int polled;
    private volatile boolean closed;

    private ShmEndpoint(String name, Arena arena, MemorySegment file) {
        this.name = name;
        this.arena = arena;
        this.file = file;
        this.slotCount = ShmRingDescriptor.slotCount(file);
        this.slotMask = slotCount - 1;
        this.slotSize = ShmRingDescriptor.slotSize(file);
        this.slotStride = ShmRingDescriptor.slotStride(slotSize);
        this.toSwitchBase = ShmRingDescriptor.toSwitchSlotsOffset();
        this.fromSwitchBase = ShmRingDescriptor.fromSwitchSlotsOffset(slotCount, slotSize);
        this.sessionId = ShmRingDescriptor.sessionId(file);
        this.pid = ShmFiles.currentPid();
        Instant now = Instant.now();
        this.monoBaseNs = System.nanoTime();
        this.wallBaseNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Attaches to the shm port {@code name} of the running switch.
     *
     * @throws ShmAttachException with a one-line explanation (no such port, switch gone, another peer attached)
     */
    public static ShmEndpoint attach(String name) {
        String bad = ShmFiles.validateName(name);
        if (bad != null) {
            throw new ShmAttachException("cannot attach: " + bad);
        }
        Path path = ShmFiles.path(name);
        if (!Files.exists(path)) {
            throw new ShmAttachException("no shm port '" + name + "': is the switch running? (" + path + " does not exist)");
        }
        Arena arena = Arena.ofShared();
        try {
            ShmEndpoint endpoint = new ShmEndpoint(name, arena, mapChecked(name, path, arena));
            endpoint.join();
            return endpoint;
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static MemorySegment mapChecked(String name, Path path, Arena arena) {
        try {
            long size = Files.size(path);
            if (size < ShmRingDescriptor.SLOTS_OFFSET) {
                throw new ShmAttachException("shm port '" + name + "': " + path + " is too short (" + size + " bytes) to be a pswitch shm port");
            }
            MemorySegment header = ShmFiles.map(path, ShmRingDescriptor.SLOTS_OFFSET, arena);
            if (ShmRingDescriptor.magic(header) != ShmRingDescriptor.MAGIC) {
                throw new ShmAttachException("shm port '" + name + "': " + path + " is not a pswitch shm port file (bad magic)");
            }
            int version = ShmRingDescriptor.version(header);
            if (version != ShmRingDescriptor.LAYOUT_VERSION) {
                throw new ShmAttachException("shm port '" + name + "': layout version " + version + ", this build speaks "
                        + ShmRingDescriptor.LAYOUT_VERSION + ": run the same pswitch version on both sides");
            }
            long switchPid = ShmRingDescriptor.switchPid(header);
            if ((ShmRingDescriptor.state(header) & STATE_SWITCH_ATTACHED) == 0
                    || !ShmFiles.alive(switchPid, ShmRingDescriptor.switchStartMs(header))) {
                throw new ShmAttachException("no shm port '" + name + "': is the switch running? (" + path
                        + " was left by switch pid " + switchPid + ", which has gone)");
            }
            int slotCount = ShmRingDescriptor.slotCount(header);
            int slotSize = ShmRingDescriptor.slotSize(header);
            String geometry = ShmRingDescriptor.validateGeometry(slotCount, slotSize);
            long expected = ShmRingDescriptor.fileSize(slotCount, slotSize);
            if (geometry != null || size != expected) {
                throw new ShmAttachException("shm port '" + name + "': " + path + " is damaged ("
                        + (geometry != null ? geometry : size + " bytes, expected " + expected) + ")");
            }
            return ShmFiles.map(path, expected, arena);
        } catch (IOException e) {
            throw new ShmAttachException("shm port '" + name + "': cannot map " + path + ": " + e.getMessage(), e);
        }
    }

    /** Claims the peer role (a dead peer's claim is taken over) and picks up the indices where they stand. */
    private void join() {
        long previous = ShmRingDescriptor.peerPid(file);
        if ((ShmRingDescriptor.state(file) & STATE_PEER_ATTACHED) != 0 && previous != 0 && ShmFiles.alive(previous, 0)) {
            throw new ShmAttachException("shm port '" + name + "' already has a peer attached (pid " + previous + ")");
        }
        if (!LONG_HANDLE.compareAndSet(file, (long) ShmRingDescriptor.PEER_PID_OFFSET, previous, pid)) {
            throw new ShmAttachException("shm port '" + name + "': another peer is attaching at the same moment");
        }
        // The producer index is ours from now on; continue where the last peer stopped.
        toSwitchProducer = (long) LONG_HANDLE.getAcquire(file, (long) TO_SWITCH_PRODUCER_OFFSET);
        toSwitchConsumerCache = (long) LONG_HANDLE.getAcquire(file, (long) TO_SWITCH_CONSUMER_OFFSET);
        // Frames queued for a departed peer are not ours: skip them before announcing ourselves.
        fromSwitchConsumer = (long) LONG_HANDLE.getAcquire(file, (long) FROM_SWITCH_PRODUCER_OFFSET);
        fromSwitchProducerCache = fromSwitchConsumer;
        LONG_HANDLE.setRelease(file, (long) FROM_SWITCH_CONSUMER_OFFSET, fromSwitchConsumer);
        ShmRingDescriptor.updateStateBit(file, STATE_PEER_ATTACHED, true);
    }

    public String name() {
        return name;
    }

    /** The mapped port file: frames are read and written in place at the offsets the methods below give. */
    public MemorySegment segment() {
        return file;
    }

    public int slotCount() {
        return slotCount;
    }

    /** The most frame bytes one slot carries. */
    public int slotSize() {
        return slotSize;
    }

    /** Whether the switch that created the port still has it (false once it closed or was replaced). */
    public boolean switchAttached() {
        return !closed && (ShmRingDescriptor.state(file) & STATE_SWITCH_ATTACHED) != 0
                && ShmRingDescriptor.sessionId(file) == sessionId;
    }

    /** Wall-clock nanoseconds, as the slots carry them. */
    public long nowNs() {
        return wallBaseNs + (System.nanoTime() - monoBaseNs);
    }

    // ---- sending (to-switch ring, we produce) ----

    /**
     * Reserves up to {@code max} free slots for frames to be written in place; returns how many.
     * The switch's index is read only when the cached one says there is not enough room.
     */
    public int claim(int max) {
        long free = slotCount - (toSwitchProducer - toSwitchConsumerCache);
        if (free < max) {
            toSwitchConsumerCache = (long) LONG_HANDLE.getAcquire(file, (long) TO_SWITCH_CONSUMER_OFFSET);
            free = slotCount - (toSwitchProducer - toSwitchConsumerCache);
        }
        claimed = (int) Math.min(max, free);
        return claimed;
    }

    private long toSwitchSlot(int i) {
        return toSwitchBase + (long) ((int) (toSwitchProducer + i) & slotMask) * slotStride;
    }

    /** Offset in {@link #segment()} where claimed frame {@code i} is to be written ({@link #slotSize()} bytes room). */
    public long claimedOffset(int i) {
        return toSwitchSlot(i) + SLOT_HEADER;
    }

    /** Sets the wire length of claimed frame {@code i}. */
    public void claimedLength(int i, int len) {
        file.set(INT, toSwitchSlot(i) + SLOT_LENGTH_OFFSET, len);
    }

    /** Publishes the first {@code n} claimed frames, stamped with the current time, in one release store. */
    public void commit(int n) {
        if (n > claimed || n < 0) {
            throw new IllegalArgumentException("commit(" + n + ") but " + claimed + " slots are claimed");
        }
        long ts = nowNs();
        for (int i = 0; i < n; i++) {
            file.set(LONG, toSwitchSlot(i) + SLOT_TIMESTAMP_OFFSET, ts);
        }
        toSwitchProducer += n;
        claimed = 0;
        // Release: the switch sees the slot bytes written above no later than the index covering them.
        LONG_HANDLE.setRelease(file, (long) TO_SWITCH_PRODUCER_OFFSET, toSwitchProducer);
    }

    /** Copies one frame into the to-switch ring and publishes it; false when the ring is full. */
    public boolean send(byte[] frame, int offset, int len) {
        if (claim(1) == 0) {
            return false;
        }
        MemorySegment.copy(frame, offset, file, ValueLayout.JAVA_BYTE, claimedOffset(0), Math.min(len, slotSize));
        claimedLength(0, len);
        commit(1);
        return true;
    }

    /** Copies one frame from {@code src} into the to-switch ring and publishes it; false when the ring is full. */
    public boolean send(MemorySegment src, long offset, int len) {
        if (claim(1) == 0) {
            return false;
        }
        MemorySegment.copy(src, offset, file, claimedOffset(0), Math.min(len, slotSize));
        claimedLength(0, len);
        commit(1);
        return true;
    }

    // ---- receiving (from-switch ring, we consume) ----

    /**
     * Makes up to {@code max} received frames readable in place; returns how many. The switch's
     * index is read only when the cached one says fewer than {@code max} are waiting.
     */
    public int poll(int max) {
        long available = fromSwitchProducerCache - fromSwitchConsumer;
        if (available < max) {
            fromSwitchProducerCache = (long) LONG_HANDLE.getAcquire(file, (long) FROM_SWITCH_PRODUCER_OFFSET);
            available = fromSwitchProducerCache - fromSwitchConsumer;
        }
        polled = (int) Math.min(max, available);
        return polled;
    }

    private long fromSwitchSlot(int i) {
        return fromSwitchBase + (long) ((int) (fromSwitchConsumer + i) & slotMask) * slotStride;
    }

    /** Offset in {@link #segment()} of polled frame {@code i}'s bytes. */
    public long frameOffset(int i) {
        return fromSwitchSlot(i) + SLOT_HEADER;
    }

    /** Wire length of polled frame {@code i} (may exceed {@link #slotSize()}: see {@link #storedLength(int)}). */
    public int frameLength(int i) {
        return file.get(INT, fromSwitchSlot(i) + SLOT_LENGTH_OFFSET);
    }

    /** Bytes of polled frame {@code i} actually in the slot. */
    public int storedLength(int i) {
        int len = frameLength(i);
        return len < 0 ? 0 : Math.min(len, slotSize);
    }

    /** Hands the first {@code n} polled frames' slots back to the switch in one release store. */
    public void release(int n) {
        if (n > polled || n < 0) {
            throw new IllegalArgumentException("release(" + n + ") but " + polled + " frames are polled");
        }
        fromSwitchConsumer += n;
        polled = 0;
        // Release: the switch may overwrite these slots only after our reads of them are done.
        LONG_HANDLE.setRelease(file, (long) FROM_SWITCH_CONSUMER_OFFSET, fromSwitchConsumer);
    }

    /**
     * Copies the next received frame into {@code dst} (truncated to its length) and releases it.
     *
     * @return the frame's wire length, or -1 when none is waiting
     */
    public int receive(byte[] dst) {
        if (poll(1) == 0) {
            return -1;
        }
        int len = frameLength(0);
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, frameOffset(0), dst, 0, Math.min(storedLength(0), dst.length));
        release(1);
        return len;
    }

    /** As {@link #receive(byte[])}, into {@code dst} at {@code offset} with room for {@code capacity} bytes. */
    public int receive(MemorySegment dst, long offset, int capacity) {
        if (poll(1) == 0) {
            return -1;
        }
        int len = frameLength(0);
        MemorySegment.copy(file, frameOffset(0), dst, offset, Math.min(storedLength(0), capacity));
        release(1);
        return len;
    }

    /** Detaches (the switch's port goes DOWN) and unmaps. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LONG_HANDLE.compareAndSet(file, (long) ShmRingDescriptor.PEER_PID_OFFSET, pid, 0L);
        ShmRingDescriptor.updateStateBit(file, STATE_PEER_ATTACHED, false);
        arena.close();
    }

    @Override
    public String toString() {
        return "ShmEndpoint[" + name + "]";
    }
}

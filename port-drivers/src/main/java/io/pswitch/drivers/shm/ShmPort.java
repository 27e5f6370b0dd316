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

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The switch side of a shared-memory port: creates {@code /dev/shm/pswitch-<name>} (layout in
 * {@link ShmRingDescriptor}) and moves frames between its two rings and the port's pool rings.
 *
 * <p>The switch consumes the to-switch ring and produces into the from-switch ring; a
 * {@link ShmEndpoint} in another process does the opposite. Receive is the only copy (shm slot →
 * pool buffer); transmit copies pool buffer → shm slot. Each side keeps its own index privately and
 * a cached copy of the other's, re-reading the shared one only when the ring looks empty (receive)
 * or full (transmit), and publishes its own once per sync call: no shared-line traffic and no
 * system call per frame.
 *
 * <p>A file left by a switch that died is re-initialised: if its creator process is gone (pid and
 * start time checked) the old file is marked switch-detached, so a peer still mapping it can tell,
 * and unlinked; a new file (a new inode, so the old peer's mapping can never scribble on it) takes
 * its place. A file whose creator is still running is refused.
 *
 * <p>While no peer is attached the port is {@link PortState#DOWN} and {@code txSync} discards what
 * is handed to it, like a NIC without link; frames left in the from-switch ring by a departed peer
 * are discarded by the next peer on attach. A peer killed without closing (kill -9) leaves its
 * attached flag set: the port stays UP and back-pressures until a new peer attaches, which takes
 * the role over because the recorded peer pid is no longer alive.
 */
public final class ShmPort extends AbstractPort {
    private final String shmName;
    private final MemorySegment poolSegment;
    private final int bufferSize;
    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int slotCount;
    private final int slotMask;
    private final int slotSize;
    private final int slotStride;
    private final long toSwitchBase;
    private final long fromSwitchBase;
    private final long wallBaseNs;
    private final long monoBaseNs;

    /** Next to-switch index to consume: ours alone, published after the copies out of those slots. */
    private long toSwitchConsumer;
    /** Last to-switch producer index read from the peer's line. */
    private long toSwitchProducerCache;
    /** Next from-switch index to produce: ours alone, published after the copies into those slots. */
    private long fromSwitchProducer;
    /** Last from-switch consumer index read from the peer's line. */
    private long fromSwitchConsumerCache;
    private long lastTimestampNs;

    private ShmPort(PortSpec spec, String shmName, PortContext context, Path path, Arena arena, MemorySegment file,
            int slotCount, int slotSize) {
        super(spec, context);
        this.shmName = shmName;
        this.poolSegment = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.slotCount = slotCount;
        this.slotMask = slotCount - 1;
        this.slotSize = slotSize;
        this.slotStride = ShmRingDescriptor.slotStride(slotSize);
        this.toSwitchBase = ShmRingDescriptor.toSwitchSlotsOffset();
        this.fromSwitchBase = ShmRingDescriptor.fromSwitchSlotsOffset(slotCount, slotSize);
        Instant now = Instant.now();
        this.monoBaseNs = System.nanoTime();
        this.wallBaseNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Creates the port file and the port's rings.
     *
     * @throws PortOpenException with a one-line explanation
     */
    public static ShmPort open(PortSpec spec, String shmName, int slotCount, int slotSize, PortContext context) {
        String bad = ShmFiles.validateName(shmName);
        if (bad == null) {
            bad = ShmRingDescriptor.validateGeometry(slotCount, slotSize);
        }
        if (bad != null) {
            throw new PortOpenException("cannot open shm port " + spec.name() + ": " + bad);
        }
        Path path = ShmFiles.path(shmName);
        try {
            Files.createDirectories(path.getParent());
            retireStale(path, shmName);
        } catch (IOException e) {
            throw new PortOpenException("cannot open shm port " + spec.name() + ": " + path + ": " + e.getMessage(), e);
        }
        Arena arena = Arena.ofShared();
        MemorySegment file;
        try {
            long pid = ShmFiles.currentPid();
            long startMs = ShmFiles.startMs(ProcessHandle.current());
            long session = ThreadLocalRandom.current().nextLong();
            long created = System.currentTimeMillis() * 1_000_000L;
            file = ShmFiles.createAndMap(path, ShmRingDescriptor.fileSize(slotCount, slotSize), arena,
                    f -> ShmRingDescriptor.writeHeader(f, slotCount, slotSize, pid, startMs, session, created));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw new PortOpenException("cannot create shm port file " + path + " (" + ShmRingDescriptor.fileSize(slotCount, slotSize)
                    + " bytes): " + e.getMessage(), e);
        }
        try {
            return new ShmPort(spec, shmName, context, path, arena, file, slotCount, slotSize);
        } catch (PortOpenException e) {
            // The core could not fill the rings (it gave back what it took).
            ShmRingDescriptor.updateStateBit(file, STATE_SWITCH_ATTACHED, false);
            deleteQuietly(path);
            arena.close();
            throw new PortOpenException("cannot open shm port " + spec.name() + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Refuses a file whose switch still runs; marks a dead switch's file detached and unlinks it. */
    private static void retireStale(Path path, String shmName) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        long size = Files.size(path);
        if (size >= ShmRingDescriptor.SLOTS_OFFSET) {
            try (Arena a = Arena.ofConfined();
                    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MemorySegment header = ch.map(FileChannel.MapMode.READ_WRITE, 0, ShmRingDescriptor.SLOTS_OFFSET, a);
                if (ShmRingDescriptor.magic(header) == ShmRingDescriptor.MAGIC) {
                    long pid = ShmRingDescriptor.switchPid(header);
                    if ((ShmRingDescriptor.state(header) & STATE_SWITCH_ATTACHED) != 0
                            && ShmFiles.alive(pid, ShmRingDescriptor.switchStartMs(header))) {
                        throw new PortOpenException("shm port '" + shmName + "' is in use by the switch with pid " + pid
                                + " (delete " + path + " if that process is not a pswitch)");
                    }
                    ShmRingDescriptor.updateStateBit(header, STATE_SWITCH_ATTACHED, false);
                }
            }
        }
        Files.deleteIfExists(path);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Best effort on a failure path; the next open retires the stale file anyway.
        }
    }

    /** The shm name peers attach to. */
    public String shmName() {
        return shmName;
    }

    public Path path() {
        return path;
    }

    public int slotCount() {
        return slotCount;
    }

    public int slotSize() {
        return slotSize;
    }

    /** Frames handed to txSync while no peer was attached, and so discarded. */
    public long txDiscarded() {
        return portCounters().txDiscarded();
    }

    private long nowNs() {
        long t = wallBaseNs + (System.nanoTime() - monoBaseNs);
        if (t < lastTimestampNs) {
            t = lastTimestampNs;
        }
        lastTimestampNs = t;
        return t;
    }

    @Override
    public int rxSync() {
        if (closed()) {
            return 0;
        }
        int max = Math.min(batch, rx.rxSpace());
        if (max == 0) {
            return 0;
        }
        long available = toSwitchProducerCache - toSwitchConsumer;
        if (available < max) {
            // Only now touch the peer's line; acquire makes the slot bytes it covers visible.
            toSwitchProducerCache = (long) LONG_HANDLE.getAcquire(file, (long) TO_SWITCH_PRODUCER_OFFSET);
            available = toSwitchProducerCache - toSwitchConsumer;
            if (available <= 0) {
                return 0;
            }
        }
        int n = (int) Math.min(max, available);
        long ts = nowNs(); // one stamp per batch: the frames arrived together
        long consumer = toSwitchConsumer;
        int t = rx.tail;
        // Buffers the log's retention handed back are cold: take their misses together, not one per copy.
        pool.warm(rx.bufIdx, t, n, rx.numSlots() - 1);
        for (int i = 0; i < n; i++) {
            long slot = toSwitchBase + (long) ((int) consumer & slotMask) * slotStride;
            int len = file.get(INT, slot + SLOT_LENGTH_OFFSET);
            // Never trust the peer's length beyond the slot or the buffer: a bad length costs the frame, not memory safety.
            int copy = len < 0 ? 0 : Math.min(len, Math.min(slotSize, bufferSize));
            MemorySegment.copy(file, slot + SLOT_HEADER, poolSegment, pool.offset(rx.bufIdx[t]), copy);
            rx.len[t] = len < 0 ? 0 : len;
            rx.flags[t] = 0;
            rx.timestampNs[t] = ts;
            consumer++;
            t = rx.next(t);
        }
        toSwitchConsumer = consumer;
        // Release: the peer may reuse these slots only after our copies out of them are done.
        LONG_HANDLE.setRelease(file, (long) TO_SWITCH_CONSUMER_OFFSET, consumer);
        rx.tail = t;
        return n;
    }

    @Override
    public int txSync() {
        if (closed()) {
            return 0;
        }
        int pending = tx.txPending();
        if (pending == 0) {
            tx.txReclaim();
            return 0;
        }
        if ((ShmRingDescriptor.state(file) & STATE_PEER_ATTACHED) == 0) {
            // No peer: like a NIC without link, the frames leave into nothing.
            tx.hwcur = tx.head;
            countTxDiscarded(pending);
            tx.txReclaim();
            return 0;
        }
        long free = slotCount - (fromSwitchProducer - fromSwitchConsumerCache);
        if (free < pending) {
            fromSwitchConsumerCache = (long) LONG_HANDLE.getAcquire(file, (long) FROM_SWITCH_CONSUMER_OFFSET);
            free = slotCount - (fromSwitchProducer - fromSwitchConsumerCache);
        }
        int n = (int) Math.min(pending, free);
        if (n > 0) {
            long producer = fromSwitchProducer;
            int s = tx.hwcur;
            for (int i = 0; i < n; i++) {
                long slot = fromSwitchBase + (long) ((int) producer & slotMask) * slotStride;
                int len = tx.len[s];
                int copy = Math.min(len, Math.min(slotSize, bufferSize));
                MemorySegment.copy(poolSegment, pool.offset(tx.bufIdx[s]), file, slot + SLOT_HEADER, copy);
                file.set(INT, slot + SLOT_LENGTH_OFFSET, len);
                file.set(LONG, slot + SLOT_TIMESTAMP_OFFSET, tx.timestampNs[s]);
                producer++;
                s = tx.next(s);
            }
            fromSwitchProducer = producer;
            // Release: the slot bytes written above become visible no later than the index that covers them.
            LONG_HANDLE.setRelease(file, (long) FROM_SWITCH_PRODUCER_OFFSET, producer);
            tx.hwcur = s;
        }
        // Frames that did not fit stay pending: a full peer shows as a full TX ring.
        tx.txReclaim();
        return n;
    }

    /** The peer's attach flag in the shared file is the link: UP while a peer is attached. */
    @Override
    public PortState state() {
        if (closed()) {
            return PortState.CLOSED;
        }
        return (ShmRingDescriptor.state(file) & STATE_PEER_ATTACHED) != 0 ? PortState.UP : PortState.DOWN;
    }

    @Override
    protected void closeResources() {
        // Tell a still-mapped peer the switch is gone before the name disappears.
        ShmRingDescriptor.updateStateBit(file, STATE_SWITCH_ATTACHED, false);
        deleteQuietly(path);
        arena.close();
    }

    @Override
    public String toString() {
        return "ShmPort[" + spec + " " + path + "]";
    }

}

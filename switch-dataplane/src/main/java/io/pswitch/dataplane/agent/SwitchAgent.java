package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.batch.BatchObserver;
import io.pswitch.dataplane.batch.CycleStage;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.fdb.ForwardingTable;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.jctools.queues.MpscArrayQueue;

/**
 * The forwarding core: one agent owns a set of ports, one buffer pool and one forwarding table, and
 * runs every frame to completion on its thread.
 *
 * <p>Duty cycle: apply queued {@link SwitchCommand}s → {@code rxSync} the readable ports → take one
 * {@link Batch} from their RX rings → <b>pass 1</b> ({@link ClassifyPass}: parse, drop with cause, learn the source, look up
 * the destination) → the {@link LoggingStage} (filters, append, commit in {@code sync} mode) → <b>pass 2</b> ({@link ForwardPass}: move buffers to TX rings) → release the RX
 * slots → {@code txSync} the ports that got frames or still have frames pending → publish counters
 * (per batch) → sweep a few forwarding-table slots for aged entries.
 *
 * <p>Ownership: every slot of every ring always holds one buffer. A unicast frame moves by swapping
 * its RX slot's {@code bufIdx} with a free TX slot's (zero copy); a flooded frame is copied into the
 * TX slots' own buffers of all destinations but the last, which gets the RX buffer by swap. So pass 2
 * never allocates, and between duty cycles no buffer is in flight. A logged frame moves the same way;
 * its buffer belongs to the log, and the {@link LoggingStage} swaps it out of whichever slot it ends
 * in (see there).
 *
 * <p>Port states: a port that is DOWN (by its driver or by command) is neither read nor written;
 * INPUT_ENDED ports (a finished capture) are no longer read but still transmitted to. Its learned
 * stations are kept when a port goes down (a link may flap back): frames for them are dropped as
 * {@link DropCause#PORT_DOWN} until they age out or are flushed.
 *
 * <p>Threads: everything except {@link #offer}, {@link #counters}, {@link #fdb()} counters,
 * {@link #portAdminUp} and the accessors of fixed configuration runs on the agent's thread.
 */
public final class SwitchAgent implements Agent {
    private static final VarHandle BOOLEANS = MethodHandles.arrayElementVarHandle(boolean[].class);
    private static final int CAUSES = DropCause.VALUES.length;
    private static final int COMMANDS_PER_CYCLE = 16;

    private final SwitchConfig config;
    private final BufferPool pool;
    private final EpochNanoClock clock;
    private final ForwardingTable fdb;
    private final MpscArrayQueue<SwitchCommand> commands;
    private final Batch batch;

    private final int portCount;
    private final Port[] ports;
    private final Ring[] rx;
    private final Ring[] tx;
    private final PortCounters[] counters;
    /** Written by the agent thread (opaque), read by any thread. */
    private final boolean[] adminUp;
    /** Read this cycle: admin up and the driver says UP. */
    private final boolean[] readable;
    /** Transmitted to this cycle: admin up and the driver says UP or INPUT_ENDED. */
    private final boolean[] writable;
    private final int[] writablePorts;
    private int writableCount;

    // Per-batch scratch, indexed by port: counters are added to PortCounters once per batch.
    private final int[] taken;
    private final long[] rxFrames;
    private final long[] rxBytes;
    private final long[] txFrames;
    private final long[] txBytes;
    private final long[] drops;
    private final ClassifyPass classifyPass;
    private final ForwardPass forwardPass;

    /** Null when the switch logs nothing. */
    private final LoggingStage logging;
    /** The logging stage as the cycle calls it, or {@link CycleStage#NONE}. */
    private final CycleStage stage;
    /** Null unless a benchmark or diagnostic installed one; see {@link #batchObserver}. */
    private BatchObserver observer = BatchObserver.NONE;

    private int firstPort;

    /** A switch that forwards and logs nothing. */
    public SwitchAgent(SwitchConfig config, BufferPool pool, List<Port> ports, EpochNanoClock clock) {
        this(config, pool, ports, clock, null, null, null);
    }

    /**
     * A switch that logs the frames matching the filters into {@code log} (opened on the same
     * pool, before the ports took their ring buffers from it).
     */
    public SwitchAgent(SwitchConfig config, BufferPool pool, List<Port> ports, EpochNanoClock clock,
                       PacketLog log, Durability durability, FilterSet filters) {
        this(config, pool, ports, clock, log, durability, filters, CountersFile.inMemory(), 0);
    }

    /**
     * A switch whose log and filter counters go into {@code countersFile} (the file the ports'
     * counters are in, through their {@code PortContext}), as worker {@code worker}.
     */
    public SwitchAgent(SwitchConfig config, BufferPool pool, List<Port> ports, EpochNanoClock clock,
                       PacketLog log, Durability durability, FilterSet filters, CountersFile countersFile, int worker) {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a switch needs at least one port");
        }
        Set<String> names = new HashSet<>();
        for (Port p : ports) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("port name '" + p.name() + "' is used twice");
            }
        }
        this.config = config;
        this.pool = pool;
        this.clock = clock;
        this.fdb = new ForwardingTable(config.fdbCapacity(), config.fdbAgeingNs(), countersFile, worker);
        this.commands = new MpscArrayQueue<>(config.commandQueueCapacity());
        this.batch = new Batch(config.batchSize());
        this.portCount = ports.size();
        this.ports = ports.toArray(new Port[0]);
        this.rx = new Ring[portCount];
        this.tx = new Ring[portCount];
        this.counters = new PortCounters[portCount];
        for (int i = 0; i < portCount; i++) {
            rx[i] = this.ports[i].rxRing();
            tx[i] = this.ports[i].txRing();
            counters[i] = this.ports[i].portCounters();
        }
        this.adminUp = new boolean[portCount];
        Arrays.fill(adminUp, true);
        this.readable = new boolean[portCount];
        this.writable = new boolean[portCount];
        this.writablePorts = new int[portCount];
        this.taken = new int[portCount];
        this.rxFrames = new long[portCount];
        this.rxBytes = new long[portCount];
        this.txFrames = new long[portCount];
        this.txBytes = new long[portCount];
        this.drops = new long[portCount * CAUSES];
        this.classifyPass = new ClassifyPass(pool, fdb, rx, writable, rxBytes, drops);
        this.forwardPass = new ForwardPass(pool, rx, tx, txFrames, txBytes, drops);
        if (log != null) {
            if (log.pool() != pool) {
                throw new IllegalArgumentException("the log must be on the switch's buffer pool");
            }
            this.logging = new LoggingStage(log, durability, filters == null ? FilterSet.EMPTY : filters, rx, tx,
                    config.batchSize(), countersFile, worker);
            this.stage = new LoggingCycle(logging);
        } else {
            this.logging = null;
            this.stage = CycleStage.NONE;
        }
    }

    @Override
    public String roleName() {
        return "pswitch-dataplane";
    }

    @Override
    public int doWork() {
        int work = applyCommands();
        long now = clock.nanoTime();
        BatchObserver obs = observer;
        stage.beginCycle(now);
        obs.beginCycle(now);
        refreshPortStates();
        for (int p = 0; p < portCount; p++) {
            if (readable[p]) {
                work += ports[p].rxSync();
            }
        }
        int frames = takeBatch();
        if (frames > 0) {
            classifyPass.classify(batch, now);
            stage.onBatch(batch, now);
            obs.onBatch(batch, rx, now);
            forwardPass.forward(batch, writablePorts, writableCount);
            stage.afterForward(batch);
            releaseRxSlots();
            work += frames;
        }
        work += transmit();
        publishCounters();
        work += fdb.expire(now, config.fdbSweepSlots());
        return work;
    }

    private void refreshPortStates() {
        int w = 0;
        for (int p = 0; p < portCount; p++) {
            PortState state = ports[p].state();
            counters[p].state(state);
            boolean up = adminUp[p];
            readable[p] = up && state == PortState.UP;
            writable[p] = up && (state == PortState.UP || state == PortState.INPUT_ENDED);
            if (writable[p]) {
                writablePorts[w++] = p;
            }
        }
        writableCount = w;
    }

    /** Takes up to one batch of received frames, starting at a rotating port so no port starves. */
    private int takeBatch() {
        Batch b = batch;
        b.clear();
        int count = 0;
        int limit = b.capacity();
        int start = firstPort;
        firstPort = start + 1 == portCount ? 0 : start + 1;
        for (int k = 0; k < portCount; k++) {
            int p = start + k < portCount ? start + k : start + k - portCount;
            taken[p] = 0;
            // Not readable[p]: a port whose input just ended (or whose link went) still has the frames
            // its last rxSync put in the ring; they were received and must be forwarded. Only an
            // administratively down port is skipped.
            if (!adminUp[p] || count == limit) {
                continue;
            }
            Ring ring = rx[p];
            int n = Math.min(ring.userSlots(), limit - count);
            int s = ring.head;
            for (int i = 0; i < n; i++) {
                b.add(p, s);
                count++;
                s = ring.next(s);
            }
            taken[p] = n;
            rxFrames[p] += n;
        }
        return count;
    }

    /** Hands the batch's RX slots back to the drivers: each now holds a buffer free to receive into. */
    private void releaseRxSlots() {
        for (int p = 0; p < portCount; p++) {
            int n = taken[p];
            if (n > 0) {
                Ring ring = rx[p];
                int head = (ring.head + n) & (ring.numSlots() - 1);
                ring.head = head;
                ring.cur = head;
            }
        }
    }

    /** txSync the ports that got frames, and those still holding frames a full peer did not take. */
    private int transmit() {
        int sent = 0;
        for (int k = 0; k < writableCount; k++) {
            int p = writablePorts[k];
            if (forwardPass.touched(p) || tx[p].txPending() > 0) {
                forwardPass.clearTouched(p);
                sent += ports[p].txSync();
                stage.afterTxSync(p);
            }
        }
        return sent;
    }

    private void publishCounters() {
        for (int p = 0; p < portCount; p++) {
            PortCounters c = counters[p];
            // The driver's count is its own plain field, read here on the thread that owns the port;
            // the counter (stored only when it moved) is what every other thread and process reads.
            c.driverRxDrops(ports[p].driverRxDrops());
            if (rxFrames[p] != 0) {
                c.addRx(rxFrames[p], rxBytes[p]);
                rxFrames[p] = 0;
                rxBytes[p] = 0;
            }
            if (txFrames[p] != 0) {
                c.addTx(txFrames[p], txBytes[p]);
                txFrames[p] = 0;
                txBytes[p] = 0;
            }
            int base = p * CAUSES;
            for (int cause = 0; cause < CAUSES; cause++) {
                long v = drops[base + cause];
                if (v != 0) {
                    c.addDrop(DropCause.VALUES[cause], v);
                    drops[base + cause] = 0;
                }
            }
        }
    }

    private int applyCommands() {
        int applied = 0;
        SwitchCommand command;
        while (applied < COMMANDS_PER_CYCLE && (command = commands.relaxedPoll()) != null) {
            apply(command);
            applied++;
        }
        return applied;
    }

    private void apply(SwitchCommand command) {
        switch (command) {
            case SwitchCommand.SetPortUp c -> {
                BOOLEANS.setOpaque(adminUp, c.port(), c.up());
                c.done().complete(null);
            }
            case SwitchCommand.FlushFdb c ->
                c.removed().complete(c.port() == SwitchCommand.ALL_PORTS ? fdb.flush() : fdb.flushPort(c.port()));
            case SwitchCommand.SnapshotFdb c -> c.result().complete(fdb.snapshot(clock.nanoTime()));
        }
    }

    /**
     * Queues a command for the agent thread. Any thread.
     *
     * @return false when the queue is full (try again later)
     * @throws IllegalArgumentException when the command names a port this switch does not have
     */
    public boolean offer(SwitchCommand command) {
        int port = switch (command) {
            case SwitchCommand.SetPortUp c -> c.port();
            case SwitchCommand.FlushFdb c -> c.port() == SwitchCommand.ALL_PORTS ? 0 : c.port();
            case SwitchCommand.SnapshotFdb c -> 0;
        };
        if (port < 0 || port >= portCount) {
            throw new IllegalArgumentException("no port with index " + port + " (the switch has " + portCount + " ports)");
        }
        return commands.offer(command);
    }

    /**
     * Whether the agent has nothing to do until a frame arrives: no TX ring holds frames a port did
     * not send yet and no command is queued. An idle strategy may then sleep (see
     * {@code PortWaitIdleStrategy}). Agent thread, between duty cycles.
     */
    public boolean quiescent() {
        if (!commands.isEmpty()) {
            return false;
        }
        for (int k = 0; k < writableCount; k++) {
            if (tx[writablePorts[k]].txPending() > 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the last duty cycle read port {@code p} (admin up, driver UP). Agent thread. */
    public boolean reads(int p) {
        return readable[p];
    }

    /** Fails the commands still queued and commits the log; the ports stay open (their owner closes them). */
    @Override
    public void onClose() {
        stage.commit();
        IllegalStateException closed = new IllegalStateException("switch agent closed before applying the command");
        SwitchCommand command;
        while ((command = commands.poll()) != null) {
            switch (command) {
                case SwitchCommand.SetPortUp c -> c.done().completeExceptionally(closed);
                case SwitchCommand.FlushFdb c -> c.removed().completeExceptionally(closed);
                case SwitchCommand.SnapshotFdb c -> c.result().completeExceptionally(closed);
            }
        }
    }

    public SwitchConfig config() {
        return config;
    }

    public BufferPool pool() {
        return pool;
    }

    public int portCount() {
        return portCount;
    }

    public Port port(int index) {
        return ports[index];
    }

    /** The port's counters; any thread may read them. */
    public PortCounters counters(int index) {
        return counters[index];
    }

    /** Whether the port is administratively up (as last set by a command). Any thread. */
    public boolean portAdminUp(int index) {
        return (boolean) BOOLEANS.getOpaque(adminUp, index);
    }

    /** Index of the port with this name, or -1. */
    public int portIndex(String name) {
        for (int i = 0; i < portCount; i++) {
            if (ports[i].name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Installs a {@link BatchObserver} (a benchmark or diagnostic hook), or removes it with null.
     * Only before the agent runs, or from its own thread: the field is read every duty cycle without
     * synchronization (starting the agent's thread publishes it).
     */
    public void batchObserver(BatchObserver o) {
        this.observer = o == null ? BatchObserver.NONE : o;
    }

    /** The logging stage, or null when this switch logs nothing. */
    public LoggingStage logging() {
        return logging;
    }

    /** The forwarding table: other threads may read only its counters. */
    public ForwardingTable fdb() {
        return fdb;
    }

    /** The ports' rings, for {@code BufferLedger} (a test fixture) checks (agent thread, or after it stopped). */
    public List<Ring> rings() {
        Ring[] all = new Ring[2 * portCount];
        for (int i = 0; i < portCount; i++) {
            all[2 * i] = rx[i];
            all[2 * i + 1] = tx[i];
        }
        return List.of(all);
    }
}

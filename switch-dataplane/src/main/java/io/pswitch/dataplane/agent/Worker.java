package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.batch.Batch;
import io.pswitch.dataplane.batch.BatchObserver;
import io.pswitch.dataplane.batch.CycleStage;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.fdb.FdbEntry;
import io.pswitch.dataplane.fdb.ForwardingTable;
import io.pswitch.dataplane.handoff.Doorbell;
import io.pswitch.dataplane.handoff.HandoffQueue;
import io.pswitch.dataplane.handoff.WorkerLinks;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.jctools.queues.MpscArrayQueue;

/**
 * One dataplane worker: an agent that owns some of the switch's ports (reads and writes their rings,
 * calls their syncs) and its own replica of the forwarding table, and runs every frame it receives to
 * completion on its thread. {@link SwitchAgent} explains the duty cycle and how workers share ports.
 *
 * <p>Duty cycle: apply queued {@link SwitchCommand}s → take the buffers other workers gave back and
 * the stations they learned → {@code rxSync} its readable ports → take one {@link Batch} → pass 1
 * ({@link ClassifyPass}) → the cycle stage (logging) → pass 2 ({@link ForwardPass}: own TX rings, or
 * the queues to other workers) → release the RX slots → deliver the frames other workers queued for
 * its ports → publish the queues → {@code txSync} → publish counters → sweep the table.
 *
 * <p>Port state: it reads the state of its own ports from their drivers and publishes it in their
 * counters; of other workers' ports it reads those published counters and the shared admin flags,
 * so a frame for a port that is down is dropped where it was received.
 */
public final class Worker implements Agent {
    private static final VarHandle BOOLEANS = MethodHandles.arrayElementVarHandle(boolean[].class);
    private static final int CAUSES = DropCause.VALUES.length;
    private static final int COMMANDS_PER_CYCLE = 16;

    private final int id;
    private final SwitchConfig config;
    private final EpochNanoClock clock;
    private final ForwardingTable fdb;
    private final MpscArrayQueue<SwitchCommand> commands;
    private final Batch batch;
    private final WorkerLinks links;
    private final WorkerLoad load;

    private final int portCount;
    private final Port[] ports;
    private final Ring[] rx;
    private final Ring[] tx;
    private final PortCounters[] counters;
    /** Port index to owning worker. */
    private final int[] owner;
    /** Per port: 0 for this worker's own ports, else this worker's block of the port's drop counters. */
    private final int[] dropBlock;
    /** Shared by all workers: written (opaque) by the port's owner, read by any thread. */
    private final boolean[] adminUp;
    private final boolean[] readable;
    private final boolean[] writable;
    /** This worker's writable ports. */
    private final int[] writablePorts;
    private int writableCount;
    private final int[] ownPorts;

    private final int[] taken;
    private final long[] rxFrames;
    private final long[] rxBytes;
    private final long[] txFrames;
    private final long[] txBytes;
    private final long[] drops;
    private final ClassifyPass classifyPass;
    private final ForwardPass forwardPass;
    private final CycleStage stage;
    private BatchObserver observer = BatchObserver.NONE;
    private int firstPort;

    Worker(int id, SwitchConfig config, BufferPool pool, Port[] ports, int[] owner, boolean[] adminUp, EpochNanoClock clock,
           CountersFile countersFile, WorkerLinks links, CycleStage stage) {
        this.id = id;
        this.config = config;
        this.clock = clock;
        this.links = links;
        this.stage = stage;
        this.fdb = new ForwardingTable(config.fdbCapacity(), config.fdbAgeingNs(), countersFile, id);
        this.commands = new MpscArrayQueue<>(config.commandQueueCapacity());
        this.batch = new Batch(config.batchSize());
        this.load = new WorkerLoad(countersFile, id);
        this.portCount = ports.length;
        this.ports = ports;
        this.owner = owner;
        this.adminUp = adminUp;
        this.rx = new Ring[portCount];
        this.tx = new Ring[portCount];
        this.counters = new PortCounters[portCount];
        this.dropBlock = new int[portCount];
        int own = 0;
        for (int p = 0; p < portCount; p++) {
            rx[p] = ports[p].rxRing();
            tx[p] = ports[p].txRing();
            counters[p] = ports[p].portCounters();
            if (owner[p] == id) {
                own++;
            } else {
                dropBlock[p] = counters[p].dropBlock(id);
            }
        }
        this.ownPorts = new int[own];
        boolean[] isOwn = new boolean[portCount];
        for (int p = 0, k = 0; p < portCount; p++) {
            if (owner[p] == id) {
                ownPorts[k++] = p;
                isOwn[p] = true;
            }
        }
        if (links.workers() > 1) {
            fdb.countOnly(isOwn);
        }
        this.readable = new boolean[portCount];
        this.writable = new boolean[portCount];
        this.writablePorts = new int[portCount];
        this.taken = new int[portCount];
        this.rxFrames = new long[portCount];
        this.rxBytes = new long[portCount];
        this.txFrames = new long[portCount];
        this.txBytes = new long[portCount];
        this.drops = new long[portCount * CAUSES];
        this.classifyPass = new ClassifyPass(pool, fdb, rx, writable, rxBytes, drops, links);
        this.forwardPass = new ForwardPass(pool, new ForwardPass.Rings(rx, tx), txFrames, txBytes, drops, owner, links);
    }

    @Override
    public String roleName() {
        return "pswitch-dataplane-" + id;
    }

    @Override
    public int doWork() {
        long start = clock.nanoTime();
        int work = applyCommands();
        BatchObserver obs = observer;
        stage.beginCycle(start);
        obs.beginCycle(start);
        refreshPortStates();
        work += links.takeReturns();
        work += takeLearned(start);
        for (int p : ownPorts) {
            if (readable[p]) {
                work += ports[p].rxSync();
            }
        }
        int frames = takeBatch();
        forwardPass.begin(writablePorts, writableCount, writable);
        if (frames > 0) {
            classifyPass.classify(batch, start);
            stage.onBatch(batch, start);
            obs.onBatch(batch, rx, start);
            forwardPass.forward(batch);
            stage.afterForward(batch);
            releaseRxSlots();
        }
        int delivered = forwardPass.deliver();
        forwardPass.end();
        links.publish();
        work += frames + delivered;
        work += transmit();
        publishCounters();
        work += fdb.expire(start, config.fdbSweepSlots());
        if (work > 0) {
            long end = clock.nanoTime();
            load.busy(start, end, frames + delivered);
            load.publish(end);
        } else {
            load.publish(start);
        }
        return work;
    }

    private void refreshPortStates() {
        int w = 0;
        for (int p = 0; p < portCount; p++) {
            boolean up = (boolean) BOOLEANS.getOpaque(adminUp, p);
            PortState state;
            if (owner[p] == id) {
                state = ports[p].state();
                counters[p].state(state);
                readable[p] = up && state == PortState.UP;
            } else {
                // Another worker's port: as its owner last published it.
                state = counters[p].state();
                readable[p] = false;
            }
            writable[p] = up && (state == PortState.UP || state == PortState.INPUT_ENDED);
            if (writable[p] && owner[p] == id) {
                writablePorts[w++] = p;
            }
        }
        writableCount = w;
    }

    /** Stations other workers learned, before this cycle's frames (so replies find them). */
    private int takeLearned(long now) {
        int n = 0;
        for (int w = 0; w < links.workers(); w++) {
            HandoffQueue q = links.learnsFrom(w);
            if (q == null) {
                continue;
            }
            int k = q.available();
            for (int i = 0; i < k; i++) {
                long vidMac = q.word(i, 0);
                fdb.learnReplica((int) (vidMac >>> 48), vidMac & 0xFFFF_FFFF_FFFFL, (int) q.word(i, 1), now);
            }
            q.release(k);
            n += k;
        }
        return n;
    }

    /** Takes up to one batch of received frames from its own ports, starting at a rotating port. */
    private int takeBatch() {
        Batch b = batch;
        b.clear();
        int count = 0;
        int limit = b.capacity();
        int own = ownPorts.length;
        if (own == 0) {
            return 0;
        }
        int start = firstPort;
        firstPort = start + 1 == own ? 0 : start + 1;
        for (int k = 0; k < own; k++) {
            int p = ownPorts[start + k < own ? start + k : start + k - own];
            taken[p] = 0;
            // Not readable[p]: a port whose input just ended (or whose link went) still has the frames
            // its last rxSync put in the ring; they were received and must be forwarded. Only an
            // administratively down port is skipped.
            if (!(boolean) BOOLEANS.getOpaque(adminUp, p) || count == limit) {
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
        for (int p : ownPorts) {
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
            int block = dropBlock[p];
            if (owner[p] == id) {
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
            }
            int base = p * CAUSES;
            for (int cause = 0; cause < CAUSES; cause++) {
                long v = drops[base + cause];
                if (v != 0) {
                    c.addDrop(block, cause, v);
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
            case SwitchCommand.SnapshotFdb c -> c.result().complete(ownEntries(fdb.snapshot(clock.nanoTime())));
        }
    }

    /** With several workers, each reports the stations on its own ports (its replica has the rest second-hand). */
    private List<FdbEntry> ownEntries(List<FdbEntry> all) {
        if (links.workers() == 1) {
            return all;
        }
        List<FdbEntry> own = new ArrayList<>();
        for (FdbEntry e : all) {
            if (owner[e.port()] == id) {
                own.add(e);
            }
        }
        return own;
    }

    boolean offer(SwitchCommand command) {
        if (!commands.offer(command)) {
            return false;
        }
        links.doorbell().ring();
        return true;
    }

    /** Rung by whoever queues work for this worker; polled by its idle strategy when it sleeps. */
    public Doorbell doorbell() {
        return links.doorbell();
    }

    /**
     * Whether the worker has nothing to do until a frame arrives: no TX ring of its ports holds
     * frames not sent yet, no command is queued and no other worker queued anything for it (frames,
     * stations, buffers, or matches for the log).
     * Worker thread, between duty cycles.
     */
    public boolean quiescent() {
        if (!commands.isEmpty() || links.hasIncoming() || stage.hasQueuedWork()) {
            return false;
        }
        for (int k = 0; k < writableCount; k++) {
            if (tx[writablePorts[k]].txPending() > 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the last duty cycle read port {@code p} (its own, admin up, driver UP). Worker thread. */
    public boolean reads(int p) {
        return readable[p];
    }

    public int id() {
        return id;
    }

    /** Every port of the switch (this worker reads only its own: {@link #reads}). */
    public int portCount() {
        return portCount;
    }

    public Port port(int index) {
        return ports[index];
    }

    /** The ports this worker owns, by index. */
    public int[] ownPorts() {
        return ownPorts.clone();
    }

    public WorkerLoad load() {
        return load;
    }

    ForwardingTable fdb() {
        return fdb;
    }

    WorkerLinks links() {
        return links;
    }

    void batchObserver(BatchObserver o) {
        this.observer = o;
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
}

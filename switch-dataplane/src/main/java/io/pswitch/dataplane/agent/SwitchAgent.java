package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.batch.BatchObserver;
import io.pswitch.dataplane.batch.CycleStage;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.fdb.FdbEntry;
import io.pswitch.dataplane.fdb.ForwardingTable;
import io.pswitch.dataplane.handoff.WorkerLinks;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;

/**
 * The forwarding core: a set of ports, one buffer pool, and the {@link Worker}s that run every frame
 * to completion — one worker by default, {@link SwitchConfig#workers()} of them when asked.
 *
 * <p>Duty cycle of a worker: apply queued {@link SwitchCommand}s → {@code rxSync} its readable ports
 * → take one batch from their RX rings → <b>pass 1</b> ({@link ClassifyPass}: parse, drop with cause,
 * learn the source, look up the destination) → the {@link LoggingStage} (filters, append, commit in
 * {@code sync} mode) → <b>pass 2</b> ({@link ForwardPass}: move buffers to TX rings) → release the RX
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
 * <p><b>Several workers.</b> Port {@code p} belongs to worker {@code p % workers}: only that worker
 * syncs its rings, as in netmap one core owns a port. A frame received by one worker for a port of
 * another crosses by {@code bufIdx} through a single-producer single-consumer queue per (source,
 * destination) pair ({@link WorkerLinks}); a flooded frame is copied once per other worker, which
 * floods it to its ports. The pool's free list stays single-threaded: each worker takes a stack of
 * spare buffers from it at construction, puts a spare into an RX slot whose buffer it handed over,
 * and gets a free buffer back from the receiving worker for every frame it handed over. So a buffer
 * is, at every instant, in the free list, a ring slot, the log, a queue, or a worker's spares or
 * logging reserve ({@link #heldBuffers}). The forwarding table is replicated per worker (see {@link ForwardingTable}).
 * The log has one writer, worker 0 (commits, retention, the drain stay single-writer, no CAS on the
 * append path): every worker evaluates the filters on its own batches, and the others hand their
 * matches to worker 0 through a single-producer single-consumer queue each, which it appends in
 * arrival order once per duty cycle; the log clamps record times, so readers still see one
 * time-ordered log ({@link LoggingStage}). A logged buffer stays in the rings of the worker that
 * logged it (a logged frame for another worker's port crosses as a copy), pinned by an atomic state
 * shared by all workers, since retention on worker 0 may retire its record meanwhile. In {@code sync}
 * mode another worker waits before its pass 2 until worker 0 has appended its matches and they are
 * durable (worker 0 never waits for another worker); stop worker 0 last, so no worker waits for it.
 * Counters: each port's RX/TX counts have its owner as the one writer; drops of a port's frames at
 * another worker go to that worker's block of the port's drop counters, summed when read.
 *
 * <p>Port states: a port that is DOWN (by its driver or by command) is neither read nor written;
 * INPUT_ENDED ports (a finished capture) are no longer read but still transmitted to. Its learned
 * stations are kept when a port goes down (a link may flap back): frames for them are dropped as
 * {@link DropCause#PORT_DOWN} until they age out or are flushed.
 *
 * <p>Threads: {@link #doWork} runs every worker in turn on the calling thread (tests, one worker);
 * a switch with several threads runs each {@link #worker(int)} on its own {@code AgentRunner}
 * instead. {@link #offer}, {@link #counters}, {@link #portAdminUp}, the workers' loads and the
 * accessors of fixed configuration may be called from any thread.
 */
public final class SwitchAgent implements Agent {
    private static final VarHandle BOOLEANS = MethodHandles.arrayElementVarHandle(boolean[].class);

    private final SwitchConfig config;
    private final BufferPool pool;
    private final int portCount;
    private final Port[] ports;
    private final PortCounters[] counters;
    private final int[] owner;
    /** Written (opaque) by the port's owning worker, read by any thread. */
    private final boolean[] adminUp;
    private final Worker[] workers;
    private final WorkerLinks[] links;
    /** Null when the switch logs nothing. */
    private final LoggingStage logging;

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
     * A switch whose log, filter and worker counters go into {@code countersFile} (the file the
     * ports' counters are in, through their {@code PortContext}); {@code firstWorker} is the id of
     * worker 0 there (later workers follow it).
     */
    public SwitchAgent(SwitchConfig config, BufferPool pool, List<Port> ports, EpochNanoClock clock,
                       PacketLog log, Durability durability, FilterSet filters, CountersFile countersFile, int firstWorker) {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a switch needs at least one port");
        }
        Set<String> names = new HashSet<>();
        for (Port p : ports) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("port name '" + p.name() + "' is used twice");
            }
        }
        int n = config.workers();
        this.config = config;
        this.pool = pool;
        this.portCount = ports.size();
        this.ports = ports.toArray(new Port[0]);
        this.counters = new PortCounters[portCount];
        this.owner = new int[portCount];
        Ring[] rx = new Ring[portCount];
        Ring[] tx = new Ring[portCount];
        for (int i = 0; i < portCount; i++) {
            counters[i] = this.ports[i].portCounters();
            owner[i] = ownerOf(i, n);
            rx[i] = this.ports[i].rxRing();
            tx[i] = this.ports[i].txRing();
        }
        this.adminUp = new boolean[portCount];
        Arrays.fill(adminUp, true);
        if (log != null) {
            if (log.pool() != pool) {
                throw new IllegalArgumentException("the log must be on the switch's buffer pool");
            }
            this.logging = new LoggingStage(log, durability, filters == null ? FilterSet.EMPTY : filters, rx, tx,
                    config.batchSize(), countersFile, firstWorker, n);
        } else {
            this.logging = null;
        }
        this.links = WorkerLinks.mesh(n, config.handoffCapacity(), pool);
        this.workers = new Worker[n];
        for (int w = 0; w < n; w++) {
            CycleStage stage = logging == null ? CycleStage.NONE : w == 0 ? new LoggingCycle(logging) : logging.tap(w, links[0].doorbell());
            workers[w] = new Worker(w, config, pool, this.ports, owner, adminUp, clock, countersFile, links[w], stage);
        }
    }

    /** Which of {@code workers} workers owns port {@code port}. */
    public static int ownerOf(int port, int workers) {
        return port % workers;
    }

    @Override
    public String roleName() {
        return "pswitch-dataplane";
    }

    /** One duty cycle of every worker, in turn, on the calling thread. */
    @Override
    public int doWork() {
        int work = 0;
        for (Worker w : workers) {
            work += w.doWork();
        }
        return work;
    }

    /**
     * Queues a command for the workers that must apply it: a port's owner for port up/down, every
     * worker (each its replica) for a flush or a snapshot of the forwarding table. The command's
     * future completes when all of them have. Any thread.
     *
     * @return false when a queue is full (try again later)
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
        if (workers.length == 1) {
            return workers[0].offer(command);
        }
        return switch (command) {
            case SwitchCommand.SetPortUp c -> workers[owner[c.port()]].offer(c);
            case SwitchCommand.FlushFdb c -> fanOutFlush(c);
            case SwitchCommand.SnapshotFdb c -> fanOutSnapshot(c);
        };
    }

    /** Every replica flushes; the count is the largest (the replicas hold the same stations). */
    private boolean fanOutFlush(SwitchCommand.FlushFdb c) {
        List<CompletableFuture<Integer>> parts = new ArrayList<>();
        for (Worker w : workers) {
            SwitchCommand.FlushFdb part = new SwitchCommand.FlushFdb(c.port(), new CompletableFuture<>());
            if (!w.offer(part)) {
                return false;
            }
            parts.add(part.removed());
        }
        CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
            if (e != null) {
                c.removed().completeExceptionally(e);
            } else {
                c.removed().complete(parts.stream().mapToInt(CompletableFuture::join).max().orElse(0));
            }
        });
        return true;
    }

    /** Each worker gives the stations on its own ports; together, the table. */
    private boolean fanOutSnapshot(SwitchCommand.SnapshotFdb c) {
        List<CompletableFuture<List<FdbEntry>>> parts = new ArrayList<>();
        for (Worker w : workers) {
            SwitchCommand.SnapshotFdb part = new SwitchCommand.SnapshotFdb(new CompletableFuture<>());
            if (!w.offer(part)) {
                return false;
            }
            parts.add(part.result());
        }
        CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
            if (e != null) {
                c.result().completeExceptionally(e);
            } else {
                List<FdbEntry> all = new ArrayList<>();
                parts.forEach(f -> all.addAll(f.join()));
                all.sort(Comparator.comparingInt(FdbEntry::vlan).thenComparingLong(FdbEntry::mac));
                c.result().complete(all);
            }
        });
        return true;
    }

    /** Worker 0's {@link Worker#quiescent()} (a one-worker switch's idle check). */
    public boolean quiescent() {
        return workers[0].quiescent();
    }

    /** Whether worker 0's last duty cycle read port {@code p}. */
    public boolean reads(int p) {
        return workers[0].reads(p);
    }

    /** Fails the commands still queued and commits the log; the ports stay open (their owner closes them). */
    @Override
    public void onClose() {
        for (Worker w : workers) {
            w.onClose();
        }
    }

    /**
     * Gives the workers' spare buffers and those still queued between them back to the pool, once
     * every worker has stopped (before the ports close and give back their rings').
     */
    public void releaseWorkerBuffers() {
        if (logging != null) {
            // What other workers queued for the log, before the spares go: appended, then committed.
            logging.finishWorkers();
        }
        if (workers.length == 1) {
            return;
        }
        for (WorkerLinks l : links) {
            for (int b : l.heldBuffers()) {
                pool.free(b);
            }
        }
    }

    /**
     * The buffers the workers hold outside rings (spares, queued frames and returns; the logging
     * stages' reserves, log spares and returns), for the ownership ledger. Workers stopped.
     */
    public int[] heldBuffers() {
        int[][] each = new int[links.length + 1][];
        each[links.length] = logging == null ? new int[0] : logging.reservedBuffers();
        int total = each[links.length].length;
        for (int w = 0; w < links.length; w++) {
            each[w] = links[w].heldBuffers();
            total += each[w].length;
        }
        int[] out = new int[total];
        int at = 0;
        for (int[] e : each) {
            System.arraycopy(e, 0, out, at, e.length);
            at += e.length;
        }
        return out;
    }

    /**
     * Frames queued from one worker to another and matches queued for the log's writer, not yet
     * taken: 0 when nothing is in flight between workers. Any thread (a reading, for idle checks).
     */
    public long queuedBetweenWorkers() {
        long n = logging == null ? 0 : logging.queuedRequests();
        for (WorkerLinks l : links) {
            n += l.queuedFrames();
        }
        return n;
    }

    public int workerCount() {
        return workers.length;
    }

    /** Worker {@code w}'s load (read-only counters). Any thread. */
    public WorkerLoad workerLoad(int w) {
        return workers[w].load();
    }

    /** The ports worker {@code w} owns, by index. Any thread. */
    public int[] workerPorts(int w) {
        return workers[w].ownPorts();
    }

    /** Worker {@code w}, to run on its own {@code AgentRunner}. */
    public Worker worker(int w) {
        return workers[w];
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

    /** The worker that owns port {@code index}. */
    public int portOwner(int index) {
        return owner[index];
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
     * Installs a {@link BatchObserver} (a benchmark or diagnostic hook) on every worker, or removes it
     * with null. Only before the workers run. With several worker threads it is called from each of
     * them: it must then be safe for that.
     */
    public void batchObserver(BatchObserver o) {
        for (Worker w : workers) {
            w.batchObserver(o == null ? BatchObserver.NONE : o);
        }
    }

    /**
     * Installs a {@link BatchObserver} on worker {@code w} only (null removes it): one per worker, for
     * an observer that keeps per-thread state (a benchmark's filter evaluation). Only before the workers run.
     */
    public void batchObserver(int w, BatchObserver o) {
        workers[w].batchObserver(o == null ? BatchObserver.NONE : o);
    }

    /** The logging stage (worker 0's), or null when this switch logs nothing. */
    public LoggingStage logging() {
        return logging;
    }

    /** Worker 0's forwarding table: other threads may read only its counters (worker 0's share). */
    public ForwardingTable fdb() {
        return workers[0].fdb();
    }

    /** Every worker's forwarding table (its replica), worker 0's first: other threads may read only their counters. */
    public List<ForwardingTable> fdbReplicas() {
        List<ForwardingTable> out = new ArrayList<>();
        for (Worker w : workers) {
            out.add(w.fdb());
        }
        return out;
    }

    /** The ports' rings, for {@code BufferLedger} (a test fixture) checks (workers stopped). */
    public List<Ring> rings() {
        Ring[] all = new Ring[2 * portCount];
        for (int i = 0; i < portCount; i++) {
            all[2 * i] = ports[i].rxRing();
            all[2 * i + 1] = ports[i].txRing();
        }
        return List.of(all);
    }
}

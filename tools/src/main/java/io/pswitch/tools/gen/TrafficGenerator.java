package io.pswitch.tools.gen;

import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.tools.wire.Wire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pkt-gen style engine over shm endpoints: sends Ethernet/IPv4/UDP frames carrying a sequence
 * number and a send timestamp from the TX ports, and counts the ones arriving on the RX ports.
 *
 * <p>Driven by {@link #doWork(long)} (an agent-style duty cycle returning a work count), so a
 * command, a benchmark or a demo can run it in its own loop. Per frame it copies a prebuilt
 * template and patches two fields: no allocation. Pacing spreads {@code rate} over time by
 * computing how many frames are due at each call, never by sleeping per frame.
 *
 * <p>Phases: learn (optional: each RX port sends one broadcast frame per destination MAC so a
 * learning switch forwards unicast instead of flooding) → send → drain (wait for stragglers) → done.
 */
public final class TrafficGenerator implements AutoCloseable {
    private static final long LEARN_SETTLE_NS = 50_000_000L;
    private static final long DRAIN_QUIET_NS = 200_000_000L;
    private static final long DRAIN_MAX_NS = 2_000_000_000L;
    private static final int LEARN_ETHERTYPE = 0x88B5;

    private enum Phase { LEARN, SETTLE, SEND, DRAIN, DONE }

    private final GenConfig config;
    private final ShmEndpoint[] tx;
    private final ShmEndpoint[] rx;
    /** Every distinct endpoint: all are drained so that no from-switch ring fills and stalls the switch. */
    private final ShmEndpoint[] all;
    private final boolean[] counts;
    private final List<ShmEndpoint> owned;
    private final Arena arena;
    private final FlowTemplates templates;
    private final int size;
    private final int payloadOffset;
    private final int batch;
    private final long wallBaseNs;
    private final long monoBaseNs;
    private final long[] lastSeq;

    private Phase phase = Phase.LEARN;
    private long phaseStartNs;
    private long sendStartNs;
    private long sendEndNs;
    private long lastArrivalNs;
    private int flowCursor;
    private int portCursor;
    private long sent;
    private long sentBytes;
    private long backPressured;
    private long received;
    private long receivedBytes;
    private long outOfOrder;
    private long latencySumNs;
    private long latencyMaxNs;
    private volatile boolean stopRequested;

    /**
     * A generator over endpoints the caller attached (and closes). An endpoint may appear in both lists.
     */
    public TrafficGenerator(GenConfig config, List<ShmEndpoint> txEndpoints, List<ShmEndpoint> rxEndpoints) {
        this(config, txEndpoints, rxEndpoints, List.of());
    }

    private TrafficGenerator(GenConfig config, List<ShmEndpoint> txEndpoints, List<ShmEndpoint> rxEndpoints,
            List<ShmEndpoint> owned) {
        if (txEndpoints.size() != config.txPorts().size() || rxEndpoints.size() != config.rxPorts().size()) {
            throw new IllegalArgumentException("one endpoint per configured port is needed");
        }
        this.config = config;
        this.tx = txEndpoints.toArray(new ShmEndpoint[0]);
        this.rx = rxEndpoints.toArray(new ShmEndpoint[0]);
        List<ShmEndpoint> distinct = new ArrayList<>();
        for (ShmEndpoint e : txEndpoints) {
            if (!distinct.contains(e)) {
                distinct.add(e);
            }
        }
        for (ShmEndpoint e : rxEndpoints) {
            if (!distinct.contains(e)) {
                distinct.add(e);
            }
        }
        this.all = distinct.toArray(new ShmEndpoint[0]);
        this.counts = new boolean[all.length];
        for (int i = 0; i < all.length; i++) {
            counts[i] = rxEndpoints.contains(all[i]);
        }
        this.lastSeq = new long[all.length];
        java.util.Arrays.fill(lastSeq, -1);
        for (ShmEndpoint e : txEndpoints) {
            if (config.size() > e.slotSize()) {
                throw new IllegalArgumentException("--size " + config.size() + " exceeds the slot size " + e.slotSize()
                        + " of shm port '" + e.name() + "'");
            }
        }
        this.owned = owned;
        this.arena = Arena.ofConfined();
        this.templates = new FlowTemplates(config, arena);
        this.size = config.size();
        this.payloadOffset = config.payloadOffset();
        this.batch = config.batch();
        Instant now = Instant.now();
        this.monoBaseNs = System.nanoTime();
        this.wallBaseNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Attaches to the named shm ports of a running switch (each name once) and builds a generator
     * that closes them when it is closed.
     *
     * @throws io.pswitch.drivers.shm.ShmAttachException when a port cannot be attached
     */
    public static TrafficGenerator attach(GenConfig config) {
        Map<String, ShmEndpoint> byName = new LinkedHashMap<>();
        try {
            List<ShmEndpoint> txs = new ArrayList<>();
            for (String name : config.txPorts()) {
                txs.add(byName.computeIfAbsent(name, ShmEndpoint::attach));
            }
            List<ShmEndpoint> rxs = new ArrayList<>();
            for (String name : config.rxPorts()) {
                rxs.add(byName.computeIfAbsent(name, ShmEndpoint::attach));
            }
            return new TrafficGenerator(config, txs, rxs, List.copyOf(byName.values()));
        } catch (RuntimeException e) {
            byName.values().forEach(ShmEndpoint::close);
            throw e;
        }
    }

    private long wallNs(long monoNs) {
        return wallBaseNs + (monoNs - monoBaseNs);
    }

    /**
     * One duty cycle at monotonic time {@code nowNs} ({@link System#nanoTime()}): sends what is due,
     * counts arrivals. Returns the number of frames moved (0 = idle).
     */
    public int doWork(long nowNs) {
        int work = 0;
        if (stopRequested && (phase == Phase.LEARN || phase == Phase.SETTLE)) {
            enter(Phase.DONE, nowNs);
        }
        switch (phase) {
            case LEARN -> {
                if (config.learn() && rx.length > 0) {
                    announceDestinations();
                    enter(Phase.SETTLE, nowNs);
                } else {
                    startSending(nowNs);
                }
            }
            case SETTLE -> {
                if (nowNs - phaseStartNs >= LEARN_SETTLE_NS) {
                    startSending(nowNs);
                }
            }
            case SEND -> {
                work += send(nowNs);
                if (stopRequested || (config.count() > 0 && sent >= config.count())
                        || (config.durationNs() > 0 && nowNs - sendStartNs >= config.durationNs())) {
                    sendEndNs = nowNs;
                    lastArrivalNs = nowNs;
                    enter(rx.length == 0 ? Phase.DONE : Phase.DRAIN, nowNs);
                }
            }
            case DRAIN -> {
                if (received >= sent || stopRequested
                        || (nowNs - lastArrivalNs >= DRAIN_QUIET_NS) || nowNs - sendEndNs >= DRAIN_MAX_NS) {
                    enter(Phase.DONE, nowNs);
                }
            }
            case DONE -> {
            }
        }
        work += receive(nowNs);
        return work;
    }

    private void enter(Phase next, long nowNs) {
        phase = next;
        phaseStartNs = nowNs;
    }

    private void startSending(long nowNs) {
        sendStartNs = nowNs;
        enter(Phase.SEND, nowNs);
    }

    /** Cold path, once: each RX port claims its share of the destination MACs with a broadcast frame. */
    private void announceDestinations() {
        byte[] frame = new byte[60];
        MemorySegment f = MemorySegment.ofArray(frame);
        for (int flow = 0; flow < config.flows(); flow++) {
            ShmEndpoint port = rx[flow % rx.length];
            Wire.etherHeader(f, 0, io.pswitch.tools.wire.MacAddress.BROADCAST, FlowTemplates.dstMac(config, flow), config.vlan(),
                    LEARN_ETHERTYPE);
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (!port.send(frame, 0, frame.length) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
    }

    private int send(long nowNs) {
        long due;
        if (config.ratePps() == 0) {
            due = (long) batch * tx.length;
        } else {
            // Frames due since the start, at the configured rate, minus those already sent.
            double elapsed = (nowNs - sendStartNs) / 1e9;
            due = (long) (elapsed * config.ratePps()) - sent;
            due = Math.min(due, (long) batch * tx.length);
        }
        if (config.count() > 0) {
            due = Math.min(due, config.count() - sent);
        }
        int done = 0;
        for (int i = 0; i < tx.length && due > 0; i++) {
            int p = portCursor;
            portCursor = portCursor + 1 == tx.length ? 0 : portCursor + 1;
            int n = fill(p, (int) Math.min(due, batch), nowNs);
            due -= n;
            done += n;
        }
        return done;
    }

    private int fill(int p, int want, long nowNs) {
        ShmEndpoint port = tx[p];
        int n = port.claim(want);
        // shm is lossless: what finds no room is never sent, only counted (the switch is the bottleneck).
        backPressured += want - n;
        if (n == 0) {
            return 0;
        }
        MemorySegment dst = port.segment();
        MemorySegment src = templates.segment();
        long ts = wallNs(nowNs);
        for (int i = 0; i < n; i++) {
            long off = port.claimedOffset(i);
            MemorySegment.copy(src, templates.offset(p, flowCursor), dst, off, size);
            long stamp = off + payloadOffset + 4;
            dst.set(Wire.U64, stamp, sent + i);
            dst.set(Wire.U64, stamp + 8, ts);
            port.claimedLength(i, size);
            flowCursor = flowCursor + 1 == config.flows() ? 0 : flowCursor + 1;
        }
        port.commit(n);
        sent += n;
        sentBytes += (long) n * size;
        return n;
    }

    private int receive(long nowNs) {
        int total = 0;
        long now = wallNs(nowNs);
        for (int e = 0; e < all.length; e++) {
            ShmEndpoint port = all[e];
            int n = port.poll(batch);
            if (n == 0) {
                continue;
            }
            if (counts[e]) {
                MemorySegment s = port.segment();
                for (int i = 0; i < n; i++) {
                    long off = port.frameOffset(i);
                    int len = port.storedLength(i);
                    if (len < payloadOffset + GenConfig.PAYLOAD_STAMP || Wire.u32(s, off + payloadOffset) != FlowTemplates.MAGIC) {
                        continue; // not ours (learning broadcasts, other traffic)
                    }
                    long seq = s.get(Wire.U64, off + payloadOffset + 4);
                    long latency = now - s.get(Wire.U64, off + payloadOffset + 12);
                    if (seq < lastSeq[e]) {
                        outOfOrder++;
                    }
                    lastSeq[e] = seq;
                    received++;
                    receivedBytes += port.frameLength(i);
                    latencySumNs += latency;
                    if (latency > latencyMaxNs) {
                        latencyMaxNs = latency;
                    }
                }
                lastArrivalNs = nowNs;
            }
            port.release(n);
            total += n;
        }
        return total;
    }

    /** Ends sending at the next duty cycle (e.g. on Ctrl-C); the drain phase still runs briefly. */
    public void stop() {
        stopRequested = true;
    }

    public boolean done() {
        return phase == Phase.DONE;
    }

    public GenConfig config() {
        return config;
    }

    public long sent() {
        return sent;
    }

    /**
     * Frames that were due but found the to-switch ring full (the switch did not keep up). They were
     * not sent (so are not lost); at an unlimited rate this counts attempts, a measure of back-pressure.
     */
    public long backPressured() {
        return backPressured;
    }

    public long sentBytes() {
        return sentBytes;
    }

    public long received() {
        return received;
    }

    public long receivedBytes() {
        return receivedBytes;
    }

    /** Frames sent and not (yet) received; 0 when there are no RX ports to count on. */
    public long lost() {
        return rx.length == 0 ? 0 : Math.max(0, sent - received);
    }

    public long outOfOrder() {
        return outOfOrder;
    }

    public long latencyAvgNs() {
        return received == 0 ? 0 : latencySumNs / received;
    }

    public long latencyMaxNs() {
        return latencyMaxNs;
    }

    /** Nanoseconds spent sending so far (or in total once sending ended). */
    public long sendingNs(long nowNs) {
        if (phase == Phase.LEARN || phase == Phase.SETTLE) {
            return 0;
        }
        return (phase == Phase.SEND ? nowNs : sendEndNs) - sendStartNs;
    }

    @Override
    public void close() {
        for (ShmEndpoint e : owned) {
            e.close();
        }
        arena.close();
    }
}

package io.pswitch.dataplane.port;

import io.pswitch.dataplane.counters.CounterType;
import io.pswitch.dataplane.counters.CountersFile;
import org.agrona.concurrent.AtomicBuffer;

/**
 * One port's counters in the switch's {@link CountersFile}, labelled {@code "port <name> <counter>"}.
 *
 * <p>Single writer per counter: the dataplane worker that owns the port adds the RX/TX/drop counts
 * once per batch and publishes the driver's RX drops and state; the driver, on that same thread, counts its
 * TX discards and its state changes (a close after the worker stopped is ordered after it by the
 * thread's join). Writes are a plain load and a release store (no fence on x86, no read-modify-
 * write instruction, no allocation); readers (status line, REST, {@code /metrics}, {@code pswitch
 * stat} in another process) load with acquire semantics and so never see a torn value and see each
 * counter move forward.
 */
public final class PortCounters {
    private static final PortState[] STATES = PortState.values();

    private final CountersFile file;
    private final String port;
    private final int worker;
    private final AtomicBuffer values;
    private final int rxFrames;
    private final int rxBytes;
    private final int txFrames;
    private final int txBytes;
    private final int[] drops = new int[DropCause.VALUES.length];
    /**
     * Drop counters of this port that other workers write: a frame received here and handed to
     * another worker can be dropped there (its TX ring full, the port down meanwhile). Each such
     * worker gets its own block (single writer, same labels, its worker id in the key, summed when
     * read). Index 0 is {@link #drops}. Set before the workers start.
     */
    private volatile int[][] dropBlocks;
    private final int driverRxDrops;
    private final int txDiscarded;
    private final int state;
    /** Set once while the driver opens the port, before any other thread can see the port. */
    private volatile DriverCounters driver;

    /** Allocates the port's counters for the worker that owns it. */
    public PortCounters(CountersFile file, String port, int worker) {
        String p = "port " + port + " ";
        this.file = file;
        this.port = port;
        this.worker = worker;
        this.values = file.values();
        this.rxFrames = file.allocate(CounterType.PORT_RX_FRAMES, worker, p + "rx_frames");
        this.rxBytes = file.allocate(CounterType.PORT_RX_BYTES, worker, p + "rx_bytes");
        this.txFrames = file.allocate(CounterType.PORT_TX_FRAMES, worker, p + "tx_frames");
        this.txBytes = file.allocate(CounterType.PORT_TX_BYTES, worker, p + "tx_bytes");
        for (DropCause c : DropCause.VALUES) {
            drops[c.ordinal()] = file.allocate(CounterType.PORT_DROPS, worker, p + "drops cause=" + c.label());
        }
        this.dropBlocks = new int[][] {drops};
        this.driverRxDrops = file.allocate(CounterType.PORT_DRIVER_RX_DROPS, worker, p + "driver_rx_drops");
        this.txDiscarded = file.allocate(CounterType.PORT_TX_DISCARDED, worker, p + "tx_discarded");
        this.state = file.allocate(CounterType.PORT_STATE, worker, p + "state");
    }

    /**
     * Allocates the driver's own counters of this port, one per name, in the driver's order (its
     * index constants). Once, when the driver opens the port.
     */
    public DriverCounters driverCounters(String... names) {
        int[] offsets = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            offsets[i] = file.allocate(CounterType.PORT_DRIVER, worker, "port " + port + " driver " + names[i]);
        }
        DriverCounters d = new DriverCounters(values, names.clone(), offsets);
        this.driver = d;
        return d;
    }

    /** The driver's own counters by name (empty when it keeps none). Cold path. */
    public java.util.Map<String, Long> driverCounterValues() {
        DriverCounters d = driver;
        return d == null ? java.util.Map.of() : d.snapshot();
    }

    private void add(int offset, long delta) {
        // Single writer: its own plain load is current; the release store publishes the sum.
        values.putLongRelease(offset, values.getLong(offset) + delta);
    }

    private long get(int offset) {
        return values.getLongAcquire(offset);
    }

    public void addRx(long frames, long bytes) {
        add(rxFrames, frames);
        add(rxBytes, bytes);
    }

    public void addTx(long frames, long bytes) {
        add(txFrames, frames);
        add(txBytes, bytes);
    }

    public void addDrop(DropCause cause, long frames) {
        add(drops[cause.ordinal()], frames);
    }

    /**
     * A block of this port's drop counters for dataplane worker {@code otherWorker}, which drops
     * frames received here (see {@link #dropBlocks}); the block's number for {@link #addDrop(int,
     * int, long)}. Always a new block, even if the id is the one the port was opened with: the caller
     * is not the port's owner, and each block must have one writer. Cold: before the workers start.
     */
    public synchronized int dropBlock(int otherWorker) {
        int[][] blocks = dropBlocks;
        int[] block = new int[DropCause.VALUES.length];
        for (DropCause c : DropCause.VALUES) {
            block[c.ordinal()] = file.allocate(CounterType.PORT_DROPS, otherWorker, "port " + port + " drops cause=" + c.label());
        }
        int[][] more = java.util.Arrays.copyOf(blocks, blocks.length + 1);
        more[blocks.length] = block;
        dropBlocks = more;
        return blocks.length;
    }

    /** Adds to a drop counter of block {@code block} ({@link #dropBlock}); only that block's worker calls it. */
    public void addDrop(int block, int causeOrdinal, long frames) {
        add(dropBlocks[block][causeOrdinal], frames);
    }

    /** Frames the driver discarded on transmit (port down, no output). The driver's thread. */
    public void addTxDiscarded(long frames) {
        add(txDiscarded, frames);
    }

    /** The driver's own RX drop total, as the owning worker last read it from the driver. */
    public void driverRxDrops(long total) {
        if (values.getLong(driverRxDrops) != total) {
            values.putLongRelease(driverRxDrops, total);
        }
    }

    /**
     * The port's state as its owner sees it now: the driver at each transition, and the worker each
     * cycle (a driver may derive its state from elsewhere, such as a peer's flag). Stored only when
     * it changed.
     */
    public void state(PortState s) {
        if (values.getLong(state) != s.ordinal()) {
            values.putLongRelease(state, s.ordinal());
        }
    }

    public long rxFrames() {
        return get(rxFrames);
    }

    public long rxBytes() {
        return get(rxBytes);
    }

    public long txFrames() {
        return get(txFrames);
    }

    public long txBytes() {
        return get(txBytes);
    }

    /** Summed over the workers that drop this port's frames. */
    public long drops(DropCause cause) {
        long sum = 0;
        for (int[] block : dropBlocks) {
            sum += get(block[cause.ordinal()]);
        }
        return sum;
    }

    public long totalDrops() {
        long sum = 0;
        for (DropCause c : DropCause.VALUES) {
            sum += drops(c);
        }
        return sum;
    }

    public long driverRxDrops() {
        return get(driverRxDrops);
    }

    public long txDiscarded() {
        return get(txDiscarded);
    }

    public PortState state() {
        return STATES[(int) get(state)];
    }
}

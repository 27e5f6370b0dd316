package io.pswitch.drivers.pcapfile;

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.DriverCounters;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pcap.CaptureFormatException;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pcap.LinkType;
import io.pswitch.pktlog.pcap.PcapWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;

/**
 * A port whose wire is a capture file: it receives the frames of {@code in} and transmits to
 * {@code out}.
 *
 * <p><b>Receive.</b> {@link #rxSync()} never blocks and never sleeps: it moves at most
 * {@code batch} frames and at most {@link Ring#rxSpace()}, copying each record straight from the
 * reader's buffer into the slot's pool buffer (the only copy). With {@code speed=top} frames come as
 * fast as the ring takes them; with {@code speed=original} (or {@code Nx}) a frame is released once
 * {@code (now - start) >= (ts - firstTs) / N}, where {@code start} is when the pass's first frame
 * was read; a frame not yet due waits in the read buffer for a later call. A slot's
 * {@code timestampNs} is the switch's receive time (wall clock, never decreasing), not the file's.
 * {@code loop=N} plays the file N times in all (default 1); {@code loop=0} replays forever (each
 * pass re-opens the file: a cold, once-per-pass allocation). A capture without frames ends at once
 * whatever the loop count.
 *
 * <p><b>Records that do not fit.</b> A frame longer than a pool buffer: the first
 * {@code bufferSize} bytes are copied and {@code len} is the full caplen, so the switch drops it as
 * OVERSIZE. A record shorter than an Ethernet header is delivered as is (the switch counts a runt).
 * pcapng records of a non-Ethernet interface are skipped and counted ({@link #skippedRecords()}).
 * A malformed record in the middle of the file ends the input: the frames before it were
 * delivered, the error is counted ({@link #malformedRecords()}, {@link #lastError()}) and the port
 * goes to {@link PortState#INPUT_ENDED}, as at the end of the input. Transmission keeps working.
 *
 * <p><b>Transmit.</b> {@link #txSync()} writes every pending frame to {@code out} (nanosecond pcap,
 * timestamp = now) and reclaims the slots; a file never fills, so there is no back-pressure.
 * Without {@code out}, frames are counted ({@link #discardedTxFrames()}) and discarded. Writes are
 * buffered: {@code out} is complete and readable after {@link #close()}.
 *
 * <p>All calls come from the dataplane thread that owns the port.
 */
public final class PcapFilePort extends AbstractPort {
    private final PcapFilePortOptions options;
    private final MemorySegment poolSegment;
    private final int bufferSize;
    private final NanoClock monotonic;
    private final EpochNanoClock wallClock;
    private final boolean paced;
    private final double speed;

    private CaptureReader reader;
    private PcapWriter writer;

    /** The reader holds a record not yet delivered (not due yet, or no room). */
    private boolean pending;
    private boolean passStarted;
    private long passFirstTs;
    private long passStartMono;
    private long passFrames;
    private long passesDone;
    private long lastWallNs;

    private static final int FRAMES_READ = 0;
    private static final int SKIPPED_RECORDS = 1;
    private static final int MALFORMED_RECORDS = 2;
    /** The driver's own counters, in the switch's counters file; written on the dataplane thread. */
    private final DriverCounters counters = portCounters().driverCounters("frames_read", "skipped_records", "malformed_records");
    private String lastError;

    PcapFilePort(PortSpec spec, PcapFilePortOptions options, PortContext context, NanoClock monotonic, EpochNanoClock wallClock) {
        super(spec, context);
        this.options = options;
        this.poolSegment = pool.segment();
        this.bufferSize = pool.bufferSize();
        this.monotonic = monotonic;
        this.wallClock = wallClock;
        this.speed = options.speed();
        this.paced = speed > 0;
        try {
            this.reader = openInput(spec, options.input());
        } catch (RuntimeException e) {
            releaseRings();
            throw e;
        }
        try {
            int linkType = reader.firstLinkType();
            if (linkType != LinkType.ETHERNET && linkType != -1) {
                throw new PortOpenException("port " + spec.name() + ": capture " + options.input() + " has link type "
                        + LinkType.name(linkType) + " (" + linkType + "); pcapfile ports take Ethernet (1) only");
            }
            if (options.output() != null) {
                try {
                    writer = PcapWriter.create(options.output());
                } catch (UncheckedIOException e) {
                    throw new PortOpenException("port " + spec.name() + ": " + e.getMessage(), e);
                }
            }
        } catch (RuntimeException e) {
            releaseRings();
            reader.close();
            if (writer != null) {
                writer.close();
            }
            if (e instanceof PortOpenException) {
                throw e;
            }
            throw new PortOpenException("port " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    private static CaptureReader openInput(PortSpec spec, Path input) {
        try {
            return CaptureReader.open(input);
        } catch (CaptureFormatException e) {
            throw new PortOpenException("port " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int rxSync() {
        if (state() != PortState.UP) {
            return 0;
        }
        int max = Math.min(batch, rx.rxSpace());
        int n = 0;
        long now = Long.MIN_VALUE;
        while (n < max) {
            if (!pending && !advance()) {
                break;
            }
            pending = true;
            if (paced && !due()) {
                break;
            }
            if (now == Long.MIN_VALUE) {
                now = wallNow();
            }
            int slot = rx.tail;
            int caplen = reader.capturedLength();
            MemorySegment.copy(reader.buffer(), reader.dataOffset(), poolSegment, pool.offset(rx.bufIdx[slot]),
                    Math.min(caplen, bufferSize));
            rx.len[slot] = caplen;
            rx.flags[slot] = 0;
            rx.timestampNs[slot] = now;
            rx.tail = rx.next(slot);
            pending = false;
            n++;
        }
        counters.add(FRAMES_READ, n);
        return n;
    }

    /** Whether the pending record's replay time has come (speed=original or Nx). */
    private boolean due() {
        long elapsed = monotonic.nanoTime() - passStartMono;
        long offset = reader.timestampNs() - passFirstTs;
        return offset <= 0 || elapsed >= (long) (offset / speed);
    }

    /** Reads the next Ethernet record into the reader's buffer; false when the input has ended. */
    private boolean advance() {
        try {
            while (true) {
                if (reader.next()) {
                    if (reader.linkType() != LinkType.ETHERNET) {
                        counters.add(SKIPPED_RECORDS, 1);
                        continue;
                    }
                    if (!passStarted) {
                        passStarted = true;
                        passFirstTs = reader.timestampNs();
                        passStartMono = monotonic.nanoTime();
                    }
                    passFrames++;
                    return true;
                }
                passesDone++;
                boolean again = (options.passes() == 0 || passesDone < options.passes()) && passFrames > 0;
                reader.close();
                reader = null;
                if (!again) {
                    state(PortState.INPUT_ENDED);
                    return false;
                }
                reader = CaptureReader.open(options.input());
                passStarted = false;
                passFrames = 0;
            }
        } catch (CaptureFormatException e) {
            counters.add(MALFORMED_RECORDS, 1);
            lastError = e.getMessage();
            if (reader != null) {
                reader.close();
                reader = null;
            }
            state(PortState.INPUT_ENDED);
            return false;
        }
    }

    private long wallNow() {
        long t = wallClock.nanoTime();
        if (t > lastWallNs) {
            lastWallNs = t;
        }
        return lastWallNs;
    }

    @Override
    public int txSync() {
        if (closed()) {
            return 0;
        }
        int pendingTx = tx.txPending();
        if (pendingTx == 0) {
            return 0;
        }
        if (writer != null) {
            long now = wallNow();
            for (int i = 0; i < pendingTx; i++) {
                int slot = tx.hwcur;
                int len = tx.len[slot];
                writer.write(now, poolSegment, pool.offset(tx.bufIdx[slot]), Math.min(len, bufferSize), len);
                tx.hwcur = tx.next(slot);
            }
        } else {
            countTxDiscarded(pendingTx);
            tx.hwcur = tx.head;
        }
        tx.txReclaim();
        return pendingTx;
    }

    /** Frames delivered to the RX ring so far, over all passes. */
    public long framesRead() {
        return counters.get(FRAMES_READ);
    }

    /** Records of non-Ethernet pcapng interfaces that were not delivered. */
    public long skippedRecords() {
        return counters.get(SKIPPED_RECORDS);
    }

    /** 1 when the input ended on a malformed record, else 0. */
    public long malformedRecords() {
        return counters.get(MALFORMED_RECORDS);
    }

    /** The malformed record's error (file, byte offset, problem), or null. */
    public String lastError() {
        return lastError;
    }

    /** Frames handed to a port without {@code out}: counted, then discarded. */
    public long discardedTxFrames() {
        return portCounters().txDiscarded();
    }

    /** Complete passes over the input so far. */
    public long passesDone() {
        return passesDone;
    }

    @Override
    protected void closeResources() {
        try {
            if (reader != null) {
                reader.close();
                reader = null;
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }
}

package io.pswitch.tools.log;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends selected records of a log out of a port opened with the switch's own drivers
 * ({@link PortDrivers}: {@code pcap:IFACE}, {@code shm:NAME}, {@code pcapfile:...}), in sequence
 * order, either as fast as the port takes them or with the logged spacing scaled by a factor.
 *
 * <p>The port gets a private, temporary buffer pool (the log's pool is never written): each frame is
 * copied from the reader's verified private copy into a TX slot's buffer. Paced frames are
 * released one by one at {@code passStart + (ts - firstTs) / speed} (park, then spin for the last
 * stretch); top speed fills the TX ring and syncs once per batch. A full peer is waited for
 * (back-pressure), for at most {@link #STALL_TIMEOUT_NS} per frame.
 */
public final class LogReplayer {
    static final int RING_SIZE = 512;
    static final int BATCH = 256;
    static final long STALL_TIMEOUT_NS = 5_000_000_000L;
    /**
     * Below this much time to wait, spin rather than park: a park can overshoot by tens of
     * microseconds on an idle machine and by milliseconds on a loaded one.
     */
    private static final long SPIN_NS = 1_000_000;

    private final LogSource log;

    public LogReplayer(LogSource log) {
        this.log = log;
    }

    /**
     * Turns {@code --to-port}/{@code --iface} into a spec: a name is added when missing
     * ({@code replay=}), and a {@code pcapfile} port given only {@code out=FILE} gets an empty input.
     */
    static PortSpec portSpec(String toPort, String iface, Path scratchDir) {
        if ((toPort == null) == (iface == null)) {
            throw new IllegalArgumentException("give exactly one of --to-port SPEC or --iface IF");
        }
        String text = iface != null ? "replay=pcap:" + iface : toPort;
        int eq = text.indexOf('=');
        int colon = text.indexOf(':');
        if (eq < 0 || colon >= 0 && colon < eq) {
            text = "replay=" + text;
        }
        PortSpec spec = PortSpec.parse(text);
        if (spec.driver().equals("pcapfile") && spec.argument().startsWith("out=")) {
            Path empty;
            try {
                empty = Files.createTempFile(scratchDir, "pswitch-replay-empty-", ".pcap");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create an empty input capture in " + scratchDir + ": " + e.getMessage(), e);
            }
            empty.toFile().deleteOnExit();
            PcapWriter.create(empty).close();
            String rest = text.substring(text.indexOf(':') + 1);
            spec = PortSpec.parse(spec.name() + "=pcapfile:" + empty + "," + rest);
        }
        return spec;
    }

    /**
     * @param passes how many times to send the selection (>= 1)
     */
    public ReplayResult replay(LogQuery selection, PortSpec spec, ReplaySpeed speed, long passes) {
        if (passes < 1) {
            throw new IllegalArgumentException("--loop " + passes + " must be at least 1");
        }
        Path scratch = scratchDir();
        Path poolFile = scratch.resolve("replay-pool-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        int bufferSize = Math.max(2048, log.pool().bufferSize());
        try (BufferPool pool = BufferPool.open(poolFile, bufferSize, 3 * RING_SIZE + 16)) {
            Port port = PortDrivers.installed().open(spec, new PortContext(pool, RING_SIZE, BATCH));
            try {
                Sender sender = new Sender(port, pool, selection, speed);
                LogReader reader = new LogReader(log);
                long t0 = System.nanoTime();
                long done = 0;
                for (; done < passes && !sender.stopped; done++) {
                    sender.startPass();
                    reader.query(selection, sender);
                    sender.flush(true);
                }
                return new ReplayResult(sender.sent, sender.bytes, done, System.nanoTime() - t0,
                        sender.gaps == 0 ? 0 : (double) sender.gapErrorSum / sender.gaps, sender.gapErrorMax,
                        reader.retiredSkipped(), reader.crcMismatches(), spec.text(), speed.paced());
            } finally {
                port.close();
            }
        } finally {
            try {
                Files.deleteIfExists(poolFile);
            } catch (IOException ignored) {
                // A leftover scratch file in /dev/shm is harmless.
            }
        }
    }

    static Path scratchDir() {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return shm;
        }
        try {
            return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        } catch (IOException e) {
            throw new UncheckedIOException("no scratch directory for the replay pool: " + e.getMessage(), e);
        }
    }

    private static final class Sender implements RecordConsumer {
        private final Port port;
        private final Ring tx;
        private final Ring rx;
        private final BufferPool pool;
        private final MemorySegment poolSegment;
        private final LogQuery selection;
        private final double speed;
        private boolean first;
        private long passStartNs;
        private long firstTs;
        private long prevSentNs;
        private long prevDueNs;
        private long inPass;
        long sent;
        long bytes;
        long gaps;
        long gapErrorSum;
        long gapErrorMax;
        boolean stopped;

        Sender(Port port, BufferPool pool, LogQuery selection, ReplaySpeed speed) {
            this.port = port;
            this.tx = port.txRing();
            this.rx = port.rxRing();
            this.pool = pool;
            this.poolSegment = pool.segment();
            this.selection = selection;
            this.speed = speed.factor();
        }

        void startPass() {
            first = true;
            inPass = 0;
        }

        @Override
        public boolean accept(LogRecord record, MemorySegment frame, long offset) {
            if (inPass >= selection.limit()) {
                return false;
            }
            int len = Math.min(record.storedLength(), pool.bufferSize());
            if (!room()) {
                stopped = true;
                return false;
            }
            int slot = tx.head;
            MemorySegment.copy(frame, offset, poolSegment, pool.offset(tx.bufIdx[slot]), len);
            tx.len[slot] = len;
            tx.flags[slot] = 0;
            tx.head = tx.next(slot);
            tx.cur = tx.head;
            inPass++;
            bytes += len;
            if (speed > 0) {
                long due;
                if (first) {
                    first = false;
                    passStartNs = System.nanoTime();
                    firstTs = record.timestampNs();
                    due = passStartNs;
                } else {
                    due = passStartNs + (long) ((record.timestampNs() - firstTs) / speed);
                    waitUntil(due);
                }
                flush(false);
                long now = System.nanoTime();
                if (inPass > 1) {
                    long err = Math.abs((now - prevSentNs) - (due - prevDueNs));
                    gaps++;
                    gapErrorSum += err;
                    gapErrorMax = Math.max(gapErrorMax, err);
                }
                prevSentNs = now;
                prevDueNs = due;
            } else if (tx.txPending() >= BATCH) {
                flush(false);
            }
            return !stopped;
        }

        private static void waitUntil(long due) {
            long left;
            while ((left = due - System.nanoTime()) > 0) {
                if (left > SPIN_NS) {
                    LockSupport.parkNanos(left - SPIN_NS);
                } else {
                    Thread.onSpinWait();
                }
            }
        }

        /** Waits until the TX ring has a free slot; false when the peer stalls past the timeout. */
        private boolean room() {
            if (tx.userSlots() > 0) {
                return true;
            }
            long deadline = System.nanoTime() + STALL_TIMEOUT_NS;
            while (tx.userSlots() == 0) {
                sync();
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.onSpinWait();
            }
            return true;
        }

        private void sync() {
            long before = tx.txPending();
            port.txSync();
            sent += before - tx.txPending();
            // Whatever the peer sends us is not ours to keep: hand the RX slots straight back.
            port.rxSync();
            rx.head = rx.tail;
            rx.cur = rx.tail;
        }

        /** Transmits what is pending; with {@code drain}, waits (bounded) until the port took all of it. */
        void flush(boolean drain) {
            sync();
            if (!drain) {
                return;
            }
            long deadline = System.nanoTime() + STALL_TIMEOUT_NS;
            while (tx.txPending() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                sync();
            }
        }
    }
}

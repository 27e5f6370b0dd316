package io.pswitch.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every port driver passes: wire order kept, batch and ring limits respected,
 * back-pressure instead of loss where the medium allows it, a clean and idempotent close that
 * returns every buffer to the pool.
 *
 * <p>A driver's test extends this class and supplies a {@link Harness}: the real driver plus the
 * real peer on the other side of it (a capture file, a shared-memory endpoint, a veth peer).
 */
public abstract class PortDriverContractTest {
    protected static final int RING_SIZE = 64;
    protected static final int BATCH = 16;

    @TempDir
    protected Path tmp;
    protected BufferPool pool;
    private int initialFree;

    /** A port under test and its peer. */
    protected interface Harness extends AutoCloseable {
        Port port();

        /**
         * Makes the peer deliver as many of the given frames towards the port as it can right now
         * (a file harness delivered them all at open). Called repeatedly while the test waits.
         */
        void pump();

        /**
         * All frames the peer has received from the port so far, in order (cumulative: the harness
         * drains its peer and keeps what it drained). A file harness may need the port closed
         * first: {@code portClosed} tells it whether it was.
         */
        List<byte[]> transmitted(boolean portClosed) throws Exception;

        @Override
        void close() throws Exception;
    }

    /**
     * Opens the driver under test; the frames in {@code toReceive} are what the peer will send to
     * the port, in that order.
     */
    protected abstract Harness open(PortContext context, List<byte[]> toReceive) throws Exception;

    /** Whether a peer that does not drain makes the TX ring fill up (true for lossless media). */
    protected boolean txBackPressure() {
        return true;
    }

    /** Whether frames beyond the RX ring's space wait at the peer instead of being dropped. */
    protected boolean rxBackPressure() {
        return true;
    }

    /** Where the pool file goes; a driver whose UMEM is the pool needs it in memory (afxdp: /dev/shm). */
    protected Path poolDirectory() throws Exception {
        return tmp;
    }

    @BeforeEach
    void openPool() throws Exception {
        pool = BufferPool.open(poolDirectory().resolve("pool"), 2048, 1024);
        initialFree = pool.freeCount();
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    protected static List<byte[]> frames(int count, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = 60 + r.nextInt(1454);
            byte[] f = new byte[len];
            r.nextBytes(f);
            // A valid unicast Ethernet header; the sequence number sits in the payload.
            f[0] = 0x02;
            f[6] = 0x02;
            f[12] = (byte) 0x88;
            f[13] = (byte) 0xb5;
            f[14] = (byte) (i >>> 8);
            f[15] = (byte) i;
            out.add(f);
        }
        return out;
    }

    private byte[] slotBytes(Ring ring, int slot) {
        byte[] b = new byte[ring.len[slot]];
        MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(ring.bufIdx[slot]), b, 0, b.length);
        return b;
    }

    /** Receives up to {@code count} frames, releasing each batch; checks per-call limits. */
    private List<byte[]> receive(Harness h, int count) {
        Port port = h.port();
        Ring rx = port.rxRing();
        List<byte[]> got = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        long lastTs = Long.MIN_VALUE;
        while (got.size() < count && System.nanoTime() < deadline) {
            h.pump();
            int before = rx.userSlots();
            int space = rx.rxSpace();
            int n = port.rxSync();
            assertThat(n).as("rxSync adds at most a batch").isLessThanOrEqualTo(BATCH);
            assertThat(n).as("rxSync adds at most the ring's space").isLessThanOrEqualTo(space);
            assertThat(rx.userSlots()).isEqualTo(before + n);
            for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
                got.add(slotBytes(rx, s));
                assertThat(rx.timestampNs[s]).as("timestamps do not go back").isGreaterThanOrEqualTo(lastTs);
                lastTs = rx.timestampNs[s];
            }
            rx.head = rx.cur = rx.tail;
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        return got;
    }

    @Test
    void receivesFramesInWireOrderWithinBatchAndRingLimits() throws Exception {
        List<byte[]> sent = frames(200, 1);
        try (Harness h = open(new PortContext(pool, RING_SIZE, BATCH), sent)) {
            List<byte[]> got = receive(h, sent.size());
            assertThat(got).hasSize(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                assertThat(got.get(i)).as("frame %d", i).isEqualTo(sent.get(i));
            }
        }
    }

    @Test
    void fullRxRingHoldsFramesBackInsteadOfLosingThem() throws Exception {
        if (!rxBackPressure()) {
            return;
        }
        List<byte[]> sent = frames(3 * RING_SIZE, 2);
        try (Harness h = open(new PortContext(pool, RING_SIZE, BATCH), sent)) {
            Port port = h.port();
            Ring rx = port.rxRing();
            // Never release: the ring fills to n - 1 and stays there.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (rx.userSlots() < RING_SIZE - 1 && System.nanoTime() < deadline) {
                h.pump();
                port.rxSync();
            }
            assertThat(rx.userSlots()).isEqualTo(RING_SIZE - 1);
            assertThat(port.rxSync()).as("a full ring takes nothing").isZero();
            rx.head = rx.cur = rx.tail;
            List<byte[]> rest = receive(h, sent.size() - (RING_SIZE - 1));
            assertThat(rest).hasSize(sent.size() - (RING_SIZE - 1));
            assertThat(rest.get(rest.size() - 1)).isEqualTo(sent.get(sent.size() - 1));
        }
    }

    /** Puts frames on the TX ring, handing over at most what fits; returns how many were queued. */
    private int queue(Ring tx, List<byte[]> frames, int from) {
        int queued = 0;
        while (from + queued < frames.size() && tx.userSlots() > 0) {
            byte[] f = frames.get(from + queued);
            int s = tx.head;
            MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f.length);
            tx.len[s] = f.length;
            tx.head = tx.cur = tx.next(s);
            queued++;
        }
        return queued;
    }

    @Test
    void transmitsFramesInOrder() throws Exception {
        List<byte[]> out = frames(300, 3);
        try (Harness h = open(new PortContext(pool, RING_SIZE, BATCH), List.of())) {
            Port port = h.port();
            Ring tx = port.txRing();
            int sent = 0;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((sent < out.size() || tx.txPending() > 0) && System.nanoTime() < deadline) {
                sent += queue(tx, out, sent);
                int pendingBefore = tx.txPending();
                int n = port.txSync();
                assertThat(n).isLessThanOrEqualTo(pendingBefore);
                h.transmitted(false); // lets a peer drain as it goes
            }
            assertThat(tx.txPending()).isZero();
            port.close();
            List<byte[]> seen = h.transmitted(true);
            assertThat(seen).hasSize(out.size());
            for (int i = 0; i < out.size(); i++) {
                assertThat(seen.get(i)).as("frame %d", i).isEqualTo(out.get(i));
            }
        }
    }

    @Test
    void peerThatDoesNotDrainFillsTheTxRingWithoutLoss() throws Exception {
        if (!txBackPressure()) {
            return;
        }
        List<byte[]> out = frames(20 * RING_SIZE, 4);
        try (Harness h = open(new PortContext(pool, RING_SIZE, BATCH), List.of())) {
            Port port = h.port();
            Ring tx = port.txRing();
            int sent = 0;
            for (int round = 0; round < 200 && sent < out.size(); round++) {
                sent += queue(tx, out, sent);
                port.txSync();
            }
            assertThat(sent).as("the peer's ring filled, so the TX ring stopped taking frames").isLessThan(out.size());
            assertThat(tx.userSlots()).isZero();
            List<byte[]> seen = h.transmitted(false);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((seen.size() < sent) && System.nanoTime() < deadline) {
                port.txSync();
                seen = h.transmitted(false);
            }
            assertThat(seen).hasSize(sent);
            for (int i = 0; i < sent; i++) {
                assertThat(seen.get(i)).isEqualTo(out.get(i));
            }
        }
    }

    @Test
    void closeIsIdempotentAndReturnsEveryBuffer() throws Exception {
        try (Harness h = open(new PortContext(pool, RING_SIZE, BATCH), frames(10, 5))) {
            assertThat(pool.freeCount()).isEqualTo(initialFree - 2 * RING_SIZE);
            h.port().close();
            h.port().close();
        }
        assertThat(pool.freeCount()).isEqualTo(initialFree);
    }

    /**
     * A driver that offers a wait descriptor ({@code --idle wait} sleeps in poll on it) must make it
     * readable when a frame waits, so that a sleeping switch is woken by the frame: a poll with no
     * frame waiting would otherwise hold that frame until the poll times out.
     */
    @Test
    void waitFdTurnsReadableWhenAFrameWaits() throws Throwable {
        List<byte[]> sent = frames(1, 6);
        try (Harness h = open(new PortContext(pool, RING_SIZE, BATCH), sent)) {
            int fd = h.port().waitFd();
            if (fd < 0) {
                return; // this driver has nothing to sleep on: the switch parks instead
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pollFd = arena.allocate(8, 8);
                long deadline = System.nanoTime() + 10_000_000_000L;
                int ready = 0;
                while (ready == 0 && System.nanoTime() < deadline) {
                    h.pump();
                    pollFd.set(ValueLayout.JAVA_INT, 0, fd);
                    pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
                    pollFd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                    ready = (int) POLL.invokeExact(pollFd, 1L, 100);
                }
                assertThat(ready).as("poll on the wait descriptor reports the waiting frame").isEqualTo(1);
                assertThat(pollFd.get(ValueLayout.JAVA_SHORT, 6) & POLLIN).as("revents has POLLIN").isEqualTo((int) POLLIN);
            }
            assertThat(receive(h, 1)).as("the frame that woke the poll").containsExactly(sent.get(0));
        }
    }

    private static final short POLLIN = 1;
    private static final MethodHandle POLL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
}

package io.pswitch.control.system;

import io.pswitch.drivers.shm.ShmEndpoint;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Test traffic through a switch's shm ports: one thread sends {@link NumberedFrames} with
 * consecutive ids into one port at a steady rate (waiting, never dropping, when the ring is full);
 * another drains a second port and counts what arrives.
 */
final class ShmTraffic implements AutoCloseable {
    private final ShmEndpoint in;
    private final ShmEndpoint out;
    private final Thread sender;
    private final Thread receiver;
    private final long firstId;
    private final long endId;
    private final long ratePerSec;
    private volatile boolean running = true;
    private volatile boolean sending = true;
    private volatile long nextId;
    private volatile long received;
    private volatile long lastReceivedId = -1;
    private volatile long outOfOrder;
    private volatile Throwable error;

    private ShmTraffic(ShmEndpoint in, ShmEndpoint out, long firstId, long count, long ratePerSec) {
        this.in = in;
        this.out = out;
        this.firstId = firstId;
        this.endId = count == Long.MAX_VALUE ? Long.MAX_VALUE : firstId + count;
        this.ratePerSec = ratePerSec;
        this.nextId = firstId;
        this.sender = Thread.ofPlatform().daemon().name("shm-sender-" + in.name()).unstarted(this::send);
        this.receiver = out == null ? null : Thread.ofPlatform().daemon().name("shm-receiver-" + out.name()).unstarted(this::receive);
    }

    /**
     * Attaches to {@code inPort} (and {@code outPort}, unless null) and starts sending {@code count}
     * frames from id {@code firstId} at {@code ratePerSec} (0: as fast as the ring takes them).
     */
    static ShmTraffic start(String inPort, String outPort, long firstId, long count, long ratePerSec) {
        ShmEndpoint i = ShmEndpoint.attach(inPort);
        ShmEndpoint o = null;
        try {
            o = outPort == null ? null : ShmEndpoint.attach(outPort);
        } catch (RuntimeException e) {
            i.close();
            throw e;
        }
        ShmTraffic t = new ShmTraffic(i, o, firstId, count, ratePerSec);
        t.sender.start();
        if (t.receiver != null) {
            t.receiver.start();
        }
        return t;
    }

    private void send() {
        try {
            MemorySegment seg = in.segment();
            long start = System.nanoTime();
            long next = firstId;
            while (running && sending && next < endId) {
                long room = Math.min(64, endId - next);
                if (ratePerSec > 0) {
                    long due = (System.nanoTime() - start) * ratePerSec / 1_000_000_000L - (next - firstId);
                    if (due <= 0) {
                        LockSupport.parkNanos(100_000);
                        continue;
                    }
                    room = Math.min(room, due);
                }
                int n = in.claim((int) room);
                if (n == 0) {
                    LockSupport.parkNanos(50_000);
                    continue;
                }
                for (int k = 0; k < n; k++) {
                    byte[] f = NumberedFrames.frame(next + k);
                    MemorySegment.copy(MemorySegment.ofArray(f), 0, seg, in.claimedOffset(k), f.length);
                    in.claimedLength(k, f.length);
                }
                in.commit(n);
                next += n;
                nextId = next;
            }
        } catch (Throwable t) {
            error = t;
        }
    }

    private void receive() {
        try {
            MemorySegment seg = out.segment();
            while (running) {
                int n = out.poll(64);
                if (n == 0) {
                    LockSupport.parkNanos(50_000);
                    continue;
                }
                long last = lastReceivedId;
                for (int k = 0; k < n; k++) {
                    long id = NumberedFrames.id(seg, out.frameOffset(k), out.storedLength(k));
                    if (id >= 0) {
                        if (id <= last) {
                            outOfOrder++;
                        }
                        last = id;
                    }
                }
                out.release(n);
                lastReceivedId = last;
                received += n;
            }
        } catch (Throwable t) {
            error = t;
        }
    }

    /** The id the next frame sent will carry (every smaller id from {@code firstId} was sent). */
    long nextId() {
        return nextId;
    }

    long received() {
        return received;
    }

    long lastReceivedId() {
        return lastReceivedId;
    }

    Throwable error() {
        return error;
    }

    /** Waits until every frame of a bounded run is sent. */
    void awaitSent(long timeoutMs) throws InterruptedException {
        sender.join(timeoutMs);
        if (sender.isAlive()) {
            throw new AssertionError("sent only up to id " + nextId + " of " + firstId + ".." + (endId - 1) + " within " + timeoutMs + " ms");
        }
        if (error != null) {
            throw new AssertionError("sender failed", error);
        }
    }

    /** Waits until {@code n} frames arrived at the out port. */
    void awaitReceived(long n, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (received < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("received " + received + " of " + n + " frames within " + timeoutMs + " ms");
            }
            Thread.sleep(5);
        }
    }

    /**
     * Stops sending (frames already in the ring stay there for the switch; detaching would take
     * them away) and returns the id after the last frame sent.
     */
    long stopSending() throws InterruptedException {
        sending = false;
        sender.join(5_000);
        return nextId;
    }

    /**
     * Waits until each of {@code n} frames either arrived at the out port or was dropped by the
     * switch (its drop counters for the in port above {@code dropsBefore}, e.g. a full ring while
     * this receiver was descheduled), then checks that the sum is exact and that what arrived came in order.
     */
    void awaitForwardedOrDropped(long n, ChildSwitch sw, String inPortName, long dropsBefore, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long dropped = 0;
        while (received + dropped < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("received " + received + " and the switch dropped " + dropped + " of " + n
                        + " frames within " + timeoutMs + " ms");
            }
            Thread.sleep(20);
            dropped = sw.drops(inPortName) - dropsBefore;
        }
        if (received + dropped != n || outOfOrder != 0 || error != null) {
            throw new AssertionError("of " + n + " frames sent, " + received + " arrived, " + dropped + " were dropped, "
                    + outOfOrder + " came out of order", error);
        }
    }

    /** Stops both threads and detaches. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        sender.join(5_000);
        if (receiver != null) {
            receiver.join(5_000);
        }
        in.close();
        if (out != null) {
            out.close();
        }
    }

    /** Removes the port files (and half-created ones) a killed switch left in /dev/shm. */
    static void deletePortFiles(String... names) {
        Path dir = Path.of(System.getProperty("pswitch.shm.dir", "/dev/shm"));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String file = f.getFileName().toString();
                for (String n : names) {
                    if (file.equals("pswitch-" + n) || file.startsWith("pswitch-" + n + ".creating-")) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (java.io.IOException ignored) {
            // best effort: a leftover file is replaced by the next switch of that name
        }
    }
}

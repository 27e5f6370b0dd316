package io.pswitch.tools.wire;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.shm.ShmPort;
import io.pswitch.drivers.shm.ShmPortFactory;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two real shm ports wired back to back by hand, without a switch agent: every frame received on
 * one port is moved (buffer swap, zero copy) to the other port's TX ring. Peers attach to
 * {@link #nameA()} and {@link #nameB()} with {@code ShmEndpoint.attach}.
 */
public final class BackToBackPorts implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final BufferPool pool;
    private final ShmPort a;
    private final ShmPort b;
    private int dropEvery;
    private long moved;
    private long dropped;

    public BackToBackPorts(Path dir, String what) {
        this.pool = BufferPool.open(dir.resolve("pool-" + what), 2048, 2048);
        String base = "test-" + what + "-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet();
        PortContext context = new PortContext(pool, 256, 64);
        ShmPortFactory factory = new ShmPortFactory();
        this.a = (ShmPort) factory.open(PortSpec.parse("a=shm:" + base + "-a,slots=256"), context);
        try {
            this.b = (ShmPort) factory.open(PortSpec.parse("b=shm:" + base + "-b,slots=256"), context);
        } catch (RuntimeException e) {
            a.close();
            pool.close();
            throw e;
        }
    }

    public String nameA() {
        return a.shmName();
    }

    public String nameB() {
        return b.shmName();
    }

    public BufferPool pool() {
        return pool;
    }

    /** One round: receive on both, cross over, transmit on both. Returns frames moved. */
    public int pump() {
        a.rxSync();
        b.rxSync();
        int n = move(a.rxRing(), b.txRing()) + move(b.rxRing(), a.txRing());
        a.txSync();
        b.txSync();
        return n;
    }

    /** From now on, lose every {@code k}-th frame on the wire (0 = lossless), as a lossy link would. */
    public void dropEvery(int k) {
        this.dropEvery = k;
    }

    public long dropped() {
        return dropped;
    }

    private int move(Ring rx, Ring tx) {
        int n = 0;
        while (rx.head != rx.tail && tx.userSlots() > 0) {
            int s = rx.head;
            if (dropEvery > 0 && ++moved % dropEvery == 0) {
                rx.head = rx.cur = rx.next(s); // the frame's buffer stays in the RX slot, to be overwritten
                dropped++;
                continue;
            }
            int d = tx.head;
            Ring.swap(rx, s, tx, d);
            tx.len[d] = rx.len[s];
            tx.timestampNs[d] = rx.timestampNs[s];
            tx.tunnel[d] = rx.tunnel[s];
            rx.head = rx.cur = rx.next(s);
            tx.head = tx.cur = tx.next(d);
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        a.close();
        b.close();
        pool.close();
    }
}

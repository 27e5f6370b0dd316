package io.pswitch.control.warmup;

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;

/**
 * A port of the throw-away warm-up switch whose wire is memory: frames queued with {@link #feed}
 * are received into the RX slots' own buffers, as a driver does, and what the switch transmits is
 * counted and forgotten. It lives on the warm-up's own pool and counters, never the real ones.
 *
 * <p>Three classes ({@link A}, {@link B}, {@link C}) with the same code: the warm-up runs a switch of
 * each in turn, so that the JIT sees every call a worker makes on a port ({@code rxSync}, {@code
 * txSync}, {@code state}) reach several classes. It then compiles those calls as calls (not as an
 * inlined warm-up port behind a class check that the real driver's class would fail, which throws
 * the compiled duty cycle away at the real switch's first cycle and leaves it slow until the JIT has
 * profiled and compiled it again).
 */
abstract sealed class WarmupPort extends AbstractPort {
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private long transmitted;
    /** TX: frames before this slot were handed to the wire; those before hwcur are done. */
    private int posted;
    private long syncs;
    private long stamp;

    private WarmupPort(String name, PortContext context) {
        super(PortSpec.parse(name + "=warmup:memory"), context);
    }

    /** A port of the {@code kind}-th class (0, 1 or 2). */
    static WarmupPort of(int kind, String name, PortContext context) {
        return switch (kind) {
            case 0 -> new A(name, context);
            case 1 -> new B(name, context);
            default -> new C(name, context);
        };
    }

    static final class A extends WarmupPort {
        A(String name, PortContext context) {
            super(name, context);
        }
    }

    static final class B extends WarmupPort {
        B(String name, PortContext context) {
            super(name, context);
        }
    }

    static final class C extends WarmupPort {
        C(String name, PortContext context) {
            super(name, context);
        }
    }

    void feed(byte[] frame) {
        inbound.add(frame);
    }

    /** Frames fed and not received yet. */
    int waiting() {
        return inbound.size();
    }

    long transmitted() {
        return transmitted;
    }

    @Override
    public int rxSync() {
        int n = Math.min(Math.min(rx.rxSpace(), batch), inbound.size());
        MemorySegment mem = pool.segment();
        for (int i = 0; i < n; i++) {
            byte[] f = inbound.poll();
            int s = rx.tail;
            MemorySegment.copy(f, 0, mem, ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[s]), Math.min(f.length, pool.bufferSize()));
            rx.len[s] = f.length;
            rx.timestampNs[s] = ++stamp;
            rx.tunnel[s] = 0;
            rx.tail = rx.next(s);
        }
        return n;
    }

    /**
     * Every other sync the frames go out at once (as libpcap or a datagram socket sends); otherwise
     * they stay in flight until the next sync (as AF_XDP's completion ring gives them back), so the
     * worker sees both a TX ring whose tail moved and one whose frames are still pending.
     */
    @Override
    public int txSync() {
        tx.hwcur = posted;
        int n = (tx.head - posted) & (tx.numSlots() - 1);
        transmitted += n;
        posted = tx.head;
        if ((++syncs & 1) == 0) {
            tx.hwcur = posted;
        }
        tx.txReclaim();
        return n;
    }
}

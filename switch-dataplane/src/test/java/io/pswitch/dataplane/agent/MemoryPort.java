package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture of the port SPI: a real {@link Port} over real pool rings whose "wire" is memory.
 * Frames fed with {@link #feed} are received in order (as a driver would: into the RX slot's own
 * buffer, storing only the first bufferSize bytes of a frame too big, with its full length in
 * {@code len}); what the switch transmits is collected with the bufIdx it left in.
 */
final class MemoryPort implements Port {
    private final PortSpec spec;
    private final BufferPool pool;
    private final int batch;
    private final Ring rx;
    private final Ring tx;
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private final ArrayDeque<Long> inboundTunnel = new ArrayDeque<>();
    final List<byte[]> transmitted = new ArrayList<>();
    final List<Long> transmittedTunnel = new ArrayList<>();
    final List<Integer> transmittedBufIdx = new ArrayList<>();
    final List<Integer> receivedBufIdx = new ArrayList<>();
    PortState state = PortState.UP;
    /** When set, the peer takes nothing: TX frames stay pending (back-pressure). */
    boolean peerStalled;
    private long stamp;
    private boolean closed;

    MemoryPort(String name, BufferPool pool, int ringSize, int batch) {
        this.spec = PortSpec.parse(name + "=memory:test");
        this.pool = pool;
        this.batch = batch;
        this.rx = Ring.rx(name + ".rx", ringSize, pool);
        this.tx = Ring.tx(name + ".tx", ringSize, pool);
    }

    void feed(byte[]... frames) {
        for (byte[] f : frames) {
            inbound.add(f);
            inboundTunnel.add(0L);
        }
    }

    /** A frame that came out of a tunnel: rxSync sets the slot's {@code tunnel} to {@code tunnel}. */
    void feedTunnelled(long tunnel, byte[] frame) {
        inbound.add(frame);
        inboundTunnel.add(tunnel);
    }

    int waiting() {
        return inbound.size();
    }

    List<byte[]> takeTransmitted() {
        List<byte[]> out = new ArrayList<>(transmitted);
        transmitted.clear();
        transmittedBufIdx.clear();
        transmittedTunnel.clear();
        return out;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public PortSpec spec() {
        return spec;
    }

    @Override
    public Ring rxRing() {
        return rx;
    }

    @Override
    public Ring txRing() {
        return tx;
    }

    @Override
    public int rxSync() {
        int n = Math.min(Math.min(rx.rxSpace(), batch), inbound.size());
        for (int i = 0; i < n; i++) {
            byte[] f = inbound.poll();
            int s = rx.tail;
            int stored = Math.min(f.length, pool.bufferSize());
            MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[s]), stored);
            rx.len[s] = f.length;
            rx.timestampNs[s] = ++stamp;
            rx.tunnel[s] = inboundTunnel.poll();
            receivedBufIdx.add(rx.bufIdx[s]);
            rx.tail = rx.next(s);
        }
        return n;
    }

    @Override
    public int txSync() {
        if (peerStalled) {
            return 0;
        }
        int n = 0;
        while (tx.hwcur != tx.head) {
            int s = tx.hwcur;
            byte[] f = new byte[tx.len[s]];
            MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f, 0, f.length);
            transmitted.add(f);
            transmittedBufIdx.add(tx.bufIdx[s]);
            transmittedTunnel.add(tx.tunnel[s]);
            tx.hwcur = tx.next(s);
            n++;
        }
        tx.txReclaim();
        return n;
    }

    @Override
    public PortState state() {
        return state;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            state = PortState.CLOSED;
            rx.release(pool);
            tx.release(pool);
        }
    }
}

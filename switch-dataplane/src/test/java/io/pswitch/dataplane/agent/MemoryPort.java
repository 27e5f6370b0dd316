package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture of the port SPI: a real port (on the shared {@link AbstractPort} core) over real pool rings whose "wire" is memory.
 * Frames fed with {@link #feed} are received in order (as a driver would: into the RX slot's own
 * buffer, storing only the first bufferSize bytes of a frame too big, with its full length in
 * {@code len}); what the switch transmits is collected with the bufIdx it left in.
 */
final class MemoryPort extends AbstractPort {
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private final ArrayDeque<Long> inboundTunnel = new ArrayDeque<>();
    final List<byte[]> transmitted = new ArrayList<>();
    final List<Long> transmittedTunnel = new ArrayList<>();
    final List<Integer> transmittedBufIdx = new ArrayList<>();
    final List<Integer> receivedBufIdx = new ArrayList<>();
    /** When set, read as each frame goes out, into {@link #transmittedAt} (e.g. the log's durable limit). */
    java.util.function.LongSupplier atTransmit;
    final List<Long> transmittedAt = new ArrayList<>();
    /** When set, the peer takes nothing: TX frames stay pending (back-pressure). */
    boolean peerStalled;
    private long stamp;

    MemoryPort(String name, BufferPool pool, int ringSize, int batch) {
        super(PortSpec.parse(name + "=memory:test"), new PortContext(pool, ringSize, batch));
    }

    /** The test plays the link: DOWN, INPUT_ENDED, UP again. */
    void setState(PortState next) {
        state(next);
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
        transmittedAt.clear();
        return out;
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
            if (atTransmit != null) {
                transmittedAt.add(atTransmit.getAsLong());
            }
            tx.hwcur = tx.next(s);
            n++;
        }
        tx.txReclaim();
        return n;
    }
}

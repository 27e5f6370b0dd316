package io.pswitch.control.rest;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;

/**
 * Test driver {@code testmem:WIRE}: a real {@link Port} over real pool rings whose wire is a
 * {@link MemoryWire} in this JVM (registered for tests only, in test resources' META-INF/services).
 * It exists because this branch has no packet driver yet; the API under test sees a port like any other.
 */
public final class MemoryPortDriver implements PortDriverFactory {
    @Override
    public String driver() {
        return "testmem";
    }

    @Override
    public String usage() {
        return "testmem:<wire>                                  in-JVM test wire";
    }

    @Override
    public Set<String> options() {
        return Set.of();
    }

    @Override
    public Port open(PortSpec spec, PortContext context) {
        return new MemoryPort(spec, context, MemoryWire.named(spec.argument()));
    }

    private static final class MemoryPort implements Port {
        private final PortSpec spec;
        private final BufferPool pool;
        private final int batch;
        private final Ring rx;
        private final Ring tx;
        private final MemoryWire wire;
        private volatile PortState state = PortState.UP;

        MemoryPort(PortSpec spec, PortContext context, MemoryWire wire) {
            this.spec = spec;
            this.pool = context.pool();
            this.batch = context.batch();
            this.wire = wire;
            this.rx = Ring.rx(spec.name() + ".rx", context.ringSize(), pool);
            this.tx = Ring.tx(spec.name() + ".tx", context.ringSize(), pool);
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
            int n = 0;
            int space = Math.min(rx.rxSpace(), batch);
            byte[] f;
            while (n < space && (f = wire.inbound.poll()) != null) {
                int s = rx.tail;
                int stored = Math.min(f.length, pool.bufferSize());
                MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[s]), stored);
                rx.len[s] = f.length;
                rx.timestampNs[s] = System.nanoTime();
                rx.tail = rx.next(s);
                n++;
            }
            return n;
        }

        @Override
        public int txSync() {
            int n = 0;
            while (tx.hwcur != tx.head) {
                int s = tx.hwcur;
                byte[] f = new byte[tx.len[s]];
                MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f, 0, f.length);
                wire.outbound.add(f);
                tx.hwcur = tx.next(s);
                n++;
            }
            tx.txReclaim();
            return n;
        }

        @Override
        public PortState state() {
            PortState s = state;
            return s == PortState.UP && !wire.linkUp ? PortState.DOWN : s;
        }

        @Override
        public void close() {
            if (state != PortState.CLOSED) {
                state = PortState.CLOSED;
                rx.release(pool);
                tx.release(pool);
            }
        }
    }
}

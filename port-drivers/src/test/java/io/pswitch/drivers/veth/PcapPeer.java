package io.pswitch.drivers.veth;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import io.pswitch.drivers.pcap.LivePcapHandle;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

/**
 * The far end of a veth pair in tests: a second real libpcap handle that injects frames towards the
 * port and captures what the port transmits. Test code, so it allocates freely.
 */
public final class PcapPeer implements AutoCloseable {
    private final LivePcapHandle handle;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment upcall;
    private final List<byte[]> captured = new ArrayList<>();

    public PcapPeer(String iface, int direction) throws ReflectiveOperationException {
        // Snap length 9000 keeps the kernel ring slots small (see PcapLivePortFactory) yet covers jumbo test frames.
        handle = LivePcapHandle.open(iface, 9000, 16 << 20, direction);
        buffer = arena.allocate(65536, 64);
        upcall = Linker.nativeLinker().upcallStub(MethodHandles.lookup()
                .findVirtual(PcapPeer.class, "onFrame", MethodType.methodType(void.class, long.class, long.class, long.class))
                .bindTo(this), LivePcapHandle.HANDLER, arena);
    }

    @SuppressWarnings("unused")
    private void onFrame(long user, long header, long bytes) {
        int caplen = LivePcapHandle.ALL.get(JAVA_INT_UNALIGNED, header + LivePcapHandle.HDR_CAPLEN);
        byte[] f = new byte[caplen];
        MemorySegment.copy(LivePcapHandle.ALL, JAVA_BYTE, bytes, f, 0, caplen);
        captured.add(f);
    }

    /** Sends one frame; false when the kernel pushed back (EAGAIN/ENOBUFS). */
    public boolean send(byte[] frame) {
        MemorySegment.copy(frame, 0, buffer, JAVA_BYTE, 0, frame.length);
        int r = handle.inject(buffer.address(), frame.length);
        if (r >= 0) {
            return true;
        }
        int errno = handle.lastErrno();
        if (errno == LivePcapHandle.EAGAIN || errno == LivePcapHandle.ENOBUFS) {
            return false;
        }
        throw new IllegalStateException("peer inject failed (errno " + errno + "): " + handle.lastError());
    }

    /** Everything captured so far, draining what the kernel holds now (cumulative). */
    public List<byte[]> drain() {
        while (handle.dispatch(256, upcall) > 0) {
            // keep going until nothing is waiting
        }
        return captured;
    }

    /** Drains for a while, for frames still in flight. */
    public List<byte[]> drainFor(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            drain();
            Thread.sleep(1);
        }
        return drain();
    }

    @Override
    public void close() {
        handle.close();
        arena.close();
    }
}

package io.pswitch.drivers.pcap;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

/** Reads the lengths of the frames a given handle captures (tests of the handle itself). */
final class PcapPeerCounter {
    private final LivePcapHandle handle;
    private final List<Integer> lengths = new ArrayList<>();

    PcapPeerCounter(LivePcapHandle handle) {
        this.handle = handle;
    }

    @SuppressWarnings("unused")
    private void onFrame(long user, long header, long bytes) {
        lengths.add(LivePcapHandle.ALL.get(JAVA_INT_UNALIGNED, header + LivePcapHandle.HDR_CAPLEN));
    }

    List<Integer> lengthsFor(long millis) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment upcall = Linker.nativeLinker().upcallStub(MethodHandles.lookup()
                    .findVirtual(PcapPeerCounter.class, "onFrame", MethodType.methodType(void.class, long.class, long.class, long.class))
                    .bindTo(this), LivePcapHandle.HANDLER, arena);
            long end = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < end) {
                handle.dispatch(64, upcall);
                Thread.sleep(1);
            }
        }
        return lengths;
    }
}

package io.pswitch.drivers.afxdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One of the four rings an AF_XDP socket shares with the kernel (fill, completion, RX, TX), mapped
 * into this process: the single-producer/single-consumer logic of libxdp's {@code xsk.h}, which is
 * {@code static inline} C and cannot be called, written again in Java.
 *
 * <p>The ring is a power-of-two array of entries with two free-running 32-bit indices in shared
 * memory: {@code producer} (written only by the producing side) and {@code consumer} (written only
 * by the consuming side). This process is the producer of the fill and TX rings and the consumer
 * of the RX and completion rings; the kernel is the other side. Like {@code xsk.h}, each side keeps
 * a cached copy of the other side's index and reads the shared one only when the cache says there
 * is not enough, so a batch costs one acquire load and one release store, not one per entry.
 *
 * <p>Ordering (the kernel pairs each of these with its own barriers, see {@code xsk_queue.h}):
 * <ul>
 *   <li>Producer: entries are written with plain stores, then {@link #submit} publishes them with a
 *       <b>release</b> store of {@code producer}: the kernel, loading {@code producer} with acquire,
 *       sees every entry written before it.</li>
 *   <li>Producer: the free space is computed from an <b>acquire</b> load of {@code consumer}: the
 *       kernel's reads of the entries it consumed happen before this side overwrites them.</li>
 *   <li>Consumer: {@link #peek} loads {@code producer} with <b>acquire</b>, so the entries the kernel
 *       wrote before publishing are visible to the plain loads that follow.</li>
 *   <li>Consumer: {@link #release} stores {@code consumer} with <b>release</b>: this side's reads of
 *       the entries happen before the kernel may overwrite them.</li>
 * </ul>
 *
 * <p>Used by the one dataplane thread that owns the port.
 */
final class XskRing {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment map;
    private final long mapAddress;
    private final long mapLength;
    private final long producerOffset;
    private final long consumerOffset;
    private final long flagsOffset;
    private final long descOffset;
    private final int size;
    private final int mask;
    private final int entrySize;

    /** Producer side: the next index this side will fill. Consumer side: the producer index last seen. */
    private int cachedProd;
    /** Producer side: the consumer index last seen plus the size (so free = cachedCons - cachedProd). Consumer side: next index to read. */
    private int cachedCons;

    XskRing(MemorySegment offsets, int offsetsBase, long mapAddress, long mapLength, int size, int entrySize,
            boolean producerSide) {
        this.mapAddress = mapAddress;
        this.mapLength = mapLength;
        this.map = MemorySegment.ofAddress(mapAddress).reinterpret(mapLength);
        this.producerOffset = offsets.get(ValueLayout.JAVA_LONG, offsetsBase + XskDescriptor.RING_OFF_PRODUCER);
        this.consumerOffset = offsets.get(ValueLayout.JAVA_LONG, offsetsBase + XskDescriptor.RING_OFF_CONSUMER);
        this.descOffset = offsets.get(ValueLayout.JAVA_LONG, offsetsBase + XskDescriptor.RING_OFF_DESC);
        this.flagsOffset = offsets.get(ValueLayout.JAVA_LONG, offsetsBase + XskDescriptor.RING_OFF_FLAGS);
        this.size = size;
        this.mask = size - 1;
        this.entrySize = entrySize;
        // Start from what the kernel has (zero on a fresh socket); a producer's cached consumer
        // index runs `size` ahead, so that free entries are one subtraction.
        this.cachedProd = (int) INT.getAcquire(map, producerOffset);
        int cons = (int) INT.getAcquire(map, consumerOffset);
        this.cachedCons = producerSide ? cons + size : cons;
    }

    /** Bytes to map for a ring of {@code size} entries whose entries start at {@code descOffset}. */
    static long mapLength(MemorySegment offsets, int offsetsBase, int size, int entrySize) {
        return offsets.get(ValueLayout.JAVA_LONG, offsetsBase + XskDescriptor.RING_OFF_DESC) + (long) size * entrySize;
    }

    long mapAddress() {
        return mapAddress;
    }

    long mapLength() {
        return mapLength;
    }

    int size() {
        return size;
    }

    // ---- producer side (fill, TX) ----

    /** How many entries (up to {@code wanted}) can be reserved now; reads the kernel's index only when the cache is short. */
    int freeEntries(int wanted) {
        int free = cachedCons - cachedProd;
        if (free >= wanted) {
            return wanted;
        }
        cachedCons = (int) INT.getAcquire(map, consumerOffset) + size;
        free = cachedCons - cachedProd;
        return Math.min(free, wanted);
    }

    /** Reserves {@code n} entries (checked with {@link #freeEntries} first); returns the index of the first. */
    int reserve(int n) {
        int idx = cachedProd;
        cachedProd += n;
        return idx;
    }

    /** Writes a fill/completion entry (a UMEM address) at a reserved index. */
    void putAddr(int idx, long umemAddr) {
        map.set(ValueLayout.JAVA_LONG, descOffset + (long) (idx & mask) * entrySize, umemAddr);
    }

    /** Writes a TX descriptor at a reserved index. */
    void putDesc(int idx, long umemAddr, int len) {
        long at = descOffset + (long) (idx & mask) * entrySize;
        map.set(ValueLayout.JAVA_LONG, at + XskDescriptor.DESC_ADDR, umemAddr);
        map.set(ValueLayout.JAVA_INT, at + XskDescriptor.DESC_LEN, len);
        map.set(ValueLayout.JAVA_INT, at + XskDescriptor.DESC_LEN + 4, 0);
    }

    /** Publishes every entry reserved so far (release: the entries' stores come first). */
    void submit() {
        INT.setRelease(map, producerOffset, cachedProd);
    }

    /**
     * Whether the kernel asked to be woken (XDP_RING_NEED_WAKEUP) before it looks at this ring again.
     * The full fence orders the producer store of {@link #submit} before this load (store-load): the
     * kernel sets the flag and then re-reads the producer index, so at least one side sees the other.
     */
    boolean needsWakeup() {
        VarHandle.fullFence();
        return ((int) INT.getOpaque(map, flagsOffset) & XskDescriptor.XDP_RING_NEED_WAKEUP) != 0;
    }

    /** Producer side: entries submitted that the kernel has not consumed yet. */
    int outstanding() {
        return cachedProd - (int) INT.getAcquire(map, consumerOffset);
    }

    // ---- consumer side (RX, completion) ----

    /** How many entries (up to {@code wanted}) are ready to read; reads the kernel's index only when the cache is empty. */
    int peek(int wanted) {
        int entries = cachedProd - cachedCons;
        if (entries == 0) {
            cachedProd = (int) INT.getAcquire(map, producerOffset);
            entries = cachedProd - cachedCons;
        }
        return Math.min(entries, wanted);
    }

    /** Index of the first entry {@link #peek} reported. */
    int consumerIndex() {
        return cachedCons;
    }

    long addrAt(int idx) {
        return map.get(ValueLayout.JAVA_LONG, descOffset + (long) (idx & mask) * entrySize);
    }

    long descAddrAt(int idx) {
        return map.get(ValueLayout.JAVA_LONG, descOffset + (long) (idx & mask) * entrySize + XskDescriptor.DESC_ADDR);
    }

    int descLenAt(int idx) {
        return map.get(ValueLayout.JAVA_INT, descOffset + (long) (idx & mask) * entrySize + XskDescriptor.DESC_LEN);
    }

    /** Gives {@code n} read entries back to the kernel (release: the reads come first). */
    void release(int n) {
        cachedCons += n;
        INT.setRelease(map, consumerOffset, cachedCons);
    }
}

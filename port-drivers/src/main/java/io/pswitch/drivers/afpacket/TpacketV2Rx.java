package io.pswitch.drivers.afpacket;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Walks a mapped {@code TPACKET_V2} receive ring ({@link TpacketDescriptor}): fixed-size frame
 * slots, each handed over on its own as soon as the kernel has written it, so a frame waits for no
 * block timeout (the low-latency choice, {@code rx=v2}); the cost is a slot of the ring per frame
 * whatever its size.
 *
 * <p>Slots are packed into the ring's blocks ({@code blockSize / frameSize} of them each, the
 * kernel's {@code frames_per_block}); a slot never crosses a block, so when the slot size does not
 * divide the block the tail of each block is unused and slot {@code i} lies at
 * {@code (i / perBlock) * blockSize + (i % perBlock) * frameSize}, as the kernel's
 * {@code packet_lookup_frame} places it.
 *
 * <p>Ownership and ordering. A slot is the kernel's until its {@code tp_status} has
 * {@code TP_STATUS_USER}; the kernel writes the frame and the header, issues a write barrier, then
 * stores the status, so the status is read with <b>acquire</b>. The slot goes back by storing
 * {@code TP_STATUS_KERNEL} with <b>release</b> after the copy, so the kernel never overwrites bytes
 * still being read. The kernel fills slots in index order, wrapping, as this walker reads them;
 * when the next slot is still the user's, it drops and counts ({@code tp_drops}).
 *
 * <p>Used by the one dataplane thread that owns the port. Allocates nothing.
 */
final class TpacketV2Rx implements KernelRxRing {
    private static final VarHandle STATUS = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final int blockSize;
    private final int frameSize;
    private final int perBlock;
    private final int blockCount;
    private final FrameCopier copier;
    /** The next slot's block and its place in that block. */
    private int block;
    private int inBlock;

    TpacketV2Rx(MemorySegment ring, int blockSize, int blockCount, int frameSize, BufferPool pool) {
        this.ring = ring;
        this.blockSize = blockSize;
        this.frameSize = frameSize;
        this.perBlock = blockSize / frameSize;
        this.blockCount = blockCount;
        this.copier = new FrameCopier(pool);
    }

    @Override
    public int receive(Ring rx, int max) {
        int added = 0;
        while (added < max) {
            long hdr = (long) block * blockSize + (long) inBlock * frameSize;
            int status = (int) STATUS.getAcquire(ring, hdr + TpacketDescriptor.V2_STATUS);
            if ((status & TpacketDescriptor.TP_STATUS_USER) == 0) {
                break; // not written yet: nothing more to take now
            }
            long ts = Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + TpacketDescriptor.V2_SEC)) * 1_000_000_000L
                    + Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + TpacketDescriptor.V2_NSEC));
            copier.copy(ring, hdr + Short.toUnsignedInt(ring.get(JAVA_SHORT, hdr + TpacketDescriptor.V2_MAC)),
                    ring.get(JAVA_INT, hdr + TpacketDescriptor.V2_SNAPLEN), ring.get(JAVA_INT, hdr + TpacketDescriptor.V2_LEN),
                    status, ring.get(JAVA_SHORT, hdr + TpacketDescriptor.V2_VLAN_TPID),
                    ring.get(JAVA_SHORT, hdr + TpacketDescriptor.V2_VLAN_TCI), ts, rx, rx.tail);
            // Release: the copy above happens-before the kernel sees the slot as its own again.
            STATUS.setRelease(ring, hdr + TpacketDescriptor.V2_STATUS, TpacketDescriptor.TP_STATUS_KERNEL);
            if (++inBlock == perBlock) {
                inBlock = 0;
                block = block + 1 == blockCount ? 0 : block + 1;
            }
            rx.tail = rx.next(rx.tail);
            added++;
        }
        return added;
    }

    @Override
    public long oversize() {
        return copier.oversize();
    }
}

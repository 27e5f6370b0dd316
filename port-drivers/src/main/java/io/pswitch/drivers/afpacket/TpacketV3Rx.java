package io.pswitch.drivers.afpacket;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Walks a mapped {@code TPACKET_V3} receive ring ({@link TpacketDescriptor}) and moves its frames
 * into a port's RX {@link Ring}: each frame is copied once, from the kernel's block into the pool
 * buffer of the next RX slot.
 *
 * <p>Ownership and ordering. A block is the kernel's until its {@code block_status} says
 * {@code TP_STATUS_USER}. The kernel writes the frames and the block header, issues a write
 * barrier, then stores the status; so the status is read with <b>acquire</b>, and no read of the
 * block's contents can be satisfied before it. A block goes back by storing
 * {@code TP_STATUS_KERNEL} with <b>release</b>, after the last frame was copied out: the copies
 * cannot be reordered after the store, so the kernel never refills bytes this walker is still
 * reading. A block stays ours across sync calls while the RX ring has no room for all its frames
 * (the position inside it is kept), which is the receive back-pressure: the kernel fills the other
 * blocks and, when none is free, drops and counts ({@code tp_drops}).
 *
 * <p>The kernel hands a block over only when it is full or its retire timeout (1 ms, the least)
 * has passed, so a lightly loaded port adds up to that much latency; {@link TpacketV2Rx} does not.
 *
 * <p>Used by the one dataplane thread that owns the port. Allocates nothing.
 */
final class TpacketV3Rx implements KernelRxRing {
    /** {@code block_status} with acquire/release access: the hand-over word between kernel and user. */
    private static final VarHandle BLOCK_STATUS = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final int blockSize;
    private final int blockCount;
    private final FrameCopier copier;

    private int block;
    /** Frames of the current block not yet copied; 0 when no block is held. */
    private int framesLeft;
    /** Offset in the mapping of the next frame's {@code tpacket3_hdr} in the held block. */
    private long frame;

    TpacketV3Rx(MemorySegment ring, int blockSize, int blockCount, BufferPool pool) {
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.copier = new FrameCopier(pool);
    }

    @Override
    public int receive(Ring rx, int max) {
        int added = 0;
        while (added < max) {
            long blockStart = (long) block * blockSize;
            if (framesLeft == 0) {
                int status = (int) BLOCK_STATUS.getAcquire(ring, blockStart + TpacketDescriptor.BLOCK_STATUS);
                if ((status & TpacketDescriptor.TP_STATUS_USER) == 0) {
                    break; // the kernel still fills it: nothing more to take now
                }
                framesLeft = ring.get(JAVA_INT, blockStart + TpacketDescriptor.BLOCK_NUM_PKTS);
                frame = blockStart + ring.get(JAVA_INT, blockStart + TpacketDescriptor.BLOCK_OFFSET_TO_FIRST_PKT);
                if (framesLeft == 0) {
                    giveBack(blockStart);
                    continue;
                }
            }
            copy(frame, rx, rx.tail);
            rx.tail = rx.next(rx.tail);
            added++;
            if (--framesLeft == 0) {
                giveBack(blockStart);
            } else {
                frame += Integer.toUnsignedLong(ring.get(JAVA_INT, frame + TpacketDescriptor.HDR_NEXT_OFFSET));
            }
        }
        return added;
    }

    /** Every frame of the block was copied out: it goes back to the kernel, and the next block is due. */
    private void giveBack(long blockStart) {
        // Release: the copies above happen-before the kernel sees the block as its own again.
        BLOCK_STATUS.setRelease(ring, blockStart + TpacketDescriptor.BLOCK_STATUS, TpacketDescriptor.TP_STATUS_KERNEL);
        block = block + 1 == blockCount ? 0 : block + 1;
    }

    private void copy(long hdr, Ring rx, int slot) {
        long ts = Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + TpacketDescriptor.HDR_SEC)) * 1_000_000_000L
                + Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + TpacketDescriptor.HDR_NSEC));
        copier.copy(ring, hdr + Short.toUnsignedInt(ring.get(JAVA_SHORT, hdr + TpacketDescriptor.HDR_MAC)),
                ring.get(JAVA_INT, hdr + TpacketDescriptor.HDR_SNAPLEN), ring.get(JAVA_INT, hdr + TpacketDescriptor.HDR_LEN),
                ring.get(JAVA_INT, hdr + TpacketDescriptor.HDR_STATUS),
                ring.get(JAVA_SHORT, hdr + TpacketDescriptor.HDR_VLAN_TPID),
                (short) ring.get(JAVA_INT, hdr + TpacketDescriptor.HDR_VLAN_TCI), ts, rx, slot);
    }

    @Override
    public long oversize() {
        return copier.oversize();
    }
}

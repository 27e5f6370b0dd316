package io.pswitch.drivers.afpacket;

import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The one copy of receive: a frame from the kernel's ring into the pool buffer of an RX slot, the
 * same for both ring versions.
 *
 * <p>A frame whose VLAN tag the kernel took off (the receive path untags before packet sockets
 * see a frame) gets it back in the buffer, so tags are carried unchanged. A frame longer than a
 * pool buffer is cut to the buffer and keeps its wire length, so the switch drops it as OVERSIZE.
 * Timestamps are the kernel's receive time in ns, raised to the previous frame's when the wall
 * clock stepped back, so they never decrease on a port. Allocates nothing; one thread.
 */
final class FrameCopier {
    private static final ValueLayout.OfShort BE_SHORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int MAC_ADDRESSES = 12;
    private static final int VLAN_TAG = 4;
    private static final short TPID_8021Q = (short) 0x8100;

    private final BufferPool pool;
    private final MemorySegment poolSegment;
    private final int bufferSize;
    private long lastTimestampNs = Long.MIN_VALUE;
    private long oversize;

    FrameCopier(BufferPool pool) {
        this.pool = pool;
        this.poolSegment = pool.segment();
        this.bufferSize = pool.bufferSize();
    }

    /**
     * Copies the frame at {@code src} in {@code ring} ({@code snaplen} bytes there, {@code wireLen}
     * on the wire; {@code status} the header's {@code tp_status}) into {@code rx}'s slot.
     */
    void copy(MemorySegment ring, long src, int snaplen, int wireLen, int status, short tpid, short tci,
            long timestampNs, Ring rx, int slot) {
        long dst = pool.offset(rx.bufIdx[slot]);
        int len = wireLen;
        if ((status & TpacketDescriptor.TP_STATUS_VLAN_VALID) != 0 && snaplen >= MAC_ADDRESSES) {
            MemorySegment.copy(ring, src, poolSegment, dst, MAC_ADDRESSES);
            poolSegment.set(BE_SHORT, dst + MAC_ADDRESSES,
                    (status & TpacketDescriptor.TP_STATUS_VLAN_TPID_VALID) != 0 ? tpid : TPID_8021Q);
            poolSegment.set(BE_SHORT, dst + MAC_ADDRESSES + 2, tci);
            int rest = Math.min(snaplen - MAC_ADDRESSES, bufferSize - MAC_ADDRESSES - VLAN_TAG);
            MemorySegment.copy(ring, src + MAC_ADDRESSES, poolSegment, dst + MAC_ADDRESSES + VLAN_TAG, rest);
            len += VLAN_TAG;
        } else {
            MemorySegment.copy(ring, src, poolSegment, dst, Math.min(snaplen, bufferSize));
        }
        if (len > bufferSize) {
            oversize++;
        }
        long ts = timestampNs < lastTimestampNs ? lastTimestampNs : timestampNs;
        lastTimestampNs = ts;
        rx.len[slot] = len;
        rx.timestampNs[slot] = ts;
        rx.flags[slot] = 0;
    }

    /** Frames longer than a buffer seen so far. */
    long oversize() {
        return oversize;
    }
}

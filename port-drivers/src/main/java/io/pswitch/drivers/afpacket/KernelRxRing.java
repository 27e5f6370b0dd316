package io.pswitch.drivers.afpacket;

import io.pswitch.dataplane.ring.Ring;

/** A mapped kernel receive ring ({@code TPACKET_V3} blocks or {@code TPACKET_V2} frames) walked into a port's RX ring. */
interface KernelRxRing {
    /** Moves up to {@code max} frames into {@code rx} from its tail; returns how many. Never waits. */
    int receive(Ring rx, int max);

    /** Frames longer than a pool buffer seen so far. */
    long oversize();
}

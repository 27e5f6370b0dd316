package io.pswitch.dataplane.port;

/** Why a received frame was not forwarded (or not to some port). Counted per ingress port. */
public enum DropCause {
    /** The destination TX ring had no free slot (counted on the ingress port). */
    RING_FULL("ring_full"),
    /** A buffer was needed (flood copy, log swap) and the free list was empty. */
    NO_BUFFER("no_buffer"),
    /** Shorter than an Ethernet header (14 bytes, or the tags it announces). */
    RUNT("runt"),
    /** IEEE 802.1D reserved group address 01:80:C2:00:00:00-0F: never forwarded by a bridge. */
    LINK_LOCAL("link_local"),
    /** Larger than a pool buffer: it cannot be stored whole. */
    OVERSIZE("oversize"),
    /** Source MAC is a group (multicast/broadcast) address. */
    BAD_SOURCE("bad_source"),
    /** The destination was learned on the ingress port itself: a bridge never hairpins. */
    SAME_PORT("same_port"),
    /** The destination port is down. */
    PORT_DOWN("port_down"),
    /**
     * The destination port belongs to another dataplane worker and the queue to that worker was full,
     * or every buffer this worker may lend it was still in flight (it falls behind): dropped rather
     * than waited for.
     */
    WORKER_QUEUE_FULL("worker_queue_full");

    public static final DropCause[] VALUES = values();

    private final String label;

    DropCause(String label) {
        this.label = label;
    }

    /** Lower-case label used in metrics, JSON and status lines. */
    public String label() {
        return label;
    }
}

package io.pswitch.dataplane.counters;

/**
 * The type ids of the counters a switch keeps in its counters file, grouped by hundreds: 1xx a
 * port's, 2xx the packet log's, 3xx a log filter's, 4xx the forwarding table's, 5xx a dataplane worker's. A counter's label
 * starts with its group and owner ("port a", "log", "filter web", "fdb") so {@code pswitch stat} prints them grouped without
 * knowing every type.
 */
public final class CounterType {
    public static final int PORT_RX_FRAMES = 101;
    public static final int PORT_RX_BYTES = 102;
    public static final int PORT_TX_FRAMES = 103;
    public static final int PORT_TX_BYTES = 104;
    /** Frames dropped on receive by the switch, one counter per cause (label "cause=..."). */
    public static final int PORT_DROPS = 105;
    /** Frames the driver itself discarded on receive (kernel drops, full RX ring, no buffer). */
    public static final int PORT_DRIVER_RX_DROPS = 106;
    /** Frames handed to the driver for transmission that it discarded (port down, no output). */
    public static final int PORT_TX_DISCARDED = 107;
    /** The port's {@code PortState} ordinal. A gauge, not a count. */
    public static final int PORT_STATE = 108;
    /** A driver's own counter of the port (label "port NAME driver COUNTER"). */
    public static final int PORT_DRIVER = 109;

    public static final int LOG_FRAMES = 201;
    public static final int LOG_BYTES = 202;
    public static final int LOG_SKIPPED_NO_BUFFER = 203;
    public static final int LOG_SKIPPED_STORAGE_BEHIND = 204;
    public static final int LOG_RETIRED = 205;
    public static final int LOG_COMMITS = 206;
    /** Gauges: sequences and live bytes, not counts. */
    public static final int LOG_COMMITTED_SEQ = 207;
    public static final int LOG_PUBLISHED_SEQ = 208;
    public static final int LOG_LIVE_BYTES = 209;
    public static final int LOG_DRAINED_SEQ = 210;

    /** Stations in the forwarding table: a gauge. */
    public static final int FDB_ENTRIES = 401;
    public static final int FDB_LEARNED = 402;
    public static final int FDB_AGED = 403;
    public static final int FDB_EVICTED = 404;
    public static final int FDB_MOVED = 405;
    public static final int FDB_FLUSHED = 406;

    /** A dataplane worker's time spent in duty cycles that did work (ns) and frames it moved. */
    public static final int WORKER_BUSY_NS = 501;
    public static final int WORKER_FRAMES = 502;
    /** Gauges over the last second: busy fraction in millionths, frames per second. */
    public static final int WORKER_BUSY_PPM = 503;
    public static final int WORKER_FPS = 504;

    public static final int FILTER_FRAMES = 301;
    public static final int FILTER_BYTES = 302;

    private CounterType() {
    }

    /** Whether the counters of this type are levels (summing them over workers means nothing). */
    public static boolean isGauge(int typeId) {
        return typeId == PORT_STATE || typeId == FDB_ENTRIES || typeId == LOG_COMMITTED_SEQ || typeId == LOG_PUBLISHED_SEQ
                || typeId == LOG_LIVE_BYTES || typeId == LOG_DRAINED_SEQ
                || typeId == WORKER_BUSY_PPM || typeId == WORKER_FPS;
    }
}

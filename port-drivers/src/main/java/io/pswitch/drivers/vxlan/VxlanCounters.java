package io.pswitch.drivers.vxlan;

import io.pswitch.dataplane.port.DriverCounters;
import io.pswitch.dataplane.port.PortCounters;

/**
 * What a {@code vxlan} port received, dropped by cause and sent. Single writer (the dataplane thread
 * that owns the port, once per batch), many readers (control thread, status, REST).
 *
 * <p>They live in the switch's counters file ({@link DriverCounters}: "port NAME driver COUNTER"),
 * where {@code pswitch stat} and {@code /metrics} read them. The writer stores with release
 * semantics: no fence on the data path (x86), and a reader never sees a torn value or a counter
 * moving backwards.
 */
public final class VxlanCounters {
    /** Why a received datagram was dropped; each is counted and never forwarded. */
    public enum RxDrop {
        /** I flag not set, or a reserved bit or field set. */
        BAD_HEADER("bad_header"),
        /** Shorter than a VXLAN header and an Ethernet header (8 + 14 bytes). */
        TRUNCATED("truncated"),
        /** The inner frame is larger than a pool buffer. */
        OVERSIZE("oversize"),
        /** From an address other than {@code remote}, when one is set. */
        BAD_SOURCE("bad_source"),
        /** A VNI other than the port's. */
        WRONG_VNI("wrong_vni");

        public static final RxDrop[] VALUES = values();
        private final String label;

        RxDrop(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final int RX_DATAGRAMS = 0;
    private static final int RX_FRAMES = 1;
    private static final int RX_BYTES = 2;
    private static final int RX_CALLS = 3;
    private static final int TX_FRAMES = 4;
    private static final int TX_BYTES = 5;
    private static final int TX_CALLS = 6;
    private static final int TX_NOT_SENT = 7;
    private static final int TX_TOO_BIG = 8;
    private static final int TX_ERRORS = 9;
    private static final int RX_ERRORS = 10;
    private static final int RX_DROPS = 11;

    private final DriverCounters values;

    VxlanCounters(PortCounters port) {
        String[] names = new String[RX_DROPS + RxDrop.VALUES.length];
        String[] fixed = {"rx_datagrams", "rx_frames", "rx_bytes", "rx_calls", "tx_frames", "tx_bytes", "tx_calls",
                "tx_not_sent", "tx_too_big", "tx_errors", "rx_errors"};
        System.arraycopy(fixed, 0, names, 0, RX_DROPS);
        for (RxDrop c : RxDrop.VALUES) {
            names[RX_DROPS + c.ordinal()] = "rx_drops cause=" + c.label();
        }
        this.values = port.driverCounters(names);
    }

    private void add(int index, long delta) {
        values.add(index, delta);
    }

    private long get(int index) {
        return values.get(index);
    }

    void addReceiveCall(long datagrams, long frames, long bytes) {
        add(RX_CALLS, 1);
        add(RX_DATAGRAMS, datagrams);
        add(RX_FRAMES, frames);
        add(RX_BYTES, bytes);
    }

    void addReceiveError() {
        add(RX_CALLS, 1);
        add(RX_ERRORS, 1);
    }

    void addDrop(RxDrop cause, long count) {
        add(RX_DROPS + cause.ordinal(), count);
    }

    void addSendCall(long frames, long bytes) {
        add(TX_CALLS, 1);
        add(TX_FRAMES, frames);
        add(TX_BYTES, bytes);
    }

    void addNotSent(long frames) {
        add(TX_NOT_SENT, frames);
    }

    void addTooBig(long frames) {
        add(TX_TOO_BIG, frames);
    }

    void addTxErrors(long frames) {
        add(TX_ERRORS, frames);
    }

    /** Datagrams read from the socket, good and bad. */
    public long rxDatagrams() {
        return get(RX_DATAGRAMS);
    }

    /** Inner frames decapsulated into the RX ring. */
    public long rxFrames() {
        return get(RX_FRAMES);
    }

    /** Bytes of those inner frames. */
    public long rxBytes() {
        return get(RX_BYTES);
    }

    /** recvmmsg calls made (one per rxSync that had ring space). */
    public long rxCalls() {
        return get(RX_CALLS);
    }

    /** recvmmsg calls that failed with an error other than "nothing to read". */
    public long rxErrors() {
        return get(RX_ERRORS);
    }

    public long drops(RxDrop cause) {
        return get(RX_DROPS + cause.ordinal());
    }

    /** Every received datagram dropped, all causes together. */
    public long totalDrops() {
        long sum = 0;
        for (RxDrop c : RxDrop.VALUES) {
            sum += drops(c);
        }
        return sum;
    }

    /** Frames that left encapsulated. */
    public long txFrames() {
        return get(TX_FRAMES);
    }

    /** Bytes of those frames, without the encapsulation. */
    public long txBytes() {
        return get(TX_BYTES);
    }

    /** sendmmsg calls made. */
    public long txCalls() {
        return get(TX_CALLS);
    }

    /** Frames the switch handed to a receive-only port: reclaimed, never sent. */
    public long txNotSent() {
        return get(TX_NOT_SENT);
    }

    /** Frames whose datagram would exceed the path MTU (a VTEP does not fragment). */
    public long txTooBig() {
        return get(TX_TOO_BIG);
    }

    /** Frames that failed to send for another reason (unreachable remote, bad length). */
    public long txErrors() {
        return get(TX_ERRORS);
    }
}

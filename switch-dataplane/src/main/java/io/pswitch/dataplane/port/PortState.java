package io.pswitch.dataplane.port;

public enum PortState {
    /** Receiving and transmitting. */
    UP,
    /** Administratively down, or its link/interface is gone: the switch neither reads nor sends on it. */
    DOWN,
    /** A finite input (a capture file) has been read to the end; transmission still works. */
    INPUT_ENDED,
    CLOSED
}

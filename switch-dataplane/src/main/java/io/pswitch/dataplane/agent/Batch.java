package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.port.DropCause;

/**
 * The frames of one duty cycle, taken from the RX rings of all readable ports, and what pass 1
 * decided for each. Reused every cycle; owned by the dataplane thread.
 *
 * <p>Frame {@code i} sits in slot {@link #slot(int)} of the RX ring of port {@link #ingressPort(int)}
 * and stays there (its buffer owned by that slot) until pass 2 moves it. A decision is a port index
 * ({@code >= 0}, known unicast), {@link #FLOOD}, or a drop with its cause ({@link #drop}).
 */
public final class Batch {
    public static final int FLOOD = -1;
    private static final int DROP_BASE = -2;

    final int[] ingressPort;
    final int[] slot;
    final int[] decision;
    int count;

    Batch(int capacity) {
        ingressPort = new int[capacity];
        slot = new int[capacity];
        decision = new int[capacity];
    }

    public static int drop(DropCause cause) {
        return DROP_BASE - cause.ordinal();
    }

    public static boolean isDrop(int decision) {
        return decision <= DROP_BASE;
    }

    public static DropCause dropCause(int decision) {
        return DropCause.VALUES[causeOrdinal(decision)];
    }

    static int causeOrdinal(int decision) {
        return DROP_BASE - decision;
    }

    public int count() {
        return count;
    }

    public int capacity() {
        return decision.length;
    }

    public int ingressPort(int i) {
        return ingressPort[i];
    }

    public int slot(int i) {
        return slot[i];
    }

    public int decision(int i) {
        return decision[i];
    }
}

package io.pswitch.dataplane.batch;

import io.pswitch.dataplane.port.DropCause;

/**
 * The frames of one duty cycle, taken from the RX rings of all readable ports, and what pass 1
 * decided for each. Reused every cycle; owned by the dataplane thread.
 *
 * <p>Frame {@code i} sits in slot {@link #slot(int)} of the RX ring of port {@link #ingressPort(int)}
 * and stays there (its buffer owned by that slot) until pass 2 moves it. A decision is a port index
 * ({@code >= 0}, known unicast), {@link #FLOOD}, or a drop with its cause ({@link #drop}).
 *
 * <p>Its own package so that the stages that read it (logging, observers) and the agent that fills
 * it depend on it, not on each other. Only the agent's thread writes it ({@link #add}, {@link #decide}).
 */
public final class Batch {
    public static final int FLOOD = -1;
    private static final int DROP_BASE = -2;

    private final int[] ingressPort;
    private final int[] slot;
    private final int[] decision;
    private int count;

    public Batch(int capacity) {
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

    public static int causeOrdinal(int decision) {
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

    /** Empties the batch for the next duty cycle. */
    public void clear() {
        count = 0;
    }

    /** Appends the frame in {@code slot} of port {@code port}'s RX ring; the caller keeps within {@link #capacity()}. */
    public void add(int port, int slot) {
        int i = count;
        this.ingressPort[i] = port;
        this.slot[i] = slot;
        count = i + 1;
    }

    /** Records pass 1's decision for frame {@code i}. */
    public void decide(int i, int decision) {
        this.decision[i] = decision;
    }
}

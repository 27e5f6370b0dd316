package io.pswitch.tools.hosts;

/** A small fixed-size IPv4 → MAC cache (no allocation after construction; oldest entry replaced when full). */
final class ArpTable {
    private final int[] ips;
    private final long[] macs;
    private int size;
    private int nextVictim;

    ArpTable(int capacity) {
        ips = new int[capacity];
        macs = new long[capacity];
    }

    /** The MAC for {@code ip}, or -1 when unknown. */
    long lookup(int ip) {
        for (int i = 0; i < size; i++) {
            if (ips[i] == ip) {
                return macs[i];
            }
        }
        return -1;
    }

    void put(int ip, long mac) {
        for (int i = 0; i < size; i++) {
            if (ips[i] == ip) {
                macs[i] = mac;
                return;
            }
        }
        int slot;
        if (size < ips.length) {
            slot = size++;
        } else {
            slot = nextVictim;
            nextVictim = (nextVictim + 1) % ips.length;
        }
        ips[slot] = ip;
        macs[slot] = mac;
    }
}

package io.pswitch.drivers.vxlan;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The native side of one batch: {@code count} {@code mmsghdr}s, each with a two-entry iovec
 * {VXLAN header, pool buffer}, so the kernel splits every datagram at the header and the inner
 * frame lands in (or leaves from) its pool buffer directly: no staging copy on either path.
 *
 * <p>Receive vectors give each message its own 8-byte header area and source-address area, read
 * after the call. Send vectors share one header (the port's VNI never changes) and one destination
 * address (the remote) among all messages. Everything that does not change per call is written
 * once here; a sync call writes only the second iovec entry (the slot's buffer may have been
 * swapped since the last batch) and, on receive, the fields the kernel overwrites.
 */
final class MessageVector {
    private static final long IOV_PAIR = 2 * MmsgLayout.IOVEC_SIZE;

    final MemorySegment msgs;
    private final MemorySegment iovs;
    private final MemorySegment headers;
    private final MemorySegment names;

    private MessageVector(Arena arena, int count, boolean perMessage) {
        this.msgs = arena.allocate(count * MmsgLayout.MMSGHDR_SIZE, 8);
        this.iovs = arena.allocate(count * IOV_PAIR, 8);
        int slots = perMessage ? count : 1;
        this.headers = arena.allocate((long) slots * VxlanHeaderDescriptor.LENGTH, 8);
        this.names = arena.allocate((long) slots * MmsgLayout.SOCKADDR_IN_SIZE, 8);
        msgs.fill((byte) 0);
        iovs.fill((byte) 0);
        headers.fill((byte) 0);
        names.fill((byte) 0);
        for (int i = 0; i < count; i++) {
            long m = i * MmsgLayout.MMSGHDR_SIZE;
            int k = perMessage ? i : 0;
            long iov = i * IOV_PAIR;
            msgs.set(JAVA_LONG, m + MmsgLayout.MSG_NAME, names.address() + (long) k * MmsgLayout.SOCKADDR_IN_SIZE);
            msgs.set(JAVA_INT, m + MmsgLayout.MSG_NAMELEN, MmsgLayout.SOCKADDR_IN_SIZE);
            msgs.set(JAVA_LONG, m + MmsgLayout.MSG_IOV, iovs.address() + iov);
            msgs.set(JAVA_LONG, m + MmsgLayout.MSG_IOVLEN, 2);
            iovs.set(JAVA_LONG, iov + MmsgLayout.IOV_BASE, headers.address() + (long) k * VxlanHeaderDescriptor.LENGTH);
            iovs.set(JAVA_LONG, iov + MmsgLayout.IOV_LEN, VxlanHeaderDescriptor.LENGTH);
        }
    }

    /** For recvmmsg: a header and a source address per message. */
    static MessageVector forReceive(Arena arena, int count) {
        return new MessageVector(arena, count, true);
    }

    /** For sendmmsg: every message goes to {@code remote:port} with the header of {@code vni}. */
    static MessageVector forSend(Arena arena, int count, int remoteIpv4, int remotePort, int vni) {
        MessageVector v = new MessageVector(arena, count, false);
        UdpSocket.writeSockaddr(v.names, remoteIpv4, remotePort);
        VxlanHeaderDescriptor.write(v.headers, 0, vni);
        return v;
    }

    /** Points message {@code i}'s frame entry at a pool buffer. */
    void setFrame(int i, long address, int length) {
        long iov = i * IOV_PAIR + MmsgLayout.IOVEC_SIZE;
        iovs.set(JAVA_LONG, iov + MmsgLayout.IOV_BASE, address);
        iovs.set(JAVA_LONG, iov + MmsgLayout.IOV_LEN, length);
    }

    /** Receive only: restores what the kernel overwrote in message {@code i} during the last call. */
    void rearm(int i) {
        long m = i * MmsgLayout.MMSGHDR_SIZE;
        msgs.set(JAVA_INT, m + MmsgLayout.MSG_NAMELEN, MmsgLayout.SOCKADDR_IN_SIZE);
        msgs.set(JAVA_INT, m + MmsgLayout.MSG_FLAGS, 0);
    }

    /** Bytes of message {@code i}'s datagram that were received (header included). */
    int length(int i) {
        return msgs.get(JAVA_INT, i * MmsgLayout.MMSGHDR_SIZE + MmsgLayout.MSG_LEN);
    }

    /** Message {@code i}'s output flags ({@link MmsgLayout#MSG_TRUNC}). */
    int flags(int i) {
        return msgs.get(JAVA_INT, i * MmsgLayout.MMSGHDR_SIZE + MmsgLayout.MSG_FLAGS);
    }

    /** Receive only: the outer IPv4 source of message {@code i}, big-endian. */
    int sourceIpv4(int i) {
        return names.get(UdpSocket.ADDR, (long) i * MmsgLayout.SOCKADDR_IN_SIZE + MmsgLayout.SIN_ADDR);
    }

    /** Receive only: the VXLAN header word at {@code offset} (0 or 4) of message {@code i}. */
    int headerWord(int i, int offset) {
        return headers.get(VxlanHeaderDescriptor.WORD, (long) i * VxlanHeaderDescriptor.LENGTH + offset);
    }
}

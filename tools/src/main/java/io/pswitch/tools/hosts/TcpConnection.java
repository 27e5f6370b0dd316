package io.pswitch.tools.hosts;

import static io.pswitch.tools.hosts.HostFrames.TCP_ACK;
import static io.pswitch.tools.hosts.HostFrames.TCP_FIN;
import static io.pswitch.tools.hosts.HostFrames.TCP_PSH;
import static io.pswitch.tools.hosts.HostFrames.TCP_SYN;

import java.lang.foreign.MemorySegment;

/**
 * One TCP-like connection of a {@link SimulatedHost}: real header formats and checksums, a
 * three-way handshake, a fixed send window with cumulative ACKs and go-back-N retransmission on
 * timeout, in-order delivery only (out-of-order segments are dropped and re-ACKed), FIN close.
 * No congestion control, options or urgent data: enough to prove a switch carries a byte stream
 * intact and in order.
 */
final class TcpConnection {
    enum State { ARP_WAIT, SYN_SENT, SYN_RCVD, ESTABLISHED, FIN_WAIT, LAST_ACK, CLOSED }

    static final int MSS = 1400;
    static final int WINDOW_SEGMENTS = 16;
    static final long RTO_NS = 200_000_000L;

    private final SimulatedHost host;
    final boolean active;
    final int localPort;
    final int remoteIp;
    int remotePort;
    State state;

    // Sender: data to send (active side only), sequence space relative to iss.
    private final byte[] data;
    private final int iss;
    private int sndUna;
    private int sndNxt;
    private long rtoAtNs;
    private boolean finSent;

    // Receiver.
    private int rcvNxt;
    private final byte[] received;
    private long bytesReceived;
    private boolean peerFin;

    private TcpConnection(SimulatedHost host, boolean active, int localPort, int remoteIp, int remotePort, byte[] data,
            int receiveCapacity, int iss) {
        this.host = host;
        this.active = active;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.data = data;
        this.received = new byte[receiveCapacity];
        this.iss = iss;
        this.sndUna = iss;
        this.sndNxt = iss;
    }

    static TcpConnection connect(SimulatedHost host, int localPort, int remoteIp, int remotePort, byte[] data, int iss) {
        TcpConnection c = new TcpConnection(host, true, localPort, remoteIp, remotePort, data, 0, iss);
        c.state = State.ARP_WAIT;
        return c;
    }

    static TcpConnection listen(SimulatedHost host, int localPort, int receiveCapacity, int iss) {
        TcpConnection c = new TcpConnection(host, false, localPort, 0, 0, new byte[0], receiveCapacity, iss);
        c.state = State.CLOSED;
        return c;
    }

    boolean complete() {
        return state == State.CLOSED && (active ? finSent : peerFin);
    }

    long bytesReceived() {
        return bytesReceived;
    }

    byte[] receivedData() {
        return java.util.Arrays.copyOf(received, (int) Math.min(bytesReceived, received.length));
    }

    /** Bytes of our data acknowledged by the peer. */
    long bytesAcked() {
        return active ? Math.max(0, Math.min(data.length, sndUna - iss - 1)) : 0;
    }

    private int peerIp;

    int peerIp() {
        return active ? remoteIp : peerIp;
    }

    /** Timers and sending, once per host poll. */
    void tick(long nowNs) {
        switch (state) {
            case ARP_WAIT -> {
                if (host.macOf(remoteIp) >= 0) {
                    state = State.SYN_SENT;
                    sndNxt = iss + 1;
                    send(iss, TCP_SYN, 0, 0, nowNs);
                } else {
                    host.resolve(remoteIp, nowNs);
                }
            }
            case SYN_SENT -> {
                if (nowNs >= rtoAtNs) {
                    send(iss, TCP_SYN, 0, 0, nowNs);
                }
            }
            case SYN_RCVD -> {
                if (nowNs >= rtoAtNs) {
                    send(iss, TCP_SYN | TCP_ACK, 0, 0, nowNs);
                }
            }
            case ESTABLISHED, FIN_WAIT -> {
                if (active) {
                    pushData(nowNs);
                }
            }
            case LAST_ACK -> {
                if (nowNs >= rtoAtNs) {
                    send(sndNxt - 1, TCP_FIN | TCP_ACK, 0, 0, nowNs);
                }
            }
            case CLOSED -> {
            }
        }
    }

    private void pushData(long nowNs) {
        int end = iss + 1 + data.length;
        if (sndUna != sndNxt && nowNs >= rtoAtNs) {
            sndNxt = sndUna; // go-back-N: resend everything not yet acknowledged
            if (finSent && sndUna - end <= 0) {
                finSent = false; // the FIN (at sequence number end) is unacknowledged too
                state = State.ESTABLISHED;
            }
        }
        while (sndNxt - end < 0 && sndNxt - sndUna < WINDOW_SEGMENTS * MSS) {
            int offset = sndNxt - iss - 1;
            int len = Math.min(MSS, data.length - offset);
            if (!send(sndNxt, TCP_ACK | TCP_PSH, offset, len, nowNs)) {
                return; // ring full: try again next poll
            }
            sndNxt += len;
        }
        if (!finSent && sndNxt == end && sndUna == end) {
            if (send(end, TCP_FIN | TCP_ACK, 0, 0, nowNs)) {
                finSent = true;
                sndNxt = end + 1;
                state = State.FIN_WAIT;
            }
        }
    }

    private boolean send(int seq, int flags, int dataOffset, int len, long nowNs) {
        boolean sent = host.sendTcp(peerIp(), localPort, remotePort, seq, rcvNxt, flags, data, dataOffset, len);
        if (sent && ((flags & (TCP_SYN | TCP_FIN)) != 0 || len > 0)) {
            rtoAtNs = nowNs + RTO_NS;
        }
        return sent;
    }

    private void ack(long nowNs) {
        host.sendTcp(peerIp(), localPort, remotePort, sndNxt, rcvNxt, TCP_ACK, data, 0, 0);
    }

    /** A segment for this connection arrived; {@code payload} is the offset of its data in {@code f}. */
    void onSegment(int srcIp, int srcPort, int seq, int ackNo, int flags, MemorySegment f, long payload, int len, long nowNs) {
        if (!active && state == State.CLOSED && !peerFin) {
            if ((flags & TCP_SYN) == 0) {
                return;
            }
            peerIp = srcIp;
            remotePort = srcPort;
            rcvNxt = seq + 1;
            sndNxt = iss + 1;
            sndUna = iss;
            state = State.SYN_RCVD;
            send(iss, TCP_SYN | TCP_ACK, 0, 0, nowNs);
            return;
        }
        if (srcIp != peerIp() || srcPort != remotePort) {
            return;
        }
        if ((flags & TCP_SYN) != 0) {
            if (state == State.SYN_SENT && (flags & TCP_ACK) != 0 && ackNo == iss + 1) {
                rcvNxt = seq + 1;
                sndUna = iss + 1;
                state = State.ESTABLISHED;
                ack(nowNs);
                pushData(nowNs);
            } else if (state == State.SYN_RCVD) {
                send(iss, TCP_SYN | TCP_ACK, 0, 0, nowNs);
            } else {
                ack(nowNs); // a duplicate SYN-ACK: our ACK was lost
            }
            return;
        }
        if ((flags & TCP_ACK) != 0 && ackNo - sndUna > 0 && ackNo - sndNxt <= 0) {
            sndUna = ackNo;
            rtoAtNs = nowNs + RTO_NS;
            if (state == State.SYN_RCVD) {
                state = State.ESTABLISHED;
            } else if (state == State.LAST_ACK && sndUna == sndNxt) {
                state = State.CLOSED;
            }
        }
        if (len > 0) {
            if (seq == rcvNxt && (state == State.ESTABLISHED || state == State.SYN_RCVD)) {
                int room = (int) Math.max(0, Math.min(len, received.length - bytesReceived));
                MemorySegment.copy(f, java.lang.foreign.ValueLayout.JAVA_BYTE, payload, received, (int) bytesReceived, room);
                bytesReceived += len;
                rcvNxt += len;
            }
            ack(nowNs); // in order or not, tell the sender what we expect next
        }
        if ((flags & TCP_FIN) != 0) {
            // The FIN takes the sequence number after the segment's data; accept it only in order.
            if (!peerFin && seq + len == rcvNxt) {
                rcvNxt++;
                peerFin = true;
                if (active) {
                    ack(nowNs);
                    state = State.CLOSED;
                } else {
                    sndNxt = sndNxt + 1;
                    state = State.LAST_ACK;
                    send(sndNxt - 1, TCP_FIN | TCP_ACK, 0, 0, nowNs);
                }
            } else if (peerFin) {
                ack(nowNs); // a retransmitted FIN: our ACK was lost
            }
        }
        if (active && state == State.FIN_WAIT && peerFin && sndUna == sndNxt) {
            state = State.CLOSED;
        }
    }
}

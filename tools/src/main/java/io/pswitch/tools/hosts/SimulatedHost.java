package io.pswitch.tools.hosts;

import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.tools.wire.MacAddress;
import io.pswitch.tools.wire.Wire;
import java.lang.foreign.MemorySegment;

/**
 * A host with one MAC and one IPv4 address on a shm port: answers ARP requests for its address and
 * ICMP echo requests, resolves peers with ARP who-has, pings a peer (counting replies and round-trip
 * times), and runs one outgoing and one listening {@link TcpConnection}.
 *
 * <p>No threads of its own: everything happens in {@link #poll(long)}, so a demo can drive many
 * hosts from one loop. Sending uses one scratch frame; nothing is allocated per frame.
 */
public final class SimulatedHost {
    private static final int BATCH = 32;
    private static final long ARP_RETRY_NS = 100_000_000L;
    private static final int PING_DATA = 56;
    private static final int L2 = Wire.ETHER_HEADER;
    private static final int L3 = L2 + Wire.IPV4_HEADER;

    private final String name;
    private final ShmEndpoint port;
    private final long mac;
    private final int ip;
    private final ArpTable arp = new ArpTable(64);
    private final byte[] scratchBytes = new byte[2048];
    private final MemorySegment scratch = MemorySegment.ofArray(scratchBytes);
    private int ipId;
    private long nextArpNs;

    private int pingTarget;
    private int pingRemaining;
    private long pingIntervalNs;
    private long nextPingNs;
    private int pingSeq;
    private final int pingId;
    private long pingsSent;
    private long pingReplies;
    private long rttSumNs;
    private long rttMinNs = Long.MAX_VALUE;
    private long rttMaxNs;

    private TcpConnection client;
    private TcpConnection server;

    private long arpRepliesSent;
    private long echoRepliesSent;
    private long badChecksums;
    private long framesIgnored;

    public SimulatedHost(String name, ShmEndpoint port, long mac, int ip) {
        if (MacAddress.isGroup(mac)) {
            throw new IllegalArgumentException("host " + name + ": MAC " + MacAddress.format(mac) + " is a group address");
        }
        this.name = name;
        this.port = port;
        this.mac = mac;
        this.ip = ip;
        this.pingId = (int) (mac & 0xffff);
    }

    public String name() {
        return name;
    }

    public long mac() {
        return mac;
    }

    public int ip() {
        return ip;
    }

    /** One round with the current monotonic time. */
    public int poll() {
        return poll(System.nanoTime());
    }

    /** Handles arrived frames, then timers (ARP retries, pings, TCP). Returns frames handled. */
    public int poll(long nowNs) {
        int n = port.poll(BATCH);
        MemorySegment s = port.segment();
        for (int i = 0; i < n; i++) {
            handle(s, port.frameOffset(i), port.storedLength(i), nowNs);
        }
        port.release(n);
        if (pingRemaining > 0 && nowNs >= nextPingNs) {
            sendPing(nowNs);
        }
        if (client != null) {
            client.tick(nowNs);
        }
        if (server != null) {
            server.tick(nowNs);
        }
        return n;
    }

    // ---- ARP ----

    /** The MAC learnt for {@code ip}, or -1. */
    public long macOf(int peerIp) {
        return arp.lookup(peerIp);
    }

    /** Sends an ARP who-has for {@code peerIp} unless it is known or a request went out recently. */
    public void resolve(int peerIp, long nowNs) {
        if (arp.lookup(peerIp) >= 0 || nowNs < nextArpNs) {
            return;
        }
        int len = HostFrames.arp(scratch, HostFrames.ARP_REQUEST, mac, ip, 0, peerIp, MacAddress.BROADCAST);
        if (port.send(scratchBytes, 0, len)) {
            nextArpNs = nowNs + ARP_RETRY_NS;
        }
    }

    private void handle(MemorySegment s, long f, int len, long nowNs) {
        if (len < L2) {
            framesIgnored++;
            return;
        }
        long dst = Wire.mac(s, f);
        if (dst != mac && dst != MacAddress.BROADCAST) {
            framesIgnored++; // flooded to us, meant for someone else
            return;
        }
        int type = Wire.u16(s, f + 12);
        if (type == Wire.ETHERTYPE_ARP && len >= L2 + 28) {
            handleArp(s, f + L2, nowNs);
        } else if (type == Wire.ETHERTYPE_IPV4 && len >= L3) {
            handleIpv4(s, f, len, nowNs);
        } else {
            framesIgnored++;
        }
    }

    private void handleArp(MemorySegment s, long a, long nowNs) {
        int op = Wire.u16(s, a + 6);
        long senderMac = Wire.mac(s, a + 8);
        int senderIp = Wire.u32(s, a + 14);
        int targetIp = Wire.u32(s, a + 24);
        if (op == HostFrames.ARP_REQUEST && targetIp == ip) {
            arp.put(senderIp, senderMac); // RFC 826: the asker will talk to us next
            int out = HostFrames.arp(scratch, HostFrames.ARP_REPLY, mac, ip, senderMac, senderIp, senderMac);
            if (port.send(scratchBytes, 0, out)) {
                arpRepliesSent++;
            }
        } else if (op == HostFrames.ARP_REPLY && targetIp == ip) {
            arp.put(senderIp, senderMac);
        }
    }

    private void handleIpv4(MemorySegment s, long f, int len, long nowNs) {
        long iph = f + L2;
        int ihl = (Wire.u8(s, iph) & 0x0f) * 4;
        int total = Wire.u16(s, iph + 2);
        if ((Wire.u8(s, iph) >>> 4) != 4 || ihl < Wire.IPV4_HEADER || total < ihl || L2 + total > len) {
            framesIgnored++;
            return;
        }
        if (Wire.checksum(s, iph, ihl) != 0) {
            badChecksums++;
            return;
        }
        if (Wire.u32(s, iph + 16) != ip) {
            framesIgnored++;
            return;
        }
        int srcIp = Wire.u32(s, iph + 12);
        int proto = Wire.u8(s, iph + 9);
        long l4 = iph + ihl;
        int l4len = total - ihl;
        if (proto == Wire.PROTO_ICMP && l4len >= Wire.ICMP_HEADER) {
            handleIcmp(s, f, l4, l4len, srcIp, nowNs);
        } else if (proto == Wire.PROTO_TCP && l4len >= Wire.TCP_HEADER) {
            handleTcp(s, l4, l4len, srcIp, nowNs);
        } else {
            framesIgnored++;
        }
    }

    // ---- ICMP echo ----

    private void handleIcmp(MemorySegment s, long f, long icmp, int icmpLen, int srcIp, long nowNs) {
        if (Wire.checksum(s, icmp, icmpLen) != 0) {
            badChecksums++;
            return;
        }
        int type = Wire.u8(s, icmp);
        int id = Wire.u16(s, icmp + 4);
        int seq = Wire.u16(s, icmp + 6);
        int dataLen = icmpLen - Wire.ICMP_HEADER;
        if (type == HostFrames.ICMP_ECHO_REQUEST && L3 + Wire.ICMP_HEADER + dataLen <= scratchBytes.length) {
            MemorySegment.copy(s, icmp + Wire.ICMP_HEADER, scratch, L3 + Wire.ICMP_HEADER, dataLen);
            int out = HostFrames.icmpEcho(scratch, HostFrames.ICMP_ECHO_REPLY, mac, ip, Wire.mac(s, f + 6), srcIp, id, seq, dataLen,
                    ipId++);
            if (port.send(scratchBytes, 0, out)) {
                echoRepliesSent++;
            }
        } else if (type == HostFrames.ICMP_ECHO_REPLY && id == pingId && srcIp == pingTarget && dataLen >= 8) {
            long rtt = nowNs - s.get(Wire.U64, icmp + Wire.ICMP_HEADER);
            pingReplies++;
            rttSumNs += rtt;
            rttMinNs = Math.min(rttMinNs, rtt);
            rttMaxNs = Math.max(rttMaxNs, rtt);
        }
    }

    /** Starts pinging {@code target}: {@code count} echo requests {@code intervalNs} apart (ARP first if needed). */
    public void ping(int target, int count, long intervalNs) {
        pingTarget = target;
        pingRemaining = count;
        pingIntervalNs = intervalNs;
        nextPingNs = 0;
    }

    private void sendPing(long nowNs) {
        long dstMac = arp.lookup(pingTarget);
        if (dstMac < 0) {
            resolve(pingTarget, nowNs);
            return;
        }
        long data = L3 + Wire.ICMP_HEADER;
        scratch.set(Wire.U64, data, nowNs); // our own clock comes back in the reply: RTT needs no state per ping
        for (int i = 8; i < PING_DATA; i++) {
            Wire.u8(scratch, data + i, i);
        }
        int len = HostFrames.icmpEcho(scratch, HostFrames.ICMP_ECHO_REQUEST, mac, ip, dstMac, pingTarget, pingId, pingSeq & 0xffff,
                PING_DATA, ipId++);
        if (port.send(scratchBytes, 0, len)) {
            pingSeq++;
            pingsSent++;
            pingRemaining--;
            nextPingNs = nowNs + pingIntervalNs;
        }
    }

    public long pingsSent() {
        return pingsSent;
    }

    public long pingReplies() {
        return pingReplies;
    }

    public long rttMinNs() {
        return pingReplies == 0 ? 0 : rttMinNs;
    }

    public long rttAvgNs() {
        return pingReplies == 0 ? 0 : rttSumNs / pingReplies;
    }

    public long rttMaxNs() {
        return rttMaxNs;
    }

    // ---- TCP ----

    /** Accepts one connection on {@code localPort}, keeping up to {@code capacity} received bytes. */
    public void listen(int localPort, int capacity) {
        server = TcpConnection.listen(this, localPort, capacity, 0x10000000 ^ ip);
    }

    /** Connects to {@code peerIp:peerPort}, sends {@code data}, then closes. */
    public void connect(int peerIp, int peerPort, byte[] data) {
        client = TcpConnection.connect(this, 40000 + (ipId & 0x0fff), peerIp, peerPort, data.clone(), 0x20000000 ^ ip);
    }

    private void handleTcp(MemorySegment s, long tcp, int tcpLen, int srcIp, long nowNs) {
        long sum = Wire.pseudoHeaderSum(srcIp, ip, Wire.PROTO_TCP, tcpLen);
        if (Wire.fold(Wire.sum(s, tcp, tcpLen, sum)) != 0) {
            badChecksums++;
            return;
        }
        int srcPort = Wire.u16(s, tcp);
        int dstPort = Wire.u16(s, tcp + 2);
        int seq = Wire.u32(s, tcp + 4);
        int ack = Wire.u32(s, tcp + 8);
        int offFlags = Wire.u16(s, tcp + 12);
        int dataOffset = (offFlags >>> 12) * 4;
        if (dataOffset < Wire.TCP_HEADER || dataOffset > tcpLen) {
            framesIgnored++;
            return;
        }
        TcpConnection c = server != null && dstPort == server.localPort ? server
                : client != null && dstPort == client.localPort ? client : null;
        if (c == null) {
            framesIgnored++;
            return;
        }
        c.onSegment(srcIp, srcPort, seq, ack, offFlags & 0x3f, s, tcp + dataOffset, tcpLen - dataOffset, nowNs);
    }

    /** Called by a connection: builds and sends one segment; false when the peer's MAC is unknown or the ring is full. */
    boolean sendTcp(int dstIp, int srcPort, int dstPort, int seq, int ack, int flags, byte[] data, int offset, int len) {
        long dstMac = arp.lookup(dstIp);
        if (dstMac < 0) {
            return false;
        }
        if (len > 0) {
            MemorySegment.copy(data, offset, scratch, java.lang.foreign.ValueLayout.JAVA_BYTE, L3 + Wire.TCP_HEADER, len);
        }
        int out = HostFrames.tcp(scratch, mac, ip, dstMac, dstIp, srcPort, dstPort, seq, ack, flags, 65535, len, ipId++);
        return port.send(scratchBytes, 0, out);
    }

    /** Whether the outgoing connection delivered everything and closed. */
    public boolean tcpSendComplete() {
        return client != null && client.complete();
    }

    /** Whether the listening connection received a whole stream up to its FIN. */
    public boolean tcpReceiveComplete() {
        return server != null && server.complete();
    }

    /** Bytes received in order on the listening connection. */
    public long tcpBytesReceived() {
        return server == null ? 0 : server.bytesReceived();
    }

    /** A copy of what the listening connection received (up to its capacity). */
    public byte[] tcpReceivedData() {
        return server == null ? new byte[0] : server.receivedData();
    }

    /** Bytes of the outgoing stream the peer acknowledged. */
    public long tcpBytesAcked() {
        return client == null ? 0 : client.bytesAcked();
    }

    public long arpRepliesSent() {
        return arpRepliesSent;
    }

    public long echoRepliesSent() {
        return echoRepliesSent;
    }

    public long badChecksums() {
        return badChecksums;
    }

    public long framesIgnored() {
        return framesIgnored;
    }

    @Override
    public String toString() {
        return "SimulatedHost[" + name + " " + MacAddress.format(mac) + " " + io.pswitch.tools.wire.Ipv4Address.format(ip) + "]";
    }
}

package io.pswitch.tools.testpcaps;

import static io.pswitch.tools.testpcaps.FrameBuilder.*;

import io.pswitch.pktlog.pcap.PcapWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes the project's own test captures (nanosecond pcap, Ethernet) into a folder, by default
 * {@code test-pcaps/}. Everything is fixed (addresses, timestamps, payload patterns, random seeds),
 * so regenerating gives byte-identical files; a test checks the committed files against a fresh run.
 *
 * <p>Run (with a JDK 25 {@code java}): {@code mvn -q -pl tools -am compile && java -cp pktlog/target/classes:tools/target/classes
 * io.pswitch.tools.testpcaps.TestPcapGenerator test-pcaps}
 */
public final class TestPcapGenerator {
    /** 2023-11-14T22:13:20Z: the first frame of every capture. */
    public static final long BASE_TIME_NS = 1_700_000_000_000_000_000L;
    /** Frames are 1 ms apart (and the timestamps carry a nanosecond part to prove the precision). */
    public static final long FRAME_SPACING_NS = 1_000_001L;

    static final byte[] MAC_A = mac("02:00:00:00:00:0a");
    static final byte[] MAC_B = mac("02:00:00:00:00:0b");
    static final byte[] MAC_C = mac("02:00:00:00:00:0c");
    static final byte[] IP_A = ip("192.0.2.10");
    static final byte[] IP_B = ip("192.0.2.11");
    static final byte[] IP_C = ip("192.0.2.12");
    static final byte[] IP6_A = ip("2001:db8::a");
    static final byte[] IP6_B = ip("2001:db8::b");

    private TestPcapGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "test-pcaps");
        Map<String, List<byte[]>> captures = captures();
        write(out, captures);
        for (Map.Entry<String, List<byte[]>> e : captures.entrySet()) {
            System.out.println(out.resolve(e.getKey()) + ": " + e.getValue().size() + " frames");
        }
    }

    /** Writes every capture into {@code dir} (created if needed). */
    public static void write(Path dir, Map<String, List<byte[]>> captures) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, List<byte[]>> e : captures.entrySet()) {
            try (PcapWriter w = PcapWriter.create(dir.resolve(e.getKey()))) {
                long ts = BASE_TIME_NS;
                for (byte[] frame : e.getValue()) {
                    w.write(ts, frame);
                    ts += FRAME_SPACING_NS;
                }
            }
        }
    }

    /** The captures by file name, in a fixed order. */
    public static Map<String, List<byte[]>> captures() {
        Map<String, List<byte[]>> m = new LinkedHashMap<>();
        m.put("arp.pcap", arp());
        m.put("icmp.pcap", icmp());
        m.put("tcp.pcap", tcp());
        m.put("udp.pcap", udp());
        m.put("ipv6.pcap", ipv6());
        m.put("vlan.pcap", vlan());
        m.put("qinq.pcap", qinq());
        m.put("ipv4-fragments.pcap", fragments());
        m.put("jumbo.pcap", jumbo());
        m.put("runts.pcap", runts());
        m.put("malformed.pcap", malformed());
        return m;
    }

    static List<byte[]> arp() {
        return List.of(
                ethernet(BROADCAST, MAC_A).arp(ARP_REQUEST, MAC_A, IP_A, ZERO_MAC, IP_B).build(),
                ethernet(MAC_A, MAC_B).arp(ARP_REPLY, MAC_B, IP_B, MAC_A, IP_A).build(),
                // Gratuitous ARP: sender and target address are the same.
                ethernet(BROADCAST, MAC_C).arp(ARP_REQUEST, MAC_C, IP_C, ZERO_MAC, IP_C).build());
    }

    static List<byte[]> icmp() {
        List<byte[]> l = new ArrayList<>();
        for (int seq = 1; seq <= 2; seq++) {
            l.add(ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B, 64, 0x100 + seq).icmpEcho(true, 0x4242, seq).payload(56).build());
            l.add(ethernet(MAC_A, MAC_B).ipv4(IP_B, IP_A, 64, 0x200 + seq).icmpEcho(false, 0x4242, seq).payload(56).build());
        }
        return l;
    }

    static List<byte[]> tcp() {
        int c = 40000;
        int s = 80;
        long cs = 1_000_000L;
        long ss = 5_000_000L;
        byte[] request = "GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: pswitch-test\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] response = new byte[1460];
        new Random(7).nextBytes(response);
        List<byte[]> l = new ArrayList<>();
        l.add(toServer().tcp(c, s, cs, 0, TCP_SYN, 64240).build());
        l.add(toClient().tcp(s, c, ss, cs + 1, TCP_SYN | TCP_ACK, 65160).build());
        l.add(toServer().tcp(c, s, cs + 1, ss + 1, TCP_ACK, 502).build());
        l.add(toServer().tcp(c, s, cs + 1, ss + 1, TCP_PSH | TCP_ACK, 502).payload(request).build());
        l.add(toClient().tcp(s, c, ss + 1, cs + 1 + request.length, TCP_ACK, 509).build());
        l.add(toClient().tcp(s, c, ss + 1, cs + 1 + request.length, TCP_PSH | TCP_ACK, 509).payload(response).build());
        l.add(toServer().tcp(c, s, cs + 1 + request.length, ss + 1 + 1460, TCP_ACK, 501).build());
        l.add(toServer().tcp(c, s, cs + 1 + request.length, ss + 1 + 1460, TCP_FIN | TCP_ACK, 501).build());
        l.add(toClient().tcp(s, c, ss + 1 + 1460, cs + 2 + request.length, TCP_FIN | TCP_ACK, 509).build());
        l.add(toServer().tcp(c, s, cs + 2 + request.length, ss + 2 + 1460, TCP_ACK, 501).build());
        return l;
    }

    private static FrameBuilder toServer() {
        return ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B);
    }

    private static FrameBuilder toClient() {
        return ethernet(MAC_A, MAC_B).ipv4(IP_B, IP_A);
    }

    static List<byte[]> udp() {
        byte[] query = dnsQuery();
        return List.of(
                ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).udp(53000, 53).payload(query).build(),
                ethernet(MAC_A, MAC_B).ipv4(IP_B, IP_A).udp(53, 53000).payload(dnsResponse(query)).build(),
                // The largest datagram a 1500-byte MTU carries unfragmented: a 1514-byte frame.
                ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).udp(5001, 5001).payload(1472).build(),
                // A limited broadcast to the discard port.
                ethernet(BROADCAST, MAC_C).ipv4(IP_C, ip("255.255.255.255")).udp(9, 9).payload(300).build());
    }

    private static byte[] dnsQuery() {
        return new byte[] {
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
            0, 1, 0, 1
        };
    }

    private static byte[] dnsResponse(byte[] query) {
        byte[] r = Arrays.copyOf(query, query.length + 16);
        r[2] = (byte) 0x81;
        r[3] = (byte) 0x80;
        r[7] = 1;
        byte[] answer = {(byte) 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, (byte) 192, 0, 2, 99};
        System.arraycopy(answer, 0, r, query.length, answer.length);
        return r;
    }

    static List<byte[]> ipv6() {
        byte[] solicitedNode = ip("ff02::1:ff00:b");
        byte[] nsBody = new byte[16 + 8];
        System.arraycopy(IP6_B, 0, nsBody, 0, 16);
        nsBody[16] = 1; // source link-layer address option
        nsBody[17] = 1;
        System.arraycopy(MAC_A, 0, nsBody, 18, 6);
        byte[] naBody = new byte[16 + 8];
        System.arraycopy(IP6_B, 0, naBody, 0, 16);
        naBody[16] = 2; // target link-layer address option
        naBody[17] = 1;
        System.arraycopy(MAC_B, 0, naBody, 18, 6);
        return List.of(
                ethernet(solicitedNodeMac(IP6_B), MAC_A).ipv6(IP6_A, solicitedNode, 255).icmpv6(135, 0, 0).payload(nsBody).build(),
                // Flags: solicited + override.
                ethernet(MAC_A, MAC_B).ipv6(IP6_B, IP6_A, 255).icmpv6(136, 0, 0x60000000).payload(naBody).build(),
                ethernet(MAC_B, MAC_A).ipv6(IP6_A, IP6_B).icmpv6Echo(true, 0x77, 1).payload(56).build(),
                ethernet(MAC_A, MAC_B).ipv6(IP6_B, IP6_A).icmpv6Echo(false, 0x77, 1).payload(56).build(),
                ethernet(MAC_B, MAC_A).ipv6(IP6_A, IP6_B).udp(40001, 9999).payload(100).build());
    }

    static List<byte[]> vlan() {
        return List.of(
                ethernet(BROADCAST, MAC_A).vlan(10).arp(ARP_REQUEST, MAC_A, IP_A, ZERO_MAC, IP_B).build(),
                ethernet(MAC_B, MAC_A).vlan(ETHERTYPE_VLAN, 3, 20).ipv4(IP_A, IP_B).icmpEcho(true, 1, 1).payload(56).build(),
                // Priority-tagged: VLAN id 0, priority 5 (the frame belongs to the port's native VLAN).
                ethernet(MAC_B, MAC_A).vlan(ETHERTYPE_VLAN, 5, 0).ipv4(IP_A, IP_B).udp(5004, 5004).payload(160).build(),
                ethernet(MAC_A, MAC_B).vlan(4094).ipv6(IP6_B, IP6_A).icmpv6Echo(true, 2, 1).payload(32).build());
    }

    static List<byte[]> qinq() {
        return List.of(
                ethernet(BROADCAST, MAC_A).vlan(ETHERTYPE_QINQ, 0, 100).vlan(10).arp(ARP_REQUEST, MAC_A, IP_A, ZERO_MAC, IP_B).build(),
                ethernet(MAC_B, MAC_A).vlan(ETHERTYPE_QINQ, 0, 100).vlan(10).ipv4(IP_A, IP_B).icmpEcho(true, 3, 1).payload(56).build(),
                ethernet(MAC_A, MAC_B).vlan(ETHERTYPE_QINQ, 0, 100).vlan(10).ipv4(IP_B, IP_A).icmpEcho(false, 3, 1).payload(56).build(),
                // Legacy stacking: two 0x8100 tags.
                ethernet(MAC_B, MAC_A).vlan(200).vlan(20).ipv4(IP_A, IP_B).udp(7, 7).payload(64).build());
    }

    /** One 3000-byte UDP datagram in three fragments of at most 1480 bytes of IP payload. */
    static List<byte[]> fragments() {
        byte[] whole = ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).udp(6000, 6001).payload(2992).build();
        byte[] datagram = Arrays.copyOfRange(whole, 14 + 20, whole.length);
        List<byte[]> l = new ArrayList<>();
        int id = 0xabcd;
        for (int off = 0; off < datagram.length; off += 1480) {
            int len = Math.min(1480, datagram.length - off);
            l.add(ethernet(MAC_B, MAC_A).ipv4Fragment(IP_A, IP_B, id, IPPROTO_UDP, off, off + len < datagram.length)
                    .payload(Arrays.copyOfRange(datagram, off, off + len)).build());
        }
        return l;
    }

    static List<byte[]> jumbo() {
        return List.of(
                // A 9000-byte frame.
                ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).udp(9000, 9000).payload(9000 - 14 - 20 - 8).build(),
                // A full 9000-byte MTU TCP segment: a 9014-byte frame.
                ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).tcp(40001, 5201, 1, 1, TCP_ACK, 1024).payload(9000 - 20 - 20).build());
    }

    static List<byte[]> runts() {
        byte[] arp = ethernet(BROADCAST, MAC_A).arp(ARP_REQUEST, MAC_A, IP_A, ZERO_MAC, IP_B).minLength(0).build();
        byte[] header = ethernet(MAC_B, MAC_A, 0x88b5).minLength(0).build();
        return List.of(
                Arrays.copyOf(arp, 1),
                Arrays.copyOf(arp, 8),
                Arrays.copyOf(arp, 13),
                header,
                ethernet(MAC_B, MAC_A, 0x88b5).payload(6).minLength(0).build(),
                arp, // 42 bytes: an ARP request as the sender's stack handed it over, before NIC padding
                ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).udp(1, 2).payload(17).minLength(0).build()); // 59 bytes
    }

    static List<byte[]> malformed() {
        byte[] badIhl = ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).udp(1000, 2000).payload(32).build();
        badIhl[14] = 0x44; // header length 16 bytes: below the 20-byte minimum
        byte[] fullTcp = ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).tcp(40002, 443, 1, 1, TCP_PSH | TCP_ACK, 501).payload(100).build();
        byte[] truncatedTcp = Arrays.copyOf(fullTcp, 14 + 20 + 8); // IP says 140 bytes, TCP header cut after 8
        byte[] badDataOffset = ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).tcp(40003, 443, 1, 1, TCP_ACK, 501).payload(20).build();
        badDataOffset[14 + 20 + 12] = 0x30; // data offset 3 words: below the 5-word minimum
        byte[] longTotalLength = ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B).udp(1000, 2001).payload(40).build();
        longTotalLength[16] = 0x05; // IPv4 total length 0x05xx: far beyond the frame
        return List.of(badIhl, truncatedTcp, badDataOffset, longTotalLength);
    }
}

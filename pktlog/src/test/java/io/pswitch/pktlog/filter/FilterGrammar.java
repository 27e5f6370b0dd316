package io.pswitch.pktlog.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random tcpdump expressions over the fields {@link FrameGenerator} varies (Ethernet addresses and
 * type, VLAN tags, IPv4/IPv6 hosts and nets, protocols, ports, lengths, header bytes), combined with
 * and/or/not, so that a random set of them matches some generated frames and misses others. Also
 * random {@link Filter}s around them: port scopes, snaplens, disabled filters.
 */
final class FilterGrammar {
    private static final String[] MACS = {"00:11:22:33:44:55", "66:77:88:99:aa:bb", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb",
            "02:00:00:00:00:07"};
    private static final String[] HOSTS = {"10.0.0.1", "10.1.2.3", "192.168.1.10", "172.16.0.5", "224.0.0.251", "8.8.8.8"};
    private static final String[] NETS = {"10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "224.0.0.0/4", "10.1.2.0/24"};
    private static final String[] HOSTS6 = {"2001:db8::1", "fe80::1", "ff02::1"};
    private static final String[] PROTOS = {"ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "stp", "llc", "mpls", "pppoes",
            "ip multicast", "ip6 multicast", "ether broadcast", "ether multicast", "vlan"};
    private static final String[] PORT_NAMES = {"p0", "p1", "p2", "p9"};

    private final Random rnd;

    FilterGrammar(long seed) {
        rnd = new Random(seed);
    }

    String expression() {
        return expression(rnd.nextInt(3));
    }

    private String expression(int depth) {
        if (depth == 0) {
            return atom();
        }
        return switch (rnd.nextInt(5)) {
            case 0 -> "not " + paren(expression(depth - 1));
            case 1, 2 -> paren(expression(depth - 1)) + " and " + paren(expression(depth - 1));
            case 3 -> paren(expression(depth - 1)) + " or " + paren(expression(depth - 1));
            default -> atom();
        };
    }

    private static String paren(String e) {
        return "(" + e + ")";
    }

    private String atom() {
        int port = FrameGenerator.PORTS[rnd.nextInt(FrameGenerator.PORTS.length)];
        String dir = new String[]{"", "src ", "dst "}[rnd.nextInt(3)];
        return switch (rnd.nextInt(16)) {
            case 0 -> PROTOS[rnd.nextInt(PROTOS.length)];
            case 1 -> "ether " + dir + "host " + MACS[rnd.nextInt(MACS.length)];
            case 2 -> "vlan " + FrameGenerator.VIDS[rnd.nextInt(FrameGenerator.VIDS.length)];
            case 3 -> dir + "host " + HOSTS[rnd.nextInt(HOSTS.length)];
            case 4 -> dir + "net " + NETS[rnd.nextInt(NETS.length)];
            case 5 -> "ip6 " + dir + "host " + HOSTS6[rnd.nextInt(HOSTS6.length)];
            case 6 -> new String[]{"", "tcp ", "udp "}[rnd.nextInt(3)] + dir + "port " + port;
            case 7 -> "udp " + dir + "port " + port;
            case 8 -> "tcp dst port " + port;
            case 9 -> dir + "portrange " + port + "-" + (port + rnd.nextInt(2000));
            case 10 -> new String[]{"len <= ", "len >= ", "greater ", "less "}[rnd.nextInt(4)] + (14 + rnd.nextInt(200));
            case 11 -> "ip proto " + new int[]{1, 2, 6, 17, 47}[rnd.nextInt(5)];
            case 12 -> new String[]{"ip[6:2] & 0x1fff != 0", "tcp[tcpflags] & tcp-syn != 0", "icmp[icmptype] == icmp-echo",
                    "ip[8] < 64", "ip[0] & 0xf > 5", "ether[12:2] > 0x5dc", "udp[8:4] = 0x12345678"}[rnd.nextInt(7)];
            case 13 -> "ether proto " + new String[]{"0x88cc", "0x0806", "0x86dd", "0x8847"}[rnd.nextInt(4)];
            case 14 -> "icmp6 and ip6[40] == 128";
            default -> (rnd.nextBoolean() ? "tcp" : "udp") + " dst port " + port + " and " + dir + "host "
                    + HOSTS[rnd.nextInt(HOSTS.length)];
        };
    }

    /** {@code count} filters with expressions libpcap compiles, random scopes and snaplens, a few disabled. */
    List<Filter> filters(int count) {
        List<Filter> out = new ArrayList<>();
        while (out.size() < count) {
            String e = expression();
            try {
                PcapCompiler.get().compile(e);
            } catch (FilterSyntaxException notForUs) {
                continue; // e.g. a combination libpcap refuses; the grammar need not know which
            }
            int id = out.size() + 1;
            Set<String> ports = rnd.nextInt(4) == 0 ? Set.of(PORT_NAMES[rnd.nextInt(PORT_NAMES.length)]) : Set.of();
            int snaplen = rnd.nextBoolean() ? 0 : Filter.MIN_SNAPLEN + rnd.nextInt(200);
            out.add(new Filter(id, "f" + id, e, snaplen, ports, rnd.nextInt(20) != 0));
        }
        return out;
    }
}

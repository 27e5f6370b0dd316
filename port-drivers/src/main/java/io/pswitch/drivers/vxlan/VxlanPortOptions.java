package io.pswitch.drivers.vxlan;

import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import java.util.Set;

/**
 * The parsed {@code vxlan:<local-ip>[:<udp-port>][,remote=<ip>[:<port>]][,vni=<n>|any]} spec.
 * Addresses are IPv4 literals (never resolved: a port spec must not wait on DNS), held as
 * big-endian ints.
 *
 * @param localIpv4 the address to bind, 0 for every local address
 * @param localPort the UDP port to bind (0: the kernel picks one)
 * @param remoteIpv4 where sent frames go and the only source accepted; meaningful when {@code hasRemote}
 * @param remotePort the remote's UDP port (the destination of what is sent)
 * @param vni the VNI accepted and sent, or {@link #ANY_VNI}
 */
public record VxlanPortOptions(int localIpv4, int localPort, boolean hasRemote, int remoteIpv4, int remotePort, int vni) {
    public static final int ANY_VNI = -1;
    public static final Set<String> NAMES = Set.of("remote", "vni");

    /** Whether frames the switch sends on the port leave it: only with a remote and one VNI. */
    public boolean transmits() {
        return hasRemote && vni != ANY_VNI;
    }

    /**
     * Parses a spec.
     *
     * @throws PortOpenException one line naming the spec and what is wrong
     */
    public static VxlanPortOptions parse(PortSpec spec) {
        String arg = spec.argument();
        int colon = arg.indexOf(':');
        String host = colon < 0 ? arg : arg.substring(0, colon);
        long local = ipv4(host);
        if (local < 0) {
            throw bad(spec, "bad local address '" + arg + "': give an IPv4 address of this host, e.g. 10.0.0.5 or 10.0.0.5:4789");
        }
        int localIp = (int) local;
        if (isMulticast(localIp) || localIp == -1) {
            throw bad(spec, "bad local address '" + host + "': a multicast or broadcast address is not supported");
        }
        int localPort = VxlanHeaderDescriptor.IANA_PORT;
        if (colon >= 0) {
            localPort = port(arg.substring(colon + 1), 0);
            if (localPort < 0) {
                throw bad(spec, "bad local address '" + arg + "': the UDP port must be 0-65535");
            }
        }
        boolean hasRemote = false;
        int remoteIp = 0;
        int remotePort = VxlanHeaderDescriptor.IANA_PORT;
        String remote = spec.options().get("remote");
        if (remote != null) {
            int rc = remote.indexOf(':');
            String rhost = rc < 0 ? remote : remote.substring(0, rc);
            long r = ipv4(rhost);
            if (r < 0) {
                throw bad(spec, "bad remote '" + remote + "': give an IPv4 address, e.g. remote=10.0.0.7 or remote=10.0.0.7:4789");
            }
            remoteIp = (int) r;
            if (remoteIp == 0 || remoteIp == -1 || isMulticast(remoteIp)) {
                throw bad(spec, "bad remote '" + remote + "': must be one unicast host (no 0.0.0.0, broadcast or multicast group)");
            }
            if (rc >= 0) {
                remotePort = port(remote.substring(rc + 1), 1);
                if (remotePort < 0) {
                    throw bad(spec, "bad remote '" + remote + "': the UDP port must be 1-65535");
                }
            }
            hasRemote = true;
        }
        int vni = ANY_VNI;
        String v = spec.options().get("vni");
        if (v == null && hasRemote) {
            // A remote without a VNI is ambiguous: a tunnel to send on, or a filter on who may send?
            throw bad(spec, "bad vni: remote=" + remote + " needs vni=<n> to send with (or vni=any for a receive-only"
                    + " port that accepts only that source)");
        }
        if (v != null && !"any".equals(v)) {
            vni = vni(v);
            if (vni < 0) {
                throw bad(spec, "bad vni '" + v + "': must be 0-" + VxlanHeaderDescriptor.MAX_VNI + " or 'any'");
            }
        }
        return new VxlanPortOptions(localIp, localPort, hasRemote, remoteIp, remotePort, vni);
    }

    static PortOpenException bad(PortSpec spec, String why) {
        return new PortOpenException("port " + spec.name() + " (" + spec.text() + "): " + why);
    }

    /** A dotted-quad IPv4 literal as a big-endian int in the low 32 bits; -1 when it is not one. */
    static long ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long addr = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return -1;
            }
            int b = 0;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                b = b * 10 + (c - '0');
            }
            if (b > 255) {
                return -1;
            }
            addr = (addr << 8) | b;
        }
        return addr;
    }

    private static boolean isMulticast(int addr) {
        return (addr >>> 28) == 0xE;
    }

    private static int port(String text, int min) {
        int n = digits(text, 5);
        return n >= min && n <= 65535 ? n : -1;
    }

    private static int vni(String text) {
        int n = digits(text, 8);
        return n <= VxlanHeaderDescriptor.MAX_VNI ? n : -1;
    }

    private static int digits(String text, int maxDigits) {
        if (text.isEmpty() || text.length() > maxDigits) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Dotted-quad text of a big-endian IPv4 int. */
    static String text(int addr) {
        return (addr >>> 24) + "." + ((addr >>> 16) & 0xFF) + "." + ((addr >>> 8) & 0xFF) + "." + (addr & 0xFF);
    }
}

package io.pswitch.tools.wire;

/** IPv4 addresses as ints in network order of significance (10.0.0.1 = 0x0A000001). */
public final class Ipv4Address {
    private Ipv4Address() {
    }

    /**
     * Parses dotted-quad text.
     *
     * @throws IllegalArgumentException naming the bad text
     */
    public static int parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
        }
        int ip = 0;
        for (String p : parts) {
            int v;
            try {
                v = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0 || v > 255 || p.length() > 3) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (bad part '" + p + "')");
            }
            ip = (ip << 8) | v;
        }
        return ip;
    }

    public static String format(int ip) {
        return ((ip >>> 24) & 0xff) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
    }
}

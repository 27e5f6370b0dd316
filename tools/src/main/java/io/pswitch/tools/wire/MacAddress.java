package io.pswitch.tools.wire;

import java.util.Locale;

/** MAC addresses as the low 48 bits of a long (no objects on the hot path). */
public final class MacAddress {
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    private static final long MASK = 0xFFFF_FFFF_FFFFL;

    private MacAddress() {
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (or with '-').
     *
     * @throws IllegalArgumentException naming the bad text
     */
    public static long parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected six hex bytes like 02:00:00:00:00:01)");
        }
        long mac = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address (bad byte '" + p + "')");
            }
            try {
                mac = (mac << 8) | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address (bad byte '" + p + "')");
            }
        }
        return mac;
    }

    public static String format(long mac) {
        return String.format(Locale.ROOT, "%02x:%02x:%02x:%02x:%02x:%02x", (mac >>> 40) & 0xff, (mac >>> 32) & 0xff,
                (mac >>> 24) & 0xff, (mac >>> 16) & 0xff, (mac >>> 8) & 0xff, mac & 0xff);
    }

    /** {@code base + n}, wrapping within 48 bits. */
    public static long plus(long base, long n) {
        return (base + n) & MASK;
    }

    public static boolean isGroup(long mac) {
        return ((mac >>> 40) & 1) != 0;
    }
}

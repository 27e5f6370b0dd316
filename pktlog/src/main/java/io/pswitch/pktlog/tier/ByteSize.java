package io.pswitch.pktlog.tier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one grammar for sizes on the command line and in the config: {@code 1000} (bytes),
 * {@code 512K}, {@code 100M}, {@code 20G}, {@code 2T} (powers of 1024; a trailing {@code B} is
 * allowed), and, where a file system is given, {@code 10%} of its size.
 */
public final class ByteSize {
    private ByteSize() {
    }

    /**
     * @param what the option, for the message ({@code --log-size})
     * @throws IllegalArgumentException naming the option and the text
     */
    public static long parse(String what, String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                case 'T' -> unit = 1L << 40;
                default -> unit = 1;
            }
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(digits);
            if (!Double.isFinite(v) || v < 0) {
                throw new NumberFormatException();
            }
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " " + text + " is not a size (e.g. 100M, 20G, 512K)");
        }
    }

    /**
     * Like {@link #parse}, and also {@code N%}: that share of the size of the file system that
     * holds {@code dir} (an operator sizing a flight recorder thinks in shares of the disk).
     */
    public static long parse(String what, String text, Path dir) {
        String t = text.trim();
        if (!t.endsWith("%")) {
            return parse(what, t);
        }
        double pct;
        try {
            pct = Double.parseDouble(t.substring(0, t.length() - 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " " + text + " is not a percentage (e.g. 10%)");
        }
        if (!(pct > 0 && pct <= 100)) {
            throw new IllegalArgumentException(what + " " + text + ": a percentage between 0 and 100");
        }
        try {
            Path existing = dir.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            long total = Files.getFileStore(existing).getTotalSpace();
            return (long) (total * pct / 100);
        } catch (IOException | NullPointerException e) {
            throw new IllegalArgumentException(what + " " + text + ": cannot read the size of the file system of " + dir);
        }
    }
}

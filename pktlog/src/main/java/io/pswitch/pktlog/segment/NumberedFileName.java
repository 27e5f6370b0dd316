package io.pswitch.pktlog.segment;

/**
 * Names of the form {@code <prefix><20 decimal digits><suffix>}: segments on disk and their objects
 * in an archive. Zero-padded so that names sort as their numbers do (a directory listing or an S3
 * listing is then already in log order).
 */
public record NumberedFileName(String prefix, String suffix) {
    private static final int DIGITS = 20;

    public String of(long number) {
        return String.format("%s%020d%s", prefix, number, suffix);
    }

    /** The number in {@code name}, or -1 when it is not a name of this form. */
    public long numberOf(String name) {
        if (!name.startsWith(prefix) || !name.endsWith(suffix) || name.length() != prefix.length() + DIGITS + suffix.length()) {
            return -1;
        }
        for (int i = prefix.length(); i < prefix.length() + DIGITS; i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(name, prefix.length(), prefix.length() + DIGITS, 10);
    }
}

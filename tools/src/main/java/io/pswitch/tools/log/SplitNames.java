package io.pswitch.tools.log;

import java.nio.file.Path;

/** Names of the files of a split export: {@code out.pcap} becomes {@code out-000.pcap}, {@code out-001.pcap}, ... */
final class SplitNames {
    private SplitNames() {
    }

    static Path part(Path output, int n) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        return output.resolveSibling(stem + "-" + String.format("%03d", n) + ext);
    }

    /** Parses {@code 100M}, {@code 1G}, {@code 512k}, {@code 1000} (bytes; K/M/G are powers of 1024). */
    static long parseSize(String text) {
        String t = text.trim().toUpperCase(java.util.Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                default -> unit = 1;
            }
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(digits);
            long bytes = (long) (v * unit);
            if (bytes < 1024 || !Double.isFinite(v)) {
                throw new IllegalArgumentException("--split " + text + ": a part must be at least 1K");
            }
            return bytes;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--split " + text + " is not a size (e.g. 100M, 1G, 512K)");
        }
    }
}

package io.pswitch.pktlog.export;

import java.nio.file.Path;

/** Names of the files of a split export: {@code out.pcap} becomes {@code out-000.pcap}, {@code out-001.pcap}, ... */
public final class SplitNames {
    private SplitNames() {
    }

    public static Path part(Path output, int n) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        return output.resolveSibling(stem + "-" + String.format("%03d", n) + ext);
    }

    /** Parses {@code 100M}, {@code 1G}, {@code 512k}, {@code 1000} (see {@link io.pswitch.pktlog.tier.ByteSize}). */
    public static long parseSize(String text) {
        long bytes = io.pswitch.pktlog.tier.ByteSize.parse("--split", text);
        if (bytes < 1024) {
            throw new IllegalArgumentException("--split " + text + ": a part must be at least 1K");
        }
        return bytes;
    }
}

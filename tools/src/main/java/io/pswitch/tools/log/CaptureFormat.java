package io.pswitch.tools.log;

import java.nio.file.Path;
import java.util.Locale;

/** The export file formats. */
public enum CaptureFormat {
    /** Classic pcap, nanosecond timestamps, one link type, no per-packet metadata. */
    PCAP("pcap"),
    /** pcapng: an interface per switch port (named after it), a comment per packet naming its filters. */
    PCAPNG("pcapng");

    private final String extension;

    CaptureFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** The format an explicit flag asks for, else the one the file name says (.pcapng/.ntar), else pcap. */
    public static CaptureFormat choose(CaptureFormat flag, Path output) {
        if (flag != null) {
            return flag;
        }
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".pcapng") || name.endsWith(".ntar") ? PCAPNG : PCAP;
    }
}

package io.pswitch.pktlog.export;

import java.nio.file.Path;
import java.util.Locale;

/** The export file formats. */
public enum CaptureFormat {
    /** Classic pcap, nanosecond timestamps, one link type, no per-packet metadata. */
    PCAP("pcap", "application/vnd.tcpdump.pcap"),
    /** pcapng: an interface per switch port (named after it), a comment per packet naming its filters. */
    PCAPNG("pcapng", "application/x-pcapng");

    private final String extension;
    private final String contentType;

    CaptureFormat(String extension, String contentType) {
        this.extension = extension;
        this.contentType = contentType;
    }

    /** The media type of an HTTP response carrying the capture. */
    public String contentType() {
        return contentType;
    }

    /** {@code pcap} or {@code pcapng}, any case. */
    public static CaptureFormat parse(String text) {
        for (CaptureFormat f : values()) {
            if (f.extension.equals(text.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("format '" + text + "' is not pcap or pcapng");
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

package io.pswitch.drivers.pcap;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import java.util.Set;

/** Opens live {@code pcap:<interface>[,snaplen=N][,bufsize=BYTES]} ports ({@link PcapLivePort}). */
public final class PcapLivePortFactory implements PortDriverFactory {
    public static final String DRIVER = "pcap";
    /**
     * Without a {@code snaplen} option the snap length is the pool's buffer size + 1: one byte more
     * than a buffer holds is enough to tell that a frame is OVERSIZE, and it keeps libpcap's kernel
     * ring slots small. The kernel sizes each slot by the snap length when the interface has segment
     * offloads, so with 65535 a 4 MiB buffer would hold only ~60 frames.
     */
    static int defaultSnaplen(int bufferSize) {
        return Math.max(MIN_SNAPLEN, Math.min(MAX_SNAPLEN, bufferSize + 1));
    }
    /** Kernel capture buffer unless {@code bufsize} says otherwise: ~1900 frames at a 2 KiB snap length. */
    public static final int DEFAULT_BUFSIZE = 4 << 20;
    private static final int MIN_SNAPLEN = 64;
    private static final int MAX_SNAPLEN = 262144;
    private static final int MIN_BUFSIZE = 64 << 10;

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public String usage() {
        return "pcap:<interface>[,snaplen=N][,bufsize=BYTES]  live interface through libpcap (needs root or CAP_NET_RAW)";
    }

    @Override
    public Set<String> options() {
        return Set.of("snaplen", "bufsize");
    }

    @Override
    public Port open(PortSpec spec, PortContext context) {
        if (!DRIVER.equals(spec.driver())) {
            throw new PortOpenException(spec.name() + ": driver '" + spec.driver() + "' is not " + DRIVER);
        }
        String label = DRIVER + ":" + spec.argument();
        for (String key : spec.options().keySet()) {
            if (!options().contains(key)) {
                throw new PortOpenException(label + ": unknown option '" + key + "' (known: snaplen, bufsize)");
            }
        }
        int snaplen = intOption(spec, label, "snaplen", defaultSnaplen(context.pool().bufferSize()), MIN_SNAPLEN,
                MAX_SNAPLEN);
        int bufsize = intOption(spec, label, "bufsize", DEFAULT_BUFSIZE, MIN_BUFSIZE, Integer.MAX_VALUE);
        LivePcapHandle handle = LivePcapHandle.open(spec.argument(), spec.name(), snaplen, bufsize,
                LivePcapHandle.PCAP_D_IN);
        try {
            return new PcapLivePort(spec, context, handle);
        } catch (RuntimeException e) {
            handle.close();
            throw new PortOpenException(label + ": " + e.getMessage(), e);
        }
    }

    private static int intOption(PortSpec spec, String label, String key, int dflt, int min, int max) {
        String text = spec.options().get(key);
        if (text == null) {
            return dflt;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new PortOpenException(label + ": option " + key + "=" + text + " is not a number");
        }
        if (value < min || value > max) {
            throw new PortOpenException(label + ": option " + key + "=" + text + " must be between " + min + " and " + max);
        }
        return (int) value;
    }
}

package io.pswitch.drivers.pcapfile;

import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import java.nio.file.Path;
import java.util.Set;

/**
 * The options of a {@code pcapfile} port, parsed and checked at open.
 *
 * @param input the capture to replay (pcap or pcapng)
 * @param output where transmitted frames go (nanosecond pcap), or null to count and discard them
 * @param speed 0 for {@code top} (as fast as the ring takes frames), else the replay rate factor:
 *     1 for {@code original}, N for {@code Nx}
 * @param passes how many times the input is replayed; 0 means forever
 */
record PcapFilePortOptions(Path input, Path output, double speed, long passes) {
    static final Set<String> NAMES = Set.of("out", "speed", "loop");

    static PcapFilePortOptions parse(PortSpec spec) {
        for (String key : spec.options().keySet()) {
            if (!NAMES.contains(key)) {
                throw new PortOpenException("port " + spec.name() + ": unknown option '" + key
                        + "' for driver pcapfile (it takes out, speed, loop)");
            }
        }
        Path input = Path.of(spec.argument());
        String out = spec.option("out", null);
        Path output = out == null ? null : Path.of(out);
        if (output != null && output.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize())) {
            throw new PortOpenException("port " + spec.name() + ": out=" + out + " is the input capture itself");
        }
        return new PcapFilePortOptions(input, output, speed(spec), passes(spec));
    }

    private static double speed(PortSpec spec) {
        String s = spec.option("speed", "top");
        if (s.equals("top")) {
            return 0;
        }
        if (s.equals("original")) {
            return 1;
        }
        if (s.endsWith("x")) {
            try {
                double f = Double.parseDouble(s.substring(0, s.length() - 1));
                if (f > 0 && Double.isFinite(f)) {
                    return f;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new PortOpenException("port " + spec.name() + ": speed=" + s
                + " is not top, original or a positive factor such as 2x or 0.5x");
    }

    private static long passes(PortSpec spec) {
        String s = spec.option("loop", "1");
        try {
            long n = Long.parseLong(s);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new PortOpenException("port " + spec.name() + ": loop=" + s
                + " is not a count of passes (1 = play once, N = N times, 0 = forever)");
    }
}

package io.pswitch.drivers.afpacket;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import java.lang.foreign.ValueLayout;
import java.util.Set;

/**
 * Opens {@code afpacket:<interface>[,fanout=<group-id>[:hash|cpu|lb]][,bufsize=BYTES][,rx=v3|v2]}
 * ports ({@link AfPacketPort}).
 */
public final class AfPacketPortFactory implements PortDriverFactory {
    public static final String DRIVER = "afpacket";
    /**
     * Kernel receive ring unless {@code bufsize} says otherwise: 3,840 V2 slots of 2 KiB buffers
     * (about 5,000 full-size frames in V3 blocks). Measured on the veth harness: with 1,024 slots
     * an iperf3 flow overran the ring (about 1,100 kernel drops and as many TCP retransmits in 5 s)
     * whenever the dataplane thread was off its core while a TCP window arrived.
     */
    public static final int DEFAULT_BUFSIZE = 8 << 20;
    /**
     * Bytes per receive block. Small enough that a busy port fills a block (and so hands it over)
     * well before the retire timeout, large enough for a 64 KiB offloaded frame.
     */
    static final int BLOCK_SIZE = 128 << 10;
    private static final int MIN_BUFSIZE = 2 * BLOCK_SIZE;
    private static final int MAX_BUFSIZE = 1 << 30;
    private static final int PACKET_FANOUT_HASH = 0;
    private static final int PACKET_FANOUT_LB = 1;
    private static final int PACKET_FANOUT_CPU = 2;

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public String usage() {
        return "afpacket:<interface>[,fanout=<group-id>[:hash|cpu|lb]][,bufsize=BYTES][,rx=v3|v2]  live interface "
                + "through AF_PACKET rings (needs root or CAP_NET_RAW)";
    }

    @Override
    public Set<String> options() {
        return Set.of("fanout", "bufsize", "rx");
    }

    @Override
    public Port open(PortSpec spec, PortContext context) {
        if (!DRIVER.equals(spec.driver())) {
            throw new PortOpenException(spec.name() + ": driver '" + spec.driver() + "' is not " + DRIVER);
        }
        String label = DRIVER + ":" + spec.argument();
        for (String key : spec.options().keySet()) {
            if (!options().contains(key)) {
                throw new PortOpenException(label + ": unknown option '" + key + "' (known: fanout, bufsize, rx)");
            }
        }
        int fanout = fanout(label, spec.options().get("fanout"));
        long bufsize = bufsize(label, spec.options().get("bufsize"));
        // V2 by default: a V3 block reaches user space only when full or after its 1 ms retire timer, which a
        // lightly loaded port pays on every frame (ping p99); V3 stays an option for bulk capture.
        String rx = spec.option("rx", "v2");
        if (!rx.equals("v3") && !rx.equals("v2")) {
            throw new PortOpenException(label + ": option rx=" + rx + " is not v3 (TPACKET_V3 blocks) or v2 "
                    + "(TPACKET_V2 frames, no block timeout)");
        }
        if (ValueLayout.ADDRESS.byteSize() != 8) {
            throw new PortOpenException(label + ": the afpacket driver needs a 64-bit JVM");
        }
        PacketSocket socket = PacketSocket.open(label, spec.argument(), bufsize, BLOCK_SIZE, context.pool().bufferSize(),
                fanout, context.batch(), rx.equals("v3") ? Libc.TPACKET_V3 : Libc.TPACKET_V2);
        try {
            return new AfPacketPort(spec, context, socket);
        } catch (RuntimeException e) {
            socket.close();
            // The core names the port; this driver's one line names the interface, so take the core's reason.
            Throwable reason = e instanceof PortOpenException && e.getCause() != null ? e.getCause() : e;
            throw new PortOpenException(label + ": " + reason.getMessage(), reason);
        }
    }

    /** {@code PACKET_FANOUT}'s argument for {@code <group-id>[:hash|cpu|lb]}, or -1 when not asked. */
    static int fanout(String label, String text) {
        if (text == null) {
            return -1;
        }
        int colon = text.indexOf(':');
        String id = colon < 0 ? text : text.substring(0, colon);
        String modeName = colon < 0 ? "hash" : text.substring(colon + 1);
        int mode = switch (modeName) {
            case "hash" -> PACKET_FANOUT_HASH;
            case "lb" -> PACKET_FANOUT_LB;
            case "cpu" -> PACKET_FANOUT_CPU;
            default -> throw new PortOpenException(label + ": option fanout=" + text + ": mode '" + modeName
                    + "' is not hash, cpu or lb");
        };
        int group;
        try {
            group = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            group = -1;
        }
        if (group < 0 || group > 0xffff) {
            throw new PortOpenException(label + ": option fanout=" + text + ": the group id must be a number from 0 to 65535");
        }
        return group | mode << 16;
    }

    private static long bufsize(String label, String text) {
        if (text == null) {
            return DEFAULT_BUFSIZE;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new PortOpenException(label + ": option bufsize=" + text + " is not a number");
        }
        if (value < MIN_BUFSIZE || value > MAX_BUFSIZE) {
            throw new PortOpenException(label + ": option bufsize=" + text + " must be between " + MIN_BUFSIZE + " and "
                    + MAX_BUFSIZE);
        }
        // Whole blocks only: the ring is a number of blocks.
        return value / BLOCK_SIZE * BLOCK_SIZE;
    }
}

package io.pswitch.dataplane.port;

import java.util.Set;

/** Opens ports of one driver kind ({@code pcap}, {@code pcapfile}, {@code shm}, …). */
public interface PortDriverFactory {
    /** The driver name used in specs. */
    String driver();

    /** One line for {@code --help}: the argument and options this driver takes. */
    String usage();

    /** Options this driver understands; any other option is refused. */
    Set<String> options();

    /**
     * Opens the port.
     *
     * @throws PortOpenException with a one-line explanation when the port cannot be opened
     */
    Port open(PortSpec spec, PortContext context);
}

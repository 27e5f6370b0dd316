package io.pswitch.drivers.pcapfile;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortSpec;
import java.util.Set;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * Opens {@code pcapfile} ports:
 * {@code name=pcapfile:<in.pcap|in.pcapng>[,out=<out.pcap>][,speed=top|original|Nx][,loop=N]}.
 * See {@link PcapFilePort} for what each option does.
 */
public final class PcapFilePortFactory implements PortDriverFactory {
    public static final String DRIVER = "pcapfile";

    private final NanoClock monotonic;
    private final EpochNanoClock wallClock;

    public PcapFilePortFactory() {
        this(SystemNanoClock.INSTANCE, new SystemEpochNanoClock());
    }

    /**
     * With injected clocks: {@code monotonic} paces replay, {@code wallClock} stamps received and
     * transmitted frames.
     */
    public PcapFilePortFactory(NanoClock monotonic, EpochNanoClock wallClock) {
        this.monotonic = monotonic;
        this.wallClock = wallClock;
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public String usage() {
        return "pcapfile:<in.pcap|in.pcapng>[,out=<out.pcap>][,speed=top|original|Nx][,loop=N]"
                + "  replay a capture (loop=0: forever), write transmitted frames to out";
    }

    @Override
    public Set<String> options() {
        return PcapFilePortOptions.NAMES;
    }

    @Override
    public Port open(PortSpec spec, PortContext context) {
        return new PcapFilePort(spec, PcapFilePortOptions.parse(spec), context, monotonic, wallClock);
    }
}

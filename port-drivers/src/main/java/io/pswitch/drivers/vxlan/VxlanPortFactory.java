package io.pswitch.drivers.vxlan;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * Opens {@code vxlan:<local-ip>[:<udp-port>][,remote=<ip>[:<port>]][,vni=<n>|any]} ports
 * ({@link VxlanPort}). The UDP port defaults to 4789 on both sides. Without {@code remote}, {@code vni}
 * defaults to {@code any} and the port is receive-only; with one, {@code vni} must be given:
 * {@code vni=<n>} sends to it, {@code vni=any} only restricts who may send.
 */
public final class VxlanPortFactory implements PortDriverFactory {
    public static final String DRIVER = "vxlan";

    private final EpochNanoClock wallClock;

    public VxlanPortFactory() {
        this(new SystemEpochNanoClock());
    }

    /** With an injected clock that stamps received frames. */
    public VxlanPortFactory(EpochNanoClock wallClock) {
        this.wallClock = wallClock;
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public String usage() {
        return "vxlan:<local-ip>[:<udp-port>][,remote=<ip>[:<port>]][,vni=<n>|any]  RFC 7348 tunnel endpoint over UDP"
                + " (default port 4789); receive-only without remote or with vni=any; remote needs vni";
    }

    @Override
    public Set<String> options() {
        return VxlanPortOptions.NAMES;
    }

    @Override
    public Port open(PortSpec spec, PortContext context) {
        if (!DRIVER.equals(spec.driver())) {
            throw new PortOpenException("port " + spec.name() + ": driver '" + spec.driver() + "' is not " + DRIVER);
        }
        for (String key : spec.options().keySet()) {
            if (!VxlanPortOptions.NAMES.contains(key)) {
                throw VxlanPortOptions.bad(spec, "unknown option '" + key + "' (known: remote, vni)");
            }
        }
        VxlanPortOptions options = VxlanPortOptions.parse(spec);
        if (ValueLayout.ADDRESS.byteSize() != 8 || !System.getProperty("os.name", "").startsWith("Linux")) {
            throw VxlanPortOptions.bad(spec, "the vxlan driver needs Linux on a 64-bit JVM (recvmmsg/sendmmsg)");
        }
        UdpSocket socket;
        try {
            socket = UdpSocket.open(options.localIpv4(), options.localPort(), VxlanPort.SOCKET_BUFFER_BYTES);
        } catch (UdpSocket.SocketOpenException e) {
            throw VxlanPortOptions.bad(spec, openFailure(options, e));
        }
        try {
            return new VxlanPort(spec, options, context, socket, wallClock);
        } catch (RuntimeException e) {
            socket.close();
            // The core names the port too; this driver's one line names it once, so take the core's reason.
            Throwable reason = e instanceof PortOpenException && e.getCause() != null ? e.getCause() : e;
            throw VxlanPortOptions.bad(spec, reason.getMessage());
        }
    }

    private static String openFailure(VxlanPortOptions options, UdpSocket.SocketOpenException e) {
        String where = VxlanPortOptions.text(options.localIpv4()) + ":" + options.localPort();
        return switch (e.errno) {
            case UdpSocket.EADDRINUSE -> "UDP port in use: " + where + " is already bound by another socket";
            case UdpSocket.EADDRNOTAVAIL -> "bad local address " + VxlanPortOptions.text(options.localIpv4())
                    + ": not an address of this host";
            case UdpSocket.EACCES -> "cannot bind " + where + ": UDP ports below 1024 need root or CAP_NET_BIND_SERVICE";
            default -> "cannot open a UDP socket on " + where + ": " + e.getMessage();
        };
    }
}

package io.pswitch.drivers.afxdp;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;

/**
 * A child JVM for afxdp tests: opens one port ({@code args[1]}) over a pool in {@code args[0]},
 * prints {@code ready <description>} (or {@code error <one line>} and exits 1), then holds the port
 * until its standard input closes, or until it is killed.
 */
public final class AfXdpHolderMain {
    private AfXdpHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (BufferPool pool = BufferPool.open(Path.of(args[0]).resolve("child-pool"), 2048, 512)) {
            Port port;
            try {
                port = new AfXdpPortFactory().open(PortSpec.parse(args[1]), new PortContext(pool, 64, 16));
            } catch (PortOpenException e) {
                System.out.println("error " + e.getMessage());
                System.out.flush();
                System.exit(1);
                return;
            }
            System.out.println("ready " + ((AfXdpPort) port).description());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the port until the parent closes our stdin (or kills us)
            }
            port.close();
        }
    }
}

package io.pswitch.drivers.afpacket;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;

/**
 * Opens one afpacket port in a process of its own and prints the outcome on one line: the test of
 * a missing privilege runs this with CAP_NET_RAW dropped. Arguments: pool file, port spec.
 */
public final class OpenAfPacketPortMain {
    private OpenAfPacketPortMain() {
    }

    public static void main(String[] args) {
        try (BufferPool pool = BufferPool.open(Path.of(args[0]), 2048, 256)) {
            try (var port = new AfPacketPortFactory().open(PortSpec.parse(args[1]), new PortContext(pool, 64, 16))) {
                System.out.println("opened " + port.name());
            } catch (PortOpenException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }
}

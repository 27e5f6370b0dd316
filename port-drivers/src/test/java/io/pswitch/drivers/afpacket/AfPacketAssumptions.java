package io.pswitch.drivers.afpacket;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.drivers.veth.VethPair;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the afpacket tests need here: veth pairs (named {@code apk…}) and a kernel with AF_PACKET. */
final class AfPacketAssumptions {
    private AfPacketAssumptions() {}

    static void assumeUsable() {
        VethPair.assumeUsable("afpacket tests");
        assumeTrue(Files.exists(Path.of("/proc/net/packet")), "skipped: this kernel has no AF_PACKET sockets");
    }
}

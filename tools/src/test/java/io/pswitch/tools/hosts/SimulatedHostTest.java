package io.pswitch.tools.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.tools.wire.BackToBackPorts;
import io.pswitch.tools.wire.Ipv4Address;
import io.pswitch.tools.wire.MacAddress;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedHostTest {
    @TempDir
    Path tmp;

    private static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    private static final int IP_A = Ipv4Address.parse("192.168.7.10");
    private static final int IP_B = Ipv4Address.parse("192.168.7.11");

    private static void runUntil(BooleanSupplier done, BackToBackPorts wire, SimulatedHost... hosts) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            for (SimulatedHost h : hosts) {
                h.poll();
            }
            wire.pump();
        }
        assertThat(done.getAsBoolean()).as("condition reached before the deadline").isTrue();
    }

    @Test
    void twoHostsResolveEachOtherPingAndTransfer100KilobytesIntact() {
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "hosts");
                ShmEndpoint portA = ShmEndpoint.attach(wire.nameA());
                ShmEndpoint portB = ShmEndpoint.attach(wire.nameB())) {
            SimulatedHost a = new SimulatedHost("a", portA, MAC_A, IP_A);
            SimulatedHost b = new SimulatedHost("b", portB, MAC_B, IP_B);

            a.resolve(IP_B, System.nanoTime());
            runUntil(() -> a.macOf(IP_B) >= 0, wire, a, b);
            assertThat(a.macOf(IP_B)).isEqualTo(MAC_B);
            assertThat(b.macOf(IP_A)).as("the asker is learnt from its request").isEqualTo(MAC_A);
            assertThat(b.arpRepliesSent()).isEqualTo(1);

            a.ping(IP_B, 5, 1_000_000L);
            runUntil(() -> a.pingReplies() == 5, wire, a, b);
            assertThat(a.pingsSent()).isEqualTo(5);
            assertThat(b.echoRepliesSent()).isEqualTo(5);
            assertThat(a.rttMinNs()).isPositive();
            assertThat(a.rttMaxNs()).isGreaterThanOrEqualTo(a.rttAvgNs()).isGreaterThanOrEqualTo(a.rttMinNs());

            byte[] data = new byte[100 * 1024];
            new Random(11).nextBytes(data);
            b.listen(5001, data.length);
            a.connect(IP_B, 5001, data);
            runUntil(() -> a.tcpSendComplete() && b.tcpReceiveComplete(), wire, a, b);
            assertThat(b.tcpBytesReceived()).isEqualTo(data.length);
            assertThat(b.tcpReceivedData()).isEqualTo(data);
            assertThat(a.tcpBytesAcked()).isEqualTo(data.length);
            assertThat(a.badChecksums() + b.badChecksums()).as("every checksum verified").isZero();
        }
    }

    @Test
    void aHostResolvesBeforeItPingsAndIgnoresRequestsForOtherAddresses() {
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "hostsarp");
                ShmEndpoint portA = ShmEndpoint.attach(wire.nameA());
                ShmEndpoint portB = ShmEndpoint.attach(wire.nameB())) {
            SimulatedHost a = new SimulatedHost("a", portA, MAC_A, IP_A);
            SimulatedHost b = new SimulatedHost("b", portB, MAC_B, IP_B);
            int nobody = Ipv4Address.parse("192.168.7.99");
            a.resolve(nobody, System.nanoTime());
            for (int i = 0; i < 50; i++) {
                a.poll();
                b.poll();
                wire.pump();
            }
            assertThat(b.arpRepliesSent()).isZero();
            assertThat(a.macOf(nobody)).isEqualTo(-1);

            a.ping(IP_B, 2, 0);
            runUntil(() -> a.pingReplies() == 2, wire, a, b);
            assertThat(a.macOf(IP_B)).isEqualTo(MAC_B);
        }
    }

    @Test
    void streamArrivesIntactOverALossyWireThanksToRetransmission() {
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "hostsloss");
                ShmEndpoint portA = ShmEndpoint.attach(wire.nameA());
                ShmEndpoint portB = ShmEndpoint.attach(wire.nameB())) {
            SimulatedHost a = new SimulatedHost("a", portA, MAC_A, IP_A);
            SimulatedHost b = new SimulatedHost("b", portB, MAC_B, IP_B);
            a.resolve(IP_B, System.nanoTime());
            runUntil(() -> a.macOf(IP_B) >= 0 && b.macOf(IP_A) >= 0, wire, a, b);

            wire.dropEvery(7);
            byte[] data = new byte[30 * 1024];
            new Random(12).nextBytes(data);
            b.listen(80, data.length);
            a.connect(IP_B, 80, data);
            runUntil(() -> a.tcpSendComplete() && b.tcpReceiveComplete(), wire, a, b);
            assertThat(wire.dropped()).isPositive();
            assertThat(b.tcpReceivedData()).isEqualTo(data);
        }
    }
}

package io.pswitch.tools.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.tools.wire.BackToBackPorts;
import io.pswitch.tools.wire.Ipv4Address;
import io.pswitch.tools.wire.MacAddress;
import io.pswitch.tools.wire.Wire;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrafficGeneratorTest {
    @TempDir
    Path tmp;

    private static GenConfig config(String tx, String rx, int size, long count, long durationNs, long rate, int flows, int vlan) {
        return new GenConfig(List.of(tx), List.of(rx), size, count, durationNs, rate, flows, MacAddress.parse("02:00:00:00:01:00"),
                MacAddress.parse("02:00:00:00:02:00"), vlan, Ipv4Address.parse("10.0.1.1"), Ipv4Address.parse("10.0.2.1"), 32, true);
    }

    private static void run(TrafficGenerator gen, BackToBackPorts wire) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!gen.done() && System.nanoTime() < deadline) {
            gen.doWork(System.nanoTime());
            wire.pump();
        }
        assertThat(gen.done()).as("generator finished").isTrue();
    }

    @Test
    void everyFrameSentArrivesInOrderOverBackToBackPorts() {
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "gen");
                TrafficGenerator gen = TrafficGenerator.attach(config(wire.nameA(), wire.nameB(), 128, 5000, 0, 0, 4, -1))) {
            run(gen, wire);
            assertThat(gen.sent()).isEqualTo(5000);
            assertThat(gen.received()).isEqualTo(5000);
            assertThat(gen.lost()).isZero();
            assertThat(gen.outOfOrder()).isZero();
            assertThat(gen.receivedBytes()).isEqualTo(5000L * 128);
            assertThat(gen.latencyMaxNs()).isPositive();
        }
    }

    @Test
    void framesAreValidEthernetIpv4UdpWithSequenceAndTimestampPerFlow() {
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "genframes");
                ShmEndpoint capture = ShmEndpoint.attach(wire.nameB())) {
            GenConfig c = new GenConfig(List.of(wire.nameA()), List.of(), 100, 6, 0, 0, 3, MacAddress.parse("02:00:00:00:01:00"),
                    MacAddress.parse("02:00:00:00:02:00"), 42, Ipv4Address.parse("10.0.1.1"), Ipv4Address.parse("10.0.2.1"), 32, false);
            try (ShmEndpoint txPort = ShmEndpoint.attach(wire.nameA());
                    TrafficGenerator gen = new TrafficGenerator(c, List.of(txPort), List.of())) {
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (!gen.done() && System.nanoTime() < deadline) {
                    gen.doWork(System.nanoTime());
                }
                assertThat(gen.sent()).isEqualTo(6);
                int seen = 0;
                long before = System.currentTimeMillis() * 1_000_000L + 1_000_000_000L;
                while (seen < 6 && System.nanoTime() < deadline) {
                    wire.pump();
                    int n = capture.poll(8);
                    MemorySegment s = capture.segment();
                    for (int i = 0; i < n; i++, seen++) {
                        long f = capture.frameOffset(i);
                        int flow = seen % 3;
                        assertThat(capture.frameLength(i)).isEqualTo(100);
                        assertThat(Wire.mac(s, f)).isEqualTo(MacAddress.parse("02:00:00:00:02:00") + flow);
                        assertThat(Wire.mac(s, f + 6)).isEqualTo(MacAddress.parse("02:00:00:00:01:00") + flow);
                        assertThat(Wire.u16(s, f + 12)).isEqualTo(Wire.ETHERTYPE_VLAN);
                        assertThat(Wire.u16(s, f + 14)).isEqualTo(42);
                        assertThat(Wire.u16(s, f + 16)).isEqualTo(Wire.ETHERTYPE_IPV4);
                        long ip = f + 18;
                        assertThat(Wire.checksum(s, ip, 20)).as("IPv4 header checksum verifies").isZero();
                        assertThat(Wire.u16(s, ip + 2)).isEqualTo(100 - 18);
                        assertThat(Wire.u8(s, ip + 9)).isEqualTo(Wire.PROTO_UDP);
                        assertThat(Wire.u32(s, ip + 16)).isEqualTo(Ipv4Address.parse("10.0.2.1") + flow);
                        long udp = ip + 20;
                        assertThat(Wire.u16(s, udp + 4)).isEqualTo(100 - 18 - 20);
                        assertThat(s.get(Wire.U64, udp + 8 + 4)).as("sequence number").isEqualTo(seen);
                        assertThat(s.get(Wire.U64, udp + 8 + 12)).as("send timestamp, wall clock ns").isPositive().isLessThan(before);
                    }
                    capture.release(n);
                }
                assertThat(seen).isEqualTo(6);
            }
        }
    }

    @Test
    void rateIsPacedOverTime() {
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "genrate");
                TrafficGenerator gen = TrafficGenerator.attach(config(wire.nameA(), wire.nameB(), 64, 0, 300_000_000L, 10_000, 1, -1))) {
            run(gen, wire);
            // 10 kpps for 0.3 s: about 3000, never far ahead of the schedule.
            assertThat(gen.sent()).isBetween(2400L, 3100L);
            assertThat(gen.received()).isEqualTo(gen.sent());
        }
    }

    @Test
    void configRefusesImpossibleSettingsWithAMessage() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config("a", "b", 40, 1, 0, 0, 1, -1))
                .hasMessageContaining("--size 40 is below the minimum");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config("a", "b", 64, 0, 0, 0, 1, -1))
                .hasMessageContaining("--count or --duration");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config("a", "b", 128, 1, 0, 0, 1, 5000))
                .hasMessageContaining("--vlan 5000");
    }

    @Test
    void steadyStateSendingAndReceivingAllocatesNothingPerFrame() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot measure per-thread allocation");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        long tid = Thread.currentThread().threadId();
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "genalloc");
                TrafficGenerator gen = TrafficGenerator.attach(config(wire.nameA(), wire.nameB(), 64, 0, 60_000_000_000L, 0, 16, -1))) {
            // Warm up by frames, not iterations: on a busy machine the learning phase takes a while.
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (gen.sent() < 50_000 && System.nanoTime() < deadline) {
                gen.doWork(System.nanoTime());
                wire.pump();
            }
            long sentBefore = gen.sent();
            long before = threads.getThreadAllocatedBytes(tid);
            while (gen.sent() - sentBefore < 60_000 && System.nanoTime() < deadline) {
                gen.doWork(System.nanoTime());
                wire.pump();
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            long frames = gen.sent() - sentBefore;
            assertThat(frames).isGreaterThan(50_000);
            assertThat(allocated).as("bytes allocated while %d frames went round (generator and shm ports)", frames)
                    .isLessThan(16 * 1024);
            gen.stop();
        }
    }
}

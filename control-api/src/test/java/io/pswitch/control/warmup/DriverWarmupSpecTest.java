package io.pswitch.control.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.port.PortSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which runs get a driver warm-up, and what its ports are: the run's live drivers (afxdp, afpacket)
 * in the order first named, on the private interfaces, with only the options that mean something on
 * a veth (never a queue, zero copy or fanout group of the operator's interface).
 */
class DriverWarmupSpecTest {
    @Test
    void onlyRunsWithAfxdpOrAfpacketPortsGetADriverWarmUp() {
        assertThat(DriverWarmup.liveDrivers(List.of(PortSpec.parse("a=shm:x"), PortSpec.parse("b=pcap:eth0")))).isEmpty();
        assertThat(DriverWarmup.liveDrivers(List.of(PortSpec.parse("a=pcap:eth0"), PortSpec.parse("b=afxdp:eth1"),
                PortSpec.parse("c=afpacket:eth2"), PortSpec.parse("d=afxdp:eth3")))).containsExactly("afxdp", "afpacket");
    }

    @Test
    void theWarmUpPortsCarryTheModeAndRingOptionsOnly() {
        PortSpec xdp = DriverWarmup.warmupSpec("wa", "pwu1a", PortSpec.parse("up=afxdp:eth1,queue=3,mode=generic,zerocopy=off"));
        assertThat(xdp.driver()).isEqualTo("afxdp");
        assertThat(xdp.argument()).isEqualTo("pwu1a");
        assertThat(xdp.options()).isEqualTo(Map.of("mode", "generic"));

        PortSpec packet = DriverWarmup.warmupSpec("wb", "pwu1b", PortSpec.parse("down=afpacket:eth2,fanout=7:lb,rx=v3,bufsize=1048576"));
        assertThat(packet.driver()).isEqualTo("afpacket");
        assertThat(packet.argument()).isEqualTo("pwu1b");
        assertThat(packet.options()).isEqualTo(Map.of("rx", "v3", "bufsize", "1048576"));
    }
}

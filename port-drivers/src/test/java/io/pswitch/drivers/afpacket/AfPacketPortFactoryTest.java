package io.pswitch.drivers.afpacket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDrivers;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec checking, which happens before any socket is opened (no root needed). */
class AfPacketPortFactoryTest {
    @TempDir
    Path tmp;

    private void assertRefused(String spec, String message) {
        try (BufferPool pool = BufferPool.open(tmp.resolve("pool"), 2048, 64)) {
            assertThatThrownBy(() -> new AfPacketPortFactory().open(PortSpec.parse(spec), new PortContext(pool, 8, 4)))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessage(message);
            assertThat(pool.freeCount()).isEqualTo(62);
        }
    }

    @Test
    void describesItselfAndIsInstalled() {
        AfPacketPortFactory f = new AfPacketPortFactory();
        assertThat(f.driver()).isEqualTo("afpacket");
        assertThat(f.options()).containsExactlyInAnyOrder("fanout", "bufsize", "rx");
        assertThat(f.usage()).startsWith("afpacket:<interface>[,fanout=<group-id>[:hash|cpu|lb]][,bufsize=BYTES][,rx=v3|v2]");
        assertThat(PortDrivers.installed().all()).anyMatch(d -> d instanceof AfPacketPortFactory);
    }

    @Test
    void fanoutGroupAndModeMakeTheKernelsArgument() {
        assertThat(AfPacketPortFactory.fanout("x", null)).isEqualTo(-1);
        assertThat(AfPacketPortFactory.fanout("x", "7")).isEqualTo(7);
        assertThat(AfPacketPortFactory.fanout("x", "7:hash")).isEqualTo(7);
        assertThat(AfPacketPortFactory.fanout("x", "7:lb")).isEqualTo(7 | 1 << 16);
        assertThat(AfPacketPortFactory.fanout("x", "65535:cpu")).isEqualTo(65535 | 2 << 16);
    }

    @Test
    void refusesAFanoutModeItDoesNotKnow() {
        assertRefused("p0=afpacket:eth0,fanout=3:rr", "afpacket:eth0: option fanout=3:rr: mode 'rr' is not hash, cpu or lb");
    }

    @Test
    void refusesAFanoutGroupOutOfRange() {
        assertRefused("p0=afpacket:eth0,fanout=70000",
                "afpacket:eth0: option fanout=70000: the group id must be a number from 0 to 65535");
    }

    @Test
    void refusesAnUnknownOption() {
        assertRefused("p0=afpacket:eth0,promisc=0", "afpacket:eth0: unknown option 'promisc' (known: fanout, bufsize, rx)");
    }

    @Test
    void refusesARingVersionItDoesNotHave() {
        assertRefused("p0=afpacket:eth0,rx=v1",
                "afpacket:eth0: option rx=v1 is not v3 (TPACKET_V3 blocks) or v2 (TPACKET_V2 frames, no block timeout)");
    }

    @Test
    void aV2SlotHoldsAFullBufferAfterTheHeaders() {
        // 128 bytes of headroom, rounded up to TPACKET_ALIGNMENT (16) only.
        assertThat(PacketSocket.v2FrameSize(2048)).isEqualTo(2176);
        assertThat(PacketSocket.v2FrameSize(1024)).isEqualTo(1152);
        assertThat(PacketSocket.v2FrameSize(16384)).isEqualTo(16512);
        assertThat(PacketSocket.v2FrameSize(1500)).isEqualTo(1632);
    }

    @Test
    void refusesABufferSizeOutOfRange() {
        assertRefused("p0=afpacket:eth0,bufsize=1000", "afpacket:eth0: option bufsize=1000 must be between 262144 and 1073741824");
    }

    @Test
    void refusesAnInterfaceNameLongerThanTheKernelAllows() {
        assertRefused("p0=afpacket:abcdefghijklmnopq", "afpacket:abcdefghijklmnopq: interface name must be 1-15 characters");
    }
}

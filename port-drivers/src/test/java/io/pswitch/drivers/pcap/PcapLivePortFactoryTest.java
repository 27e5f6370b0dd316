package io.pswitch.drivers.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec checking, which happens before libpcap is touched (no root needed). */
class PcapLivePortFactoryTest {
    @TempDir
    Path tmp;

    private void assertRefused(String spec, String message) {
        try (BufferPool pool = BufferPool.open(tmp.resolve("pool"), 2048, 64)) {
            assertThatThrownBy(() -> new PcapLivePortFactory().open(PortSpec.parse(spec), new PortContext(pool, 8, 4)))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessage(message);
            assertThat(pool.freeCount()).isEqualTo(62);
        }
    }

    @Test
    void describesItself() {
        PcapLivePortFactory f = new PcapLivePortFactory();
        assertThat(f.driver()).isEqualTo("pcap");
        assertThat(f.options()).containsExactlyInAnyOrder("snaplen", "bufsize");
        assertThat(f.usage()).startsWith("pcap:<interface>[,snaplen=N][,bufsize=BYTES]");
    }

    @Test
    void refusesAnUnknownOption() {
        assertRefused("p0=pcap:eth0,promisc=0", "pcap:eth0: unknown option 'promisc' (known: snaplen, bufsize)");
    }

    @Test
    void refusesASnapLengthThatIsNotANumber() {
        assertRefused("p0=pcap:eth0,snaplen=big", "pcap:eth0: option snaplen=big is not a number");
    }

    @Test
    void refusesABufferSizeOutOfRange() {
        assertRefused("p0=pcap:eth0,bufsize=100", "pcap:eth0: option bufsize=100 must be between 65536 and 2147483647");
    }

    @Test
    void refusesAnInterfaceNameLongerThanTheKernelAllows() {
        assertRefused("p0=pcap:abcdefghijklmnopq", "pcap:abcdefghijklmnopq: interface name must be 1-15 characters");
    }

    @Test
    void defaultSnapLengthIsOneMoreThanABuffer() {
        assertThat(PcapLivePortFactory.defaultSnaplen(2048)).isEqualTo(2049);
    }
}

package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our compiler and interpreter against libpcap's own: for every expression, the program we copy out
 * of libpcap is the one libpcap compiled, and for every frame (generated, and every frame of the
 * shared third-party captures) our verdict — interpreted and compiled to bytecode — equals what
 * {@code pcap_offline_filter} returns: both whether it matched and the snap length.
 */
class BpfInterpreterDifferentialTest {
    /** Bytes placed before the frame in the segment: an odd offset, so loads are unaligned. */
    private static final int OFFSET = 37;

    static Stream<String> expressions() {
        return Stream.of(
                "", "arp", "icmp", "tcp port 80", "udp and dst port 53", "vlan", "vlan 100", "vlan and tcp",
                "ip6", "ip6 and udp", "ip[6:2] & 0x1fff != 0", "ip[6:2] & 0x3fff != 0",
                "ether src host 00:11:22:33:44:55", "ether dst host 66:77:88:99:aa:bb", "ether host 00:11:22:33:44:55",
                "ether broadcast", "ether multicast", "greater 100", "less 64", "len <= 64", "len >= 1500",
                "net 10.0.0.0/8", "src net 192.168.0.0/16", "host 10.1.2.3", "dst host 10.0.0.1",
                "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "icmp6", "not ip",
                "ip", "tcp", "udp", "portrange 1000-2000", "tcp dst port 443", "src port 1024 or dst portrange 0-1023",
                "ip and (tcp or udp) and not port 22", "ip[0] & 0xf > 5", "ip[8] < 64", "ip[2:2] > 100",
                "icmp[icmptype] == icmp-echo", "ether proto 0x88cc", "stp", "llc", "ether[0] & 1 = 1",
                "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420", "ip6 and ip6[6] == 44", "icmp6 and ip6[40] == 128",
                "arp and arp[6:2] == 1", "vlan 200 and vlan 2001", "vlan 30 and vlan 20 and vlan 10", "vlan and vlan and ip",
                "udp port 4789", "mpls", "pppoes", "ip multicast", "ip6 multicast", "ip proto 47", "ether[12:2] > 0x5dc",
                "len / ether[5] == 1", "len % ether[5] == 0", "len % 7 == 3", "ether[0] << ether[1] != 0", "ether[0] >> ether[1] != 0",
                "ether[2] % ether[3] == 1", "ether[0] ^ ether[1] == 3", "ether[0] * ether[1] > 5000",
                "ip[2:2] - ((ip[0] & 0xf) << 2) > 100", "udp[8:4] = 0x12345678 or tcp[4:4] > 0x80000000",
                "ip6 dst host ff02::1", "ip6 src net 2001:db8::/32", "ip host 10.0.0.1 or ip6 host fe80::1");
    }

    private static List<CapturedFrame> frames;
    private static LibpcapReference libpcap;
    private static int captureFrames;

    @BeforeAll
    static void setUp() throws Throwable {
        assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: no reference to compare with");
        frames = new ArrayList<>(new FrameGenerator(0x5eed).frames(5000));
        Path captures = TestCaptures.folder();
        if (captures != null) {
            List<CapturedFrame> real = TestCaptures.allFrames(captures);
            captureFrames = real.size();
            frames.addAll(real);
        }
        libpcap = new LibpcapReference();
    }

    @AfterAll
    static void tearDown() throws Throwable {
        if (libpcap != null) {
            libpcap.close();
        }
    }

    @Test
    void comparesEveryFrameOfTheSharedCaptures() {
        assumeTrue(TestCaptures.folder() != null, "../shared/pcaps is absent: only generated frames are compared");
        // 20 files, about 100 frames; the two corrupt files and the empty one give few or none.
        assertThat(captureFrames).isGreaterThanOrEqualTo(85);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("expressions")
    void agreesWithLibpcapOnEveryFrame(String expression) throws Throwable {
        BpfProgram ours = PcapCompiler.get().compile(expression);
        MemorySegment reference = libpcap.compile(expression);
        assertThat(ours).as("program copied out of libpcap").isEqualTo(LibpcapReference.read(reference));

        BpfInterpreter interpreter = new BpfInterpreter();
        CompiledBpfProgram compiled = BpfBytecodeCompiler.compile(ours);
        assertThat(compiled).as("bytecode for '%s'", expression).isNotNull();
        List<String> disagreements = new ArrayList<>();
        int matched = 0;
        for (CapturedFrame f : frames) {
            // The segment ends exactly at the last captured byte: a read past caplen would throw.
            byte[] buffer = new byte[OFFSET + f.capLen()];
            System.arraycopy(f.bytes(), 0, buffer, OFFSET, f.capLen());
            int got = interpreter.run(ours, MemorySegment.ofArray(buffer), OFFSET, f.wireLen(), f.capLen());
            int gotCompiled = compiled.run(MemorySegment.ofArray(buffer), OFFSET, f.wireLen(), f.capLen());
            int want = libpcap.filter(reference, f.bytes(), f.capLen(), f.wireLen());
            if (got != want || gotCompiled != want) {
                disagreements.add(f.origin() + " (caplen " + f.capLen() + ", len " + f.wireLen() + "): interpreted "
                        + Integer.toUnsignedString(got) + ", compiled " + Integer.toUnsignedString(gotCompiled)
                        + ", libpcap " + Integer.toUnsignedString(want));
            }
            if (want != 0) {
                matched++;
            }
        }
        assertThat(disagreements).as("frames where we and libpcap disagree on '%s'%n%s", expression, ours).isEmpty();
        // Guard against a vacuous comparison: every expression must see both verdicts.
        assertThat(matched).as("frames matching '%s' (of %d, %d from captures)", expression, frames.size(), captureFrames)
                .isBetween(1, frames.size() - (expression.isEmpty() ? 0 : 1));
    }
}

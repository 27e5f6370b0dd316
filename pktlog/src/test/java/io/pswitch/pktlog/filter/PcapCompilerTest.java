package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PcapCompilerTest {
    @BeforeAll
    static void needsLibpcap() {
        assumeTrue(LibpcapLibrary.available(), "libpcap is not installed");
    }

    private static void assertSyntaxError(String expression, String pcapMessage) {
        assertThatThrownBy(() -> PcapCompiler.get().compile(expression))
                .isInstanceOf(FilterSyntaxException.class)
                .hasMessage("bad filter expression '" + expression + "': " + pcapMessage)
                .satisfies(e -> assertThat(((FilterSyntaxException) e).pcapMessage()).isEqualTo(pcapMessage));
    }

    @Test
    void compilesTcpdumpSyntaxToWhatTcpdumpPrints() {
        // tcpdump -dd arp
        BpfProgram arp = PcapCompiler.get().compile("arp");
        assertThat(arp.toString()).isEqualTo(String.format(
                "{ 0x28, 0, 0, 0x0000000c },%n{ 0x15, 0, 1, 0x00000806 },%n{ 0x6, 0, 0, 0x00040000 },%n{ 0x6, 0, 0, 0x00000000 },%n"));
    }

    @Test
    void emptyExpressionMatchesEveryFrameWhole() {
        BpfProgram all = PcapCompiler.get().compile("");
        assertThat(new BpfInterpreter().run(all, MemorySegment.ofArray(new byte[0]), 0, 0, 0)).isEqualTo(PcapCompiler.SNAPLEN);
    }

    @Test
    void reportsLibpcapsOwnMessageForBadExpressions() {
        assertSyntaxError("tcp port", "can't parse filter expression: syntax error");
        assertSyntaxError("host foo.invalid", "unknown host 'foo.invalid'");
        assertSyntaxError("len / 0 == 1", "division by zero");
        assertSyntaxError("vlan 5000", "VLAN tag 5000 greater than maximum 4095");
        assertSyntaxError("tcp port 99999", "illegal port number 99999 > 65535");
    }

    @Test
    void rejectsExpressionsNeedingTheNetmask() {
        assertThatThrownBy(() -> PcapCompiler.get().compile("ip broadcast"))
                .isInstanceOf(FilterSyntaxException.class).hasMessageContaining("netmask");
    }

    @Test
    void rejectsProtochainWhoseProgramJumpsBackwards() {
        assertThatThrownBy(() -> PcapCompiler.get().compile("ip6 protochain 6"))
                .isInstanceOf(FilterSyntaxException.class)
                .hasMessageContaining("cannot run here")
                .hasMessageContaining("jump offset");
    }

    @Test
    void rejectsANulInTheExpression() {
        assertThatThrownBy(() -> PcapCompiler.get().compile("tcp\0 or udp"))
                .isInstanceOf(FilterSyntaxException.class).hasMessageContaining("NUL");
    }

    @Test
    void compilesTheSameProgramFromManyThreadsAtOnce() throws Exception {
        String[] expressions = {"tcp port 80", "udp and dst port 53", "vlan 100 and ip6", "ether broadcast", "tcp port"};
        List<String> expected = new ArrayList<>();
        for (String e : expressions) {
            expected.add(outcome(e));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String e = expressions[i % expressions.length];
                results.add(pool.submit(() -> outcome(e)));
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).isEqualTo(expected.get(i % expressions.length));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String outcome(String expression) {
        try {
            return PcapCompiler.get().compile(expression).toString();
        } catch (FilterSyntaxException e) {
            return e.getMessage();
        }
    }
}

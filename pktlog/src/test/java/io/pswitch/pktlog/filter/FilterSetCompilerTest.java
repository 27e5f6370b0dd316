package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shape of what {@link FilterSetCompiler} builds (its verdicts are FilterSetDifferentialTest's job). */
class FilterSetCompilerTest {
    @BeforeAll
    static void needsLibpcap() {
        assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: filters cannot be compiled");
    }

    private static FilterSetCompiler.Result compile(List<String> expressions) {
        List<FilterSetCompiler.ScopeProgram> scope = new ArrayList<>();
        for (int i = 0; i < expressions.size(); i++) {
            scope.add(new FilterSetCompiler.ScopeProgram(PcapCompiler.get().compile(expressions.get(i)), new int[]{i}, Long.MAX_VALUE));
        }
        return FilterSetCompiler.compile(List.of(scope));
    }

    @Test
    void everyMethodOfTwoThousandFiltersIsSmallEnoughForTheJit() {
        List<String> expressions = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            expressions.add(i % 2 == 0 ? "udp dst port " + (20000 + i) + " and src host 10.9." + (i >> 8) + "." + (i & 255)
                    : "tcp port " + i + " or ip6 host fe80::" + Integer.toHexString(i));
        }
        FilterSetCompiler.Result r = compile(expressions);
        assertThat(r.largestMethod()).isLessThanOrEqualTo(FilterSetCompiler.MAX_METHOD).isPositive();
    }

    /** Issue 12: no number of programs sends a set back to the interpreter (the old threshold was 16). */
    @Test
    void twoThousandRandomFiltersCompileAsOneClass() {
        List<Filter> filters = new FilterGrammar(12).filters(2000);
        FilterSet set = FilterSet.compile(filters, FilterSetDifferentialTest.PORT_INDEX);
        assertThat(set.distinctPrograms()).isGreaterThan(1000);
        assertThat(set.compiledAsOneClass()).isTrue();
        assertThat(FilterSet.compile(filters, FilterSetDifferentialTest.PORT_INDEX, FilterSet.Evaluation.INTERPRETED)
                .compiledAsOneClass()).isFalse();
    }

    @Test
    void sharedHeaderFieldsAreLoadedOnce() {
        List<String> expressions = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            expressions.add("udp dst port " + i);
        }
        // Ether type, IPv6 next header and port, IPv4 protocol, flags, header length and port: 7, not 3,500.
        assertThat(compile(expressions).memoSlots()).isEqualTo(7);
    }

    @Test
    void oneClassPerSetWhateverTheNumberOfProgramsAndScopes() {
        List<Filter> filters = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            filters.add(new Filter(i, "f" + i, "tcp dst port " + i, 0, i % 3 == 0 ? java.util.Set.of("p" + (i % 4)) : java.util.Set.of(),
                    true));
        }
        FilterSet set = FilterSet.compile(filters, name -> name.charAt(1) - '0');
        assertThat(set.distinctPrograms()).isEqualTo(300);
        assertThat(set.compiledAsOneClass()).as("300 programs compile, far beyond the old 16-program threshold").isTrue();
        FilterMatch match = new FilterMatch();
        byte[] frame = FilterSetTest.tcpFrame(3, 100);
        for (int port = -1; port < 5; port++) {
            set.evaluate(java.lang.foreign.MemorySegment.ofArray(frame), 0, frame.length, frame.length, port, match);
            assertThat(match.matched(2)).as("tcp dst port 3 is scoped to p3, port %d", port).isEqualTo(port == 3);
        }
    }
}

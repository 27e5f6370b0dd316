package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FilterSetTest {
    private static final Map<String, Integer> PORTS = Map.of("p0", 0, "p1", 1, "p2", 2);
    private static final ToIntFunction<String> PORT_INDEX = name -> PORTS.getOrDefault(name, -1);

    private final FilterMatch match = new FilterMatch();

    @BeforeAll
    static void needsLibpcap() {
        assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: filters cannot be compiled");
    }

    /** An untagged IPv4/TCP frame to {@code dstPort}, {@code length} bytes long. */
    static byte[] tcpFrame(int dstPort, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(FrameGenerator.mac("00:11:22:33:44:55")).put(FrameGenerator.mac("02:00:00:00:00:07")).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (length - 14)).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0);
        b.putInt(0x0a000001).putInt(0x0a000002);
        b.putShort((short) 40000).putShort((short) dstPort).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02);
        return b.array();
    }

    static byte[] arpFrame() {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(FrameGenerator.mac("ff:ff:ff:ff:ff:ff")).put(FrameGenerator.mac("02:00:00:00:00:07")).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        return b.array();
    }

    private int evaluate(FilterSet set, byte[] frame, int port) {
        return set.evaluate(MemorySegment.ofArray(frame), 0, frame.length, frame.length, port, match);
    }

    private static List<Integer> matches(FilterMatch m) {
        List<Integer> out = new ArrayList<>();
        for (int p = m.next(0); p >= 0; p = m.next(p + 1)) {
            out.add(p);
        }
        return out;
    }

    @Test
    void emptySetMatchesNothing() {
        assertThat(FilterSet.EMPTY.isEmpty()).isTrue();
        assertThat(FilterSet.compile(List.of(), PORT_INDEX)).isSameAs(FilterSet.EMPTY);
        assertThat(evaluate(FilterSet.EMPTY, tcpFrame(80, 100), 0)).isZero();
        assertThat(match.storeLength()).isZero();
        assertThat(matches(match)).isEmpty();
    }

    @Test
    void reportsWhichFiltersMatchedAndStoresTheLargestSnaplen() {
        FilterSet set = FilterSet.compile(List.of(
                new Filter(1, "web", "tcp port 80", 64, Set.of(), true),
                new Filter(2, "ip", "ip", 100, Set.of(), true),
                new Filter(3, "arp", "arp", 0, Set.of(), true)), PORT_INDEX);

        assertThat(evaluate(set, tcpFrame(80, 200), 0)).isEqualTo(2);
        assertThat(matches(match)).containsExactly(0, 1);
        assertThat(match.matched(2)).isFalse();
        assertThat(match.storeLength()).isEqualTo(100);

        assertThat(evaluate(set, tcpFrame(443, 200), 0)).isEqualTo(1);
        assertThat(matches(match)).containsExactly(1);
        assertThat(match.storeLength()).isEqualTo(100);

        assertThat(evaluate(set, arpFrame(), 0)).isEqualTo(1);
        assertThat(matches(match)).containsExactly(2);
        assertThat(match.storeLength()).as("snaplen 0 stores the whole frame").isEqualTo(60);
    }

    @Test
    void storesNoMoreThanTheCapturedBytes() {
        FilterSet set = FilterSet.compile(List.of(new Filter(1, "all", "", 128, Set.of(), true)), PORT_INDEX);
        byte[] frame = tcpFrame(80, 200);
        assertThat(set.evaluate(MemorySegment.ofArray(frame), 0, 1500, 50, 0, match)).isEqualTo(1);
        assertThat(match.storeLength()).isEqualTo(50);
        assertThat(set.evaluate(MemorySegment.ofArray(frame), 0, 200, 200, 0, match)).isEqualTo(1);
        assertThat(match.storeLength()).isEqualTo(128);
    }

    @Test
    void scopesFiltersToTheirIngressPorts() {
        FilterSet set = FilterSet.compile(List.of(
                new Filter(1, "on-p1", "tcp", 0, Set.of("p1"), true),
                new Filter(2, "on-p0-p2", "tcp", 0, Set.of("p0", "p2"), true),
                new Filter(3, "everywhere", "tcp", 0, Set.of(), true)), PORT_INDEX);
        byte[] frame = tcpFrame(80, 100);
        evaluate(set, frame, 0);
        assertThat(matches(match)).containsExactly(1, 2);
        evaluate(set, frame, 1);
        assertThat(matches(match)).containsExactly(0, 2);
        evaluate(set, frame, 2);
        assertThat(matches(match)).containsExactly(1, 2);
        evaluate(set, frame, 9);
        assertThat(matches(match)).as("a port no filter names").containsExactly(2);
        evaluate(set, frame, -1);
        assertThat(matches(match)).as("no ingress port").containsExactly(2);
    }

    @Test
    void aFilterOnAnUnknownPortMatchesNothingRatherThanEverything() {
        FilterSet set = FilterSet.compile(List.of(new Filter(1, "gone", "", 0, Set.of("p9"), true)), PORT_INDEX);
        for (int port = -1; port < 4; port++) {
            assertThat(evaluate(set, tcpFrame(80, 100), port)).isZero();
        }
        assertThat(set.isEmpty()).isTrue();
    }

    @Test
    void disabledFiltersKeepTheirPositionButNeverMatch() {
        Filter web = new Filter(1, "web", "tcp port 80", 0, Set.of(), true);
        Filter all = new Filter(2, "all", "", 0, Set.of(), false);
        FilterSet set = FilterSet.compile(List.of(web, all), PORT_INDEX);
        assertThat(set.size()).isEqualTo(2);
        assertThat(set.filter(1)).isEqualTo(all);
        assertThat(evaluate(set, tcpFrame(80, 100), 0)).isEqualTo(1);
        assertThat(matches(match)).containsExactly(0);
        FilterSet enabled = FilterSet.compile(List.of(web, all.withEnabled(true)), PORT_INDEX);
        assertThat(evaluate(enabled, tcpFrame(81, 100), 0)).isEqualTo(1);
        assertThat(matches(match)).containsExactly(1);
    }

    @Test
    void handlesThousandsOfFiltersAndReportsEachMatchByPosition() {
        List<Filter> filters = new ArrayList<>();
        for (int i = 1; i <= 2000; i++) {
            filters.add(new Filter(i, "port-" + i, "tcp dst port " + i, 0, Set.of(), true));
        }
        filters.add(new Filter(3000, "also-1500", "tcp dst port 1500", 0, Set.of(), true));
        FilterSet set = FilterSet.compile(filters, PORT_INDEX);
        assertThat(set.program(1499)).as("same expression compiled once").isSameAs(set.program(2000));
        assertThat(set.distinctPrograms()).isEqualTo(2000);
        assertThat(evaluate(set, tcpFrame(1500, 100), 0)).isEqualTo(2);
        assertThat(matches(match)).containsExactly(1499, 2000);
        assertThat(evaluate(set, tcpFrame(64, 100), 0)).isEqualTo(1);
        assertThat(matches(match)).containsExactly(63);
        assertThat(match.bitmap()[0]).isEqualTo(1L << 63);
    }

    @Test
    void runsAProgramSharedByManyFiltersOnceButReportsEveryFilter() {
        FilterSet set = FilterSet.compile(List.of(
                new Filter(1, "web-p0", "tcp port 80", 64, Set.of("p0"), true),
                new Filter(2, "arp", "arp", 0, Set.of(), true),
                new Filter(3, "web-all", "tcp port 80", 0, Set.of(), true),
                new Filter(4, "web-too", "tcp src port 80 or tcp dst port 80", 20, Set.of("p0", "p1"), true)), PORT_INDEX);
        assertThat(set.distinctPrograms()).as("two spellings, one program").isEqualTo(2);
        assertThat(evaluate(set, tcpFrame(80, 150), 0)).isEqualTo(3);
        assertThat(matches(match)).containsExactly(0, 2, 3);
        assertThat(match.storeLength()).isEqualTo(150);
        assertThat(evaluate(set, tcpFrame(80, 150), 1)).isEqualTo(2);
        assertThat(matches(match)).containsExactly(2, 3);
    }

    @Test
    void aSmallerSetDoesNotSeeTheLargerSetsOldMatches() {
        List<Filter> many = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            many.add(new Filter(i, "f" + i, "", 0, Set.of(), true));
        }
        assertThat(evaluate(FilterSet.compile(many, PORT_INDEX), arpFrame(), 0)).isEqualTo(200);
        FilterSet one = FilterSet.compile(List.of(new Filter(1, "tcp", "tcp", 0, Set.of(), true)), PORT_INDEX);
        assertThat(evaluate(one, arpFrame(), 0)).isZero();
        assertThat(match.matched(150)).isFalse();
        assertThat(matches(match)).isEmpty();
    }

    @Test
    void rejectsDuplicateIdsAndNames() {
        assertThatThrownBy(() -> FilterSet.compile(List.of(Filter.of(1, "a", ""), Filter.of(1, "b", "")), PORT_INDEX))
                .hasMessage("two filters have id 1");
        assertThatThrownBy(() -> FilterSet.compile(List.of(Filter.of(1, "a", ""), Filter.of(2, "a", "")), PORT_INDEX))
                .hasMessage("two filters are named 'a'");
    }

    @Test
    void namesTheFilterWhoseExpressionDoesNotCompile() {
        assertThatThrownBy(() -> FilterSet.compile(List.of(Filter.of(1, "ok", "arp"), Filter.of(2, "broken", "tcp port")), PORT_INDEX))
                .isInstanceOf(FilterSyntaxException.class)
                .hasMessage("filter 'broken': bad filter expression 'tcp port': can't parse filter expression: syntax error")
                .satisfies(e -> assertThat(((FilterSyntaxException) e).filterName()).isEqualTo("broken"));
    }

    @ParameterizedTest
    @EnumSource(FilterSet.Evaluation.class)
    void interpretedAndCompiledSetsReportTheSameMatches(FilterSet.Evaluation evaluation) {
        List<Filter> filters = new ArrayList<>();
        String[] expressions = {"tcp port 80", "udp and dst port 53", "vlan 100", "ip6 and udp", "arp", "ether broadcast",
                "not ip", "len <= 64", "ip[6:2] & 0x1fff != 0"};
        for (int i = 0; i < expressions.length; i++) {
            filters.add(new Filter(i + 1, "f" + i, expressions[i], i % 2 == 0 ? 0 : 40 + i, i % 3 == 0 ? Set.of("p1") : Set.of(), true));
        }
        FilterSet reference = FilterSet.compile(filters, PORT_INDEX, FilterSet.Evaluation.INTERPRETED);
        FilterSet set = FilterSet.compile(filters, PORT_INDEX, evaluation);
        FilterMatch expected = new FilterMatch();
        int matched = 0;
        int port = 0;
        for (CapturedFrame f : new FrameGenerator(99).frames(2000)) {
            port = (port + 1) % 3;
            MemorySegment segment = MemorySegment.ofArray(f.bytes());
            int count = set.evaluate(segment, 0, f.wireLen(), f.capLen(), port, match);
            assertThat(count).isEqualTo(reference.evaluate(segment, 0, f.wireLen(), f.capLen(), port, expected));
            assertThat(matches(match)).isEqualTo(matches(expected));
            assertThat(match.storeLength()).isEqualTo(expected.storeLength()).isLessThanOrEqualTo(f.capLen());
            matched += count;
        }
        assertThat(matched).isPositive();
    }

    @ParameterizedTest
    @EnumSource(FilterSet.Evaluation.class)
    void evaluatesPoolBuffersWithoutAllocating(FilterSet.Evaluation evaluation) {
        List<Filter> filters = new ArrayList<>();
        String[] expressions = {"tcp port 80", "udp and dst port 53", "vlan 100", "ip6 and udp", "arp", "ether broadcast"};
        for (int i = 0; i < 300; i++) {
            filters.add(new Filter(i + 1, "f" + i, expressions[i % expressions.length], i % 2 == 0 ? 0 : 96,
                    i % 3 == 0 ? Set.of("p1") : Set.of(), true));
        }
        FilterSet set = FilterSet.compile(filters, PORT_INDEX, evaluation);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pool = arena.allocate(4 * 2048);
            byte[] tcp = tcpFrame(80, 300);
            byte[] arp = arpFrame();
            MemorySegment.copy(tcp, 0, pool, ValueLayout.JAVA_BYTE, 2048, tcp.length);
            MemorySegment.copy(arp, 0, pool, ValueLayout.JAVA_BYTE, 4096, arp.length);
            long matched = 0;
            for (int i = 0; i < 20_000; i++) { // warm up: let the JIT settle
                matched += set.evaluate(pool, 2048, tcp.length, tcp.length, i & 1, match);
                matched += set.evaluate(pool, 4096, arp.length, arp.length, i & 3, match);
            }
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                matched += set.evaluate(pool, 2048, tcp.length, tcp.length, i & 1, match);
                matched += set.evaluate(pool, 4096, arp.length, arp.length, i & 3, match);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(matched).isPositive();
            assertThat(allocated).as("bytes allocated by 40,000 evaluations").isLessThan(4096);
        }
    }

    /**
     * The compiled set reads native frames by address, bounded once per frame: a frame at the very
     * end of its segment, with a capture length that claims more, is judged on the bytes the
     * segment has (as the interpreter judges it); the same frame in heap memory gets the same
     * verdicts; and a frame in a closed arena fails as any access to it does, instead of being read.
     */
    @ParameterizedTest
    @EnumSource(FilterSet.Evaluation.class)
    void compiledLoadsStayInTheSegmentAndFailOnAClosedOne(FilterSet.Evaluation evaluation) {
        List<Filter> filters = List.of(
                new Filter(1, "web", "tcp dst port 80", 0, Set.of(), true),
                new Filter(2, "past54", "ether[54] = 0x50", 0, Set.of(), true),
                new Filter(3, "len", "len >= 54", 0, Set.of(), true));
        FilterSet set = FilterSet.compile(filters, PORT_INDEX, evaluation);
        byte[] frame = tcpFrame(80, 54);
        Arena arena = Arena.ofShared();
        MemorySegment memory = arena.allocate(4096);
        // Just past the segment's end: a load that strayed there would match "past54".
        memory.set(ValueLayout.JAVA_BYTE, 2048 + frame.length, (byte) 0x50);
        MemorySegment pool = memory.asSlice(0, 2048 + frame.length);
        MemorySegment.copy(frame, 0, pool, ValueLayout.JAVA_BYTE, 2048, frame.length);
        // Claims 60 captured bytes: only 54 are in the segment, so ether[54] cannot be read (libpcap: no match).
        assertThat(set.evaluate(pool, 2048, 60, 60, 0, match)).isEqualTo(2);
        assertThat(matches(match)).containsExactly(0, 2);
        assertThat(set.evaluate(MemorySegment.ofArray(frame), 0, 60, 60, 0, match)).isEqualTo(2);
        assertThat(matches(match)).containsExactly(0, 2);
        arena.close();
        assertThatThrownBy(() -> set.evaluate(pool, 2048, 54, 54, 0, match)).isInstanceOf(IllegalStateException.class);
    }
}

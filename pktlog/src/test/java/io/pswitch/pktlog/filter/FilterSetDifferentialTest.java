package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whole filter sets against libpcap: sets of 1 to 2,000 random filters ({@link FilterGrammar}), with
 * port scopes, snaplens and disabled filters, compiled as one program ({@link FilterSetCompiler})
 * and interpreted; for every frame (generated, and the shared captures') and ingress port, the match
 * bitmap must equal libpcap's per-filter verdicts bit by bit, and the count and store length too.
 */
class FilterSetDifferentialTest {
    static final Map<String, Integer> PORTS = Map.of("p0", 0, "p1", 1, "p2", 2);
    static final ToIntFunction<String> PORT_INDEX = name -> PORTS.getOrDefault(name, -1);
    private static final int OFFSET = 21;

    private static List<CapturedFrame> frames;
    private static LibpcapReference libpcap;

    @BeforeAll
    static void setUp() throws Throwable {
        assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: no reference to compare with");
        frames = new ArrayList<>(new FrameGenerator(0xf11e).frames(1500));
        Path captures = TestCaptures.folder();
        if (captures != null) {
            frames.addAll(TestCaptures.allFrames(captures));
        }
        libpcap = new LibpcapReference();
    }

    @AfterAll
    static void tearDown() throws Throwable {
        if (libpcap != null) {
            libpcap.close();
        }
    }

    @ParameterizedTest(name = "{0} filters, seed {1}, {2}")
    @CsvSource({"1, 1, COMPILED", "1, 2, COMPILED", "7, 3, COMPILED", "30, 4, COMPILED", "100, 5, COMPILED",
            "100, 6, INTERPRETED", "500, 7, COMPILED", "2000, 8, COMPILED"})
    void agreesWithLibpcapFilterByFilter(int size, long seed, FilterSet.Evaluation evaluation) throws Throwable {
        check(new FilterGrammar(seed).filters(size), evaluation, size >= 1000 ? 2 : 1);
    }

    /** Many constants on one field: the compiled set's lookupswitch, split over several methods. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"COMPILED", "INTERPRETED"})
    void agreesWithLibpcapOnThousandsOfPortFilters(FilterSet.Evaluation evaluation) throws Throwable {
        List<Filter> filters = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String e = switch (i % 4) {
                case 0 -> "udp dst port " + i;
                case 1 -> "tcp dst port " + i + " and src host 10.0.0.1";
                case 2 -> "port " + i;
                default -> "ip6 and tcp src port " + i;
            };
            filters.add(new Filter(i + 1, "f" + i, e, i % 3 == 0 ? 0 : 64, i % 7 == 0 ? java.util.Set.of("p1") : java.util.Set.of(),
                    true));
        }
        check(filters, evaluation, 3);
    }

    /** A program too large to compile runs interpreted inside the compiled set, beside compiled ones. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"COMPILED"})
    void agreesWithLibpcapWithAProgramTooLargeToCompile(FilterSet.Evaluation evaluation) throws Throwable {
        StringBuilder huge = new StringBuilder("udp port 53");
        for (int p = 1; p <= 120; p++) {
            huge.append(" or tcp dst port ").append(p * 7).append(" or host 10.0.0.").append(p);
        }
        assertThat(PcapCompiler.get().compile(huge.toString()).length()).isGreaterThan(GuardTrie.MAX_RESIDUAL / 14);
        List<Filter> filters = new ArrayList<>(new FilterGrammar(11).filters(40));
        filters.add(new Filter(1000, "huge", huge.toString(), 96, java.util.Set.of(), true));
        check(filters, evaluation, 1);
    }

    /** Every {@code stride}-th frame (libpcap runs each filter on each frame: big sets take a sample). */
    private void check(List<Filter> filters, FilterSet.Evaluation evaluation, int stride) throws Throwable {
        int size = filters.size();
        FilterSet set = FilterSet.compile(filters, PORT_INDEX, evaluation);
        SetOracle oracle = new SetOracle(filters, PORT_INDEX, libpcap);
        FilterMatch match = new FilterMatch();
        int[] store = new int[1];
        List<String> disagreements = new ArrayList<>();
        long matches = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < frames.size(); i += stride) {
                CapturedFrame f = frames.get(i);
                int port = i % 5 - 1; // -1 (no port), p0, p1, p2, and 3 (a port no filter names)
                // The segment ends at the last captured byte: a read past caplen would throw.
                MemorySegment segment = arena.allocate(OFFSET + f.capLen() + 0L, 1);
                MemorySegment.copy(f.bytes(), 0, segment, ValueLayout.JAVA_BYTE, OFFSET, f.capLen());
                long[] want = oracle.expect(f.bytes(), f.capLen(), f.wireLen(), port, store);
                int count = set.evaluate(segment, OFFSET, f.wireLen(), f.capLen(), port, match);
                long[] got = Arrays.copyOf(match.bitmap(), want.length);
                int wantCount = Arrays.stream(want).mapToInt(Long::bitCount).sum();
                if (!Arrays.equals(got, want) || count != wantCount || match.storeLength() != store[0]) {
                    disagreements.add(describe(f, port, filters, want, got, store[0], match.storeLength()));
                }
                matches += wantCount;
            }
        }
        assertThat(disagreements).as("frames where the set and libpcap disagree (%d filters)", size).isEmpty();
        assertThat(matches).as("matches over all frames (guards against a vacuous comparison)").isPositive();
    }

    private static String describe(CapturedFrame f, int port, List<Filter> filters, long[] want, long[] got, int wantStore,
                                   int gotStore) {
        StringBuilder sb = new StringBuilder(f.origin() + " port " + port + " caplen " + f.capLen() + " len " + f.wireLen()
                + ": store " + gotStore + " (libpcap " + wantStore + ")");
        for (int p = 0; p < filters.size(); p++) {
            boolean w = (want[p >>> 6] & (1L << p)) != 0;
            boolean g = (got[p >>> 6] & (1L << p)) != 0;
            if (w != g) {
                sb.append("; '").append(filters.get(p).expression()).append("' ").append(g ? "matched" : "missed");
            }
        }
        return sb.toString();
    }
}

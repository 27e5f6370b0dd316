package io.pswitch.pktlog.filter;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * An immutable, compiled set of logging filters, built on the control side and swapped whole into
 * the dataplane, so that a batch sees one consistent set.
 *
 * <p>Each filter has a <em>position</em> (its index in {@link #filters()}); matches are reported as a
 * bitmap over positions in a {@link FilterMatch}. Port scopes are resolved to port indices when the
 * set is built: for every ingress port the set holds the positions of the enabled filters that apply
 * to it, so evaluating a frame runs exactly those programs and nothing else. Filters with the same
 * expression share one program, and the per-port lists keep them adjacent, so a frame runs each
 * distinct program once however many filters (different ports, snaplens) use it. A filter naming a
 * port the switch does not have matches nothing on it (it is not widened to "all ports"); a disabled
 * filter keeps its position but is never run.
 */
public final class FilterSet {
    /** How the set runs its programs. */
    public enum Evaluation {
        /** {@link BpfInterpreter}: no class per program, cheapest to build. */
        INTERPRETED,
        /**
         * {@link BpfBytecodeCompiler}: a hidden class per distinct program (about 1 ms each to build),
         * 3-6x faster per frame while few programs are hot; programs too large to JIT are interpreted,
         * and so is every program of a set with more than {@link #MAX_COMPILED_PROGRAMS} distinct ones.
         */
        COMPILED
    }

    /**
     * Above this many distinct programs a COMPILED set interprets them all. Every frame runs every
     * program, so each hidden class is hot at once and the JIT cannot keep up: measured with 2000
     * filters, compiled evaluation took 6-37 ms per frame against 0.3 ms interpreted (the switch
     * forwarded about 250 frames/s); with 256 programs, 170-210 us against 20-30 us.
     */
    public static final int MAX_COMPILED_PROGRAMS = 16;

    /** No filters: nothing matches. */
    public static final FilterSet EMPTY = new FilterSet(List.of(), new int[0], new BpfProgram[0],
            new CompiledBpfProgram[0], new int[0][], new int[0]);

    private final List<Filter> filters;
    private final int[] programOf;
    private final BpfProgram[] programs;
    private final CompiledBpfProgram[] compiled;
    private final int[] snaplens;
    private final int[][] byPort;
    private final int[] anyPort;
    private final int words;

    private FilterSet(List<Filter> filters, int[] programOf, BpfProgram[] programs, CompiledBpfProgram[] compiled,
                      int[][] byPort, int[] anyPort) {
        this.filters = List.copyOf(filters);
        this.programOf = programOf;
        this.programs = programs;
        this.compiled = compiled;
        this.snaplens = new int[filters.size()];
        for (int i = 0; i < snaplens.length; i++) {
            snaplens[i] = filters.get(i).snaplen();
        }
        this.byPort = byPort;
        this.anyPort = anyPort;
        this.words = (filters.size() + 63) >>> 6;
    }

    /** As {@link #compile(List, ToIntFunction, Evaluation)}, running the programs as bytecode. */
    public static FilterSet compile(List<Filter> filters, ToIntFunction<String> portIndex) {
        return compile(filters, portIndex, Evaluation.COMPILED);
    }

    /**
     * Compiles {@code filters} with libpcap and resolves their ports (cold path).
     *
     * @param portIndex a port name to its index in the switch, or -1 when there is no such port
     * @throws FilterSyntaxException   naming the filter whose expression does not compile
     * @throws IllegalArgumentException when two filters share an id or a name
     */
    public static FilterSet compile(List<Filter> filters, ToIntFunction<String> portIndex, Evaluation evaluation) {
        if (filters.isEmpty()) {
            return EMPTY;
        }
        Set<Integer> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Filter f : filters) {
            if (!ids.add(f.id())) {
                throw new IllegalArgumentException("two filters have id " + f.id());
            }
            if (!names.add(f.name())) {
                throw new IllegalArgumentException("two filters are named '" + f.name() + "'");
            }
        }
        PcapCompiler compiler = PcapCompiler.get();
        Map<String, Integer> byExpression = new HashMap<>();
        Map<BpfProgram, Integer> byProgram = new HashMap<>();
        List<BpfProgram> programs = new ArrayList<>();
        int[] programOf = new int[filters.size()];
        for (int pos = 0; pos < filters.size(); pos++) {
            Filter f = filters.get(pos);
            Integer index = byExpression.get(f.expression());
            if (index == null) {
                BpfProgram p;
                try {
                    p = compiler.compile(f.expression());
                } catch (FilterSyntaxException e) {
                    throw new FilterSyntaxException(f.name(), f.expression(), e.pcapMessage());
                }
                // Different spellings of one filter ("tcp port 80", "port 80 and tcp") compile alike.
                index = byProgram.computeIfAbsent(p, q -> {
                    programs.add(q);
                    return programs.size() - 1;
                });
                byExpression.put(f.expression(), index);
            }
            programOf[pos] = index;
        }
        CompiledBpfProgram[] runnable = new CompiledBpfProgram[programs.size()];
        if (evaluation == Evaluation.COMPILED && programs.size() <= MAX_COMPILED_PROGRAMS) {
            for (int pos = 0; pos < filters.size(); pos++) {
                int index = programOf[pos];
                if (filters.get(pos).enabled() && runnable[index] == null) {
                    // null (too large to JIT) stays null: evaluate() interprets those.
                    runnable[index] = BpfBytecodeCompiler.compile(programs.get(index));
                }
            }
        }
        return build(filters, programOf, programs.toArray(BpfProgram[]::new), runnable, portIndex);
    }

    private static FilterSet build(List<Filter> filters, int[] programOf, BpfProgram[] programs,
                                   CompiledBpfProgram[] runnable, ToIntFunction<String> portIndex) {
        List<Integer> any = new ArrayList<>();
        Map<Integer, List<Integer>> scoped = new HashMap<>();
        int maxPort = -1;
        for (int pos = 0; pos < filters.size(); pos++) {
            Filter f = filters.get(pos);
            if (!f.enabled()) {
                continue;
            }
            if (f.ports().isEmpty()) {
                any.add(pos);
                continue;
            }
            for (String port : f.ports()) {
                int idx = portIndex.applyAsInt(port);
                if (idx >= 0) {
                    scoped.computeIfAbsent(idx, i -> new ArrayList<>()).add(pos);
                    maxPort = Math.max(maxPort, idx);
                }
            }
        }
        // Same program adjacent, so evaluate() runs it once for all of them.
        Comparator<Integer> byProgramThenPosition = Comparator.<Integer>comparingInt(pos -> programOf[pos])
                .thenComparingInt(pos -> pos);
        int[] anyPort = any.stream().sorted(byProgramThenPosition).mapToInt(Integer::intValue).toArray();
        int[][] byPort = new int[maxPort + 1][];
        for (int port = 0; port <= maxPort; port++) {
            List<Integer> all = new ArrayList<>(any);
            all.addAll(scoped.getOrDefault(port, List.of()));
            byPort[port] = all.stream().sorted(byProgramThenPosition).mapToInt(Integer::intValue).toArray();
        }
        return new FilterSet(filters, programOf, programs, runnable, byPort, anyPort);
    }

    /** The filters, by position (including disabled ones). */
    public List<Filter> filters() {
        return filters;
    }

    public int size() {
        return filters.size();
    }

    public Filter filter(int position) {
        return filters.get(position);
    }

    /** The program of the filter at {@code position} (shared by filters with the same expression). */
    public BpfProgram program(int position) {
        return programs[programOf[position]];
    }

    /** Number of distinct programs: what a frame runs at most. */
    public int distinctPrograms() {
        return programs.length;
    }

    /** Whether no frame on any port can match (no enabled filter applies anywhere). */
    public boolean isEmpty() {
        return byPort.length == 0 && anyPort.length == 0;
    }

    /**
     * Evaluates every enabled filter that applies to ingress {@code port} against one frame, in place.
     * Hot path: no allocation (once {@code match} has seen a set this large), no locks, no exceptions.
     *
     * @param port    the ingress port index (a negative index gets only the filters on all ports)
     * @param wireLen the frame's length on the wire
     * @param capLen  the frame's bytes present at {@code segment[offset..]}
     * @param match   the calling thread's result holder, overwritten
     * @return the number of matching filters; {@link FilterMatch#storeLength()} says how many bytes to persist
     */
    public int evaluate(MemorySegment segment, long offset, int wireLen, int capLen, int port, FilterMatch match) {
        match.reset(words);
        int[] positions = port >= 0 && port < byPort.length ? byPort[port] : anyPort;
        if (positions.length == 0) {
            return 0;
        }
        BpfInterpreter interpreter = match.interpreter;
        long[] bitmap = match.bitmap;
        int count = 0;
        long store = 0;
        long captured = Math.max(0, capLen);
        int lastProgram = -1;
        int verdict = 0;
        for (int pos : positions) {
            int program = programOf[pos];
            if (program != lastProgram) {
                lastProgram = program;
                CompiledBpfProgram c = compiled[program];
                verdict = c != null ? c.run(segment, offset, wireLen, capLen)
                        : interpreter.run(programs[program], segment, offset, wireLen, capLen);
            }
            if (verdict != 0) {
                bitmap[pos >>> 6] |= 1L << pos;
                count++;
                int snaplen = snaplens[pos];
                long want = Math.min(Integer.toUnsignedLong(verdict), snaplen == 0 ? captured : snaplen);
                store = Math.max(store, Math.min(want, captured));
            }
        }
        match.count = count;
        match.storeLength = (int) store;
        return count;
    }
}

package io.pswitch.pktlog.filter;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * expression share one program, so a frame runs each distinct program once however many filters
 * (different ports, snaplens) use it. Compiled ({@link Evaluation#COMPILED}), the whole set is one
 * hidden class with one method per distinct port scope ({@link FilterSetCompiler}): header loads made
 * once per frame, tests shared by many programs made once, one call per frame. A filter naming a
 * port the switch does not have matches nothing on it (it is not widened to "all ports"); a disabled
 * filter keeps its position but is never run.
 */
public final class FilterSet {
    /** How the set runs its programs. */
    public enum Evaluation {
        /** {@link BpfInterpreter}: no class per program, cheapest to build. */
        INTERPRETED,
        /**
         * {@link FilterSetCompiler}: the whole set as one hidden class, whatever the number of
         * programs (one class per set, not per program, so the call per frame stays monomorphic
         * for a set, and its cost grows with the tests a frame needs, not with the set's size).
         */
        COMPILED
    }

    /** No filters: nothing matches. */
    public static final FilterSet EMPTY = new FilterSet(List.of(), new int[0], new BpfProgram[0], new int[0][], new int[0]);

    private final List<Filter> filters;
    private final int[] programOf;
    private final BpfProgram[] programs;
    private final int[] snaplens;
    private final int[][] byPort;
    private final int[] anyPort;
    private final int words;
    /** Null when interpreted. */
    private final CompiledFilterSet compiled;
    /** The compiled set's scope for each port index, and for any other port. */
    private final int[] scopeOfPort;
    private final int anyScope;
    private final int memoSlots;

    private FilterSet(List<Filter> filters, int[] programOf, BpfProgram[] programs, int[][] byPort, int[] anyPort) {
        this(filters, programOf, programs, byPort, anyPort, null, new int[0], 0, 0);
    }

    private FilterSet(List<Filter> filters, int[] programOf, BpfProgram[] programs, int[][] byPort, int[] anyPort,
                      CompiledFilterSet compiled, int[] scopeOfPort, int anyScope, int memoSlots) {
        this.compiled = compiled;
        this.scopeOfPort = scopeOfPort;
        this.anyScope = anyScope;
        this.memoSlots = memoSlots;
        this.filters = List.copyOf(filters);
        this.programOf = programOf;
        this.programs = programs;
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
        FilterSet set = build(filters, programOf, programs.toArray(BpfProgram[]::new), portIndex);
        return evaluation == Evaluation.COMPILED && !set.isEmpty() ? set.compileScopes() : set;
    }

    /** One compiled scope per distinct list of positions (ports without scoped filters share one). */
    private FilterSet compileScopes() {
        Map<List<Integer>, Integer> scopeOf = new LinkedHashMap<>();
        int[] scopeOfPort = new int[byPort.length];
        int anyScope = scopeOf.computeIfAbsent(boxed(anyPort), l -> scopeOf.size());
        for (int port = 0; port < byPort.length; port++) {
            scopeOfPort[port] = scopeOf.computeIfAbsent(boxed(byPort[port]), l -> scopeOf.size());
        }
        List<List<FilterSetCompiler.ScopeProgram>> scopes = new ArrayList<>();
        for (List<Integer> positions : scopeOf.keySet()) {
            Map<Integer, List<Integer>> byProgram = new LinkedHashMap<>();
            for (int pos : positions) {
                byProgram.computeIfAbsent(programOf[pos], p -> new ArrayList<>()).add(pos);
            }
            List<FilterSetCompiler.ScopeProgram> scope = new ArrayList<>();
            for (Map.Entry<Integer, List<Integer>> e : byProgram.entrySet()) {
                long cap = 0;
                for (int pos : e.getValue()) {
                    cap = Math.max(cap, snaplens[pos] == 0 ? Long.MAX_VALUE : snaplens[pos]);
                }
                scope.add(new FilterSetCompiler.ScopeProgram(programs[e.getKey()],
                        e.getValue().stream().mapToInt(Integer::intValue).toArray(), cap));
            }
            scopes.add(scope);
        }
        FilterSetCompiler.Result r;
        try {
            r = FilterSetCompiler.compile(scopes);
        } catch (IllegalArgumentException beyondClassFileLimits) {
            // e.g. more distinct constants than a constant pool holds: the interpreter has no such limit.
            return this;
        }
        return new FilterSet(filters, programOf, programs, byPort, anyPort, r.set(), scopeOfPort, anyScope, r.memoSlots());
    }

    private static List<Integer> boxed(int[] positions) {
        return Arrays.stream(positions).boxed().toList();
    }

    private static FilterSet build(List<Filter> filters, int[] programOf, BpfProgram[] programs,
                                   ToIntFunction<String> portIndex) {
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
        return new FilterSet(filters, programOf, programs, byPort, anyPort);
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

    /**
     * Whether the set runs as one generated class ({@link Evaluation#COMPILED} and within the class
     * file's limits) rather than interpreted: what keeps the call per frame monomorphic.
     */
    boolean compiledAsOneClass() {
        return compiled != null;
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
        // Kept small (the interpreted path is a method of its own) so that the JIT inlines this
        // into the caller's loop: a frame then costs one call, into the set's compiled scope.
        CompiledFilterSet c = compiled;
        if (c == null) {
            return interpret(segment, offset, wireLen, capLen, port, match);
        }
        match.prepare(this, words, memoSlots);
        int scope = port >= 0 && port < scopeOfPort.length ? scopeOfPort[port] : anyScope;
        if (segment.isNative() && segment.scope().isAlive()
                && segment.address() + segment.byteSize() <= FrameAccess.ADDRESS_LIMIT) {
            c.evaluate(scope, segment, offset, wireLen, capLen, match);
        } else {
            unusualSegment(c, scope, segment, offset, wireLen, capLen, match);
        }
        int count = match.count;
        if (count != 0) {
            match.storeLength = (int) Math.min(match.want, Math.max(0, capLen));
        }
        return count;
    }

    /**
     * The generated code reads native memory by address ({@link FrameAccess}): a frame in heap
     * memory (tests) is evaluated from a native copy; a closed segment is interpreted, which fails
     * as any access to it does, and so is one beyond {@link FrameAccess#ADDRESS_LIMIT} (none on Linux).
     */
    private static void unusualSegment(CompiledFilterSet c, int scope, MemorySegment segment, long offset, int wireLen,
                                       int capLen, FilterMatch match) {
        if (!segment.scope().isAlive() || segment.isNative()) {
            c.interpretScope(scope, segment, offset, wireLen, capLen, match);
            return;
        }
        int captured = (int) FrameAccess.captured(segment, offset, capLen);
        MemorySegment copy = match.nativeCopy(segment, offset, captured);
        c.evaluate(scope, copy, 0, wireLen, captured, match);
    }

    private int interpret(MemorySegment segment, long offset, int wireLen, int capLen, int port, FilterMatch match) {
        match.prepare(this, words, 0);
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
                verdict = interpreter.run(programs[program], segment, offset, wireLen, capLen);
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

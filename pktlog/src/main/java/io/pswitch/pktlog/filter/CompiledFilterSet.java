package io.pswitch.pktlog.filter;

import java.lang.foreign.MemorySegment;

/**
 * What {@link FilterSetCompiler} generates a subclass of: one hidden class per {@link FilterSet},
 * holding every port scope's programs as one method each, so a frame costs one call however many
 * filters and programs the set has (the call site sees one class per set, not one per program).
 *
 * <p>The generated code reports a program's verdict by its <em>entry</em> (a program as one scope
 * uses it: the positions of the filters it stands for, and their largest snaplen), through
 * {@link #hit}. Frames too short for the scope's hoisted bounds check, and programs too large to be
 * worth compiling, run through {@link BpfInterpreter}: the same verdicts, checked load by load.
 */
abstract class CompiledFilterSet {
    final BpfProgram[] programs;
    final int[][] positions;
    final long[] caps;
    final int[][] scopeEntries;

    /**
     * @param programs     by entry, the program
     * @param positions    by entry, the positions of the filters that match when the program does
     * @param caps         by entry, the largest snaplen of those filters (Long.MAX_VALUE for a whole frame)
     * @param scopeEntries by scope, its entries
     */
    CompiledFilterSet(BpfProgram[] programs, int[][] positions, long[] caps, int[][] scopeEntries) {
        this.programs = programs;
        this.positions = positions;
        this.caps = caps;
        this.scopeEntries = scopeEntries;
    }

    /** Evaluates every entry of {@code scope} into {@code m} (already reset for this frame). */
    abstract void evaluate(int scope, MemorySegment segment, long offset, int wireLen, int capLen, FilterMatch m);

    /** An entry's program returned {@code verdict}: its filters matched unless it is 0. */
    final void hit(FilterMatch m, int entry, int verdict) {
        if (verdict == 0) {
            return;
        }
        long[] bitmap = m.bitmap;
        int[] pos = positions[entry];
        if ((bitmap[pos[0] >>> 6] & (1L << pos[0])) != 0) {
            return; // reported already by another of its chains (GuardChain), with the same verdict
        }
        for (int p : pos) {
            bitmap[p >>> 6] |= 1L << p;
        }
        m.count += pos.length;
        // max over filters of min(verdict, snaplen) = min(verdict, the largest snaplen).
        long want = Math.min(Integer.toUnsignedLong(verdict), caps[entry]);
        if (want > m.want) {
            m.want = want;
        }
    }

    /** The scope's programs one by one: for frames shorter than the loads the compiled code hoists. */
    final void interpretScope(int scope, MemorySegment segment, long offset, int wireLen, int capLen, FilterMatch m) {
        for (int entry : scopeEntries[scope]) {
            hit(m, entry, m.interpreter.run(programs[entry], segment, offset, wireLen, capLen));
        }
    }

    /** One program too large to compile; {@code buflen} is already clamped to the segment. */
    final void interpretEntry(int entry, MemorySegment segment, long offset, int wireLen, long buflen, FilterMatch m) {
        hit(m, entry, m.interpreter.run(programs[entry], segment, offset, wireLen, (int) buflen));
    }
}

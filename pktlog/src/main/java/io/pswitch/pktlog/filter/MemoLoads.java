package io.pswitch.pktlog.filter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packet loads of one port scope's programs, each made once per frame and kept in a slot of
 * {@link FilterMatch#memo}: the Ethernet type, VLAN tags, IP protocol and header length
 * ({@code ldxb 4*([k]&0xf)}) and the transport ports behind it ({@code ldh [x+k]}) are loaded by
 * almost every program, so a set of 2,000 filters loads each of them once instead of 2,000 times.
 *
 * <p>A slot holds the unsigned value, or -1 when the load would read past the captured bytes (libpcap
 * then rejects the frame at that instruction). Slots of absolute loads that end within
 * {@link #guaranteed()} bytes are always valid: the set checks the frame against that length once and
 * interprets the rare shorter frames, so those loads need no check at all, neither when filled nor
 * when used.
 */
final class MemoLoads {
    /** Bytes every frame has unless it is a runt or a cut capture: 60, Ethernet's minimum without FCS. */
    static final int MIN_FRAME = 60;
    /** {@link #xBase} when X's value at an instruction is not one memoised header length. */
    static final int X_UNKNOWN = -1;

    /** One memoised load: an absolute load, a header length, or a load at a header length plus k. */
    record Load(int op, int k, int mshBase) {
        int size() {
            return switch (op) {
                case Bpf.LD_W_ABS, Bpf.LD_W_IND -> 4;
                case Bpf.LD_H_ABS, Bpf.LD_H_IND -> 2;
                default -> 1;
            };
        }

        boolean indexed() {
            return op == Bpf.LD_W_IND || op == Bpf.LD_H_IND || op == Bpf.LD_B_IND;
        }

        /** End of the bytes read, for absolute loads and header lengths. */
        long end() {
            return Integer.toUnsignedLong(k) + size();
        }
    }

    private final Map<Load, Integer> slots = new HashMap<>();
    private final List<Load> loads = new ArrayList<>();
    private final Map<BpfProgram, int[]> xBases = new HashMap<>();
    private long guaranteed;
    private int scratchWords;

    /** Collects the loads of {@code programs}, sorted so that header lengths precede their uses. */
    MemoLoads(List<BpfProgram> programs) {
        List<Load> found = new ArrayList<>();
        for (BpfProgram p : programs) {
            int[] xb = xBases.computeIfAbsent(p, MemoLoads::xDataflow);
            for (int pc = 0; pc < p.length(); pc++) {
                switch (p.code(pc)) {
                    case Bpf.LD_MEM, Bpf.LDX_MEM, Bpf.ST_MEM, Bpf.STX_MEM -> scratchWords |= 1 << p.k(pc);
                    default -> {
                    }
                }
                Load l = loadAt(p, pc, xb);
                if (l != null) {
                    found.add(l);
                }
            }
        }
        for (Load l : found) {
            if (!l.indexed() && l.end() <= MIN_FRAME) {
                guaranteed = Math.max(guaranteed, l.end());
            }
        }
        // Absolute loads and header lengths first (indexed loads read the header length's slot).
        found.sort(Comparator.comparing(Load::indexed).thenComparingLong(l -> l.indexed() ? 0 : l.end()));
        for (Load l : found) {
            if (!slots.containsKey(l)) {
                slots.put(l, loads.size());
                loads.add(l);
            }
        }
    }

    /** The memoised load instruction {@code pc} makes, or null when it is not one. */
    Load loadAt(BpfProgram p, int pc) {
        return loadAt(p, pc, xBases.get(p));
    }

    private static Load loadAt(BpfProgram p, int pc, int[] xb) {
        int op = p.code(pc);
        return switch (op) {
            case Bpf.LD_W_ABS, Bpf.LD_H_ABS, Bpf.LD_B_ABS, Bpf.LDX_MSH -> new Load(op, p.k(pc), 0);
            case Bpf.LD_W_IND, Bpf.LD_H_IND, Bpf.LD_B_IND -> xb[pc] == X_UNKNOWN ? null : new Load(op, p.k(pc), xb[pc]);
            default -> null;
        };
    }

    /**
     * For every instruction, the offset k of the {@code ldxb 4*([k]&0xf)} that set X on every path
     * to it, or {@link #X_UNKNOWN}. Jumps only go forward, so one pass in order sees every
     * predecessor of an instruction before the instruction itself.
     */
    private static int[] xDataflow(BpfProgram p) {
        int n = p.length();
        final int unvisited = -2;
        int[] in = new int[n];
        java.util.Arrays.fill(in, unvisited);
        in[0] = X_UNKNOWN; // X starts at 0, not a header length
        for (int pc = 0; pc < n; pc++) {
            int x = in[pc];
            if (x == unvisited) {
                continue; // unreachable
            }
            int op = p.code(pc);
            int out = switch (op) {
                case Bpf.LDX_MSH -> p.k(pc) >= 0 ? p.k(pc) : X_UNKNOWN;
                case Bpf.LDX_IMM, Bpf.LDX_MEM, Bpf.LDX_LEN, Bpf.MISC_TAX -> X_UNKNOWN;
                default -> x;
            };
            switch (Bpf.cls(op)) {
                case Bpf.RET -> {
                }
                case Bpf.JMP -> {
                    if (op == Bpf.JMP_JA) {
                        flow(in, pc + 1 + p.k(pc), out, unvisited);
                    } else {
                        flow(in, pc + 1 + p.jt(pc), out, unvisited);
                        flow(in, pc + 1 + p.jf(pc), out, unvisited);
                    }
                }
                default -> flow(in, pc + 1, out, unvisited);
            }
        }
        return in;
    }

    private static void flow(int[] in, int to, int x, int unvisited) {
        in[to] = in[to] == unvisited || in[to] == x ? x : X_UNKNOWN;
    }

    int slot(Load l) {
        return slots.get(l);
    }

    List<Load> loads() {
        return loads;
    }

    /** Frames with fewer captured bytes are interpreted; every longer frame has these bytes loaded unchecked. */
    long guaranteed() {
        return guaranteed;
    }

    /** Bit k set: some program of the scope uses scratch word M[k]. */
    int scratchWords() {
        return scratchWords;
    }

    /** Whether the slot can hold -1 (the load may read past the captured bytes). */
    boolean mayBeInvalid(Load l) {
        return l.indexed() || l.end() > guaranteed;
    }
}

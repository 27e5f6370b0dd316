package io.pswitch.pktlog.filter;

import java.util.ArrayList;
import java.util.List;

/**
 * A program split into the tests it must pass to match at all, and the rest. From its first
 * instruction, as long as the program only loads header fields and tests them against constants,
 * each test whose other branch returns 0 is a <em>guard</em>: {@code ether type is IPv4},
 * {@code IP protocol is UDP}, {@code not a fragment}, {@code dst port is 5001}. The set tests a guard
 * shared by many programs once for all of them ({@link GuardTrie}), and runs each program's
 * <em>residual</em> (the instructions from where the guards end) only when its guards all held.
 *
 * <p>Sound because loads have no side effects and a failed guard means the program would have
 * returned 0: the residual starts with A and X as the program had them there.
 */
final class GuardChain {
    /** A pseudo-operation: the slot holds a value (the load would not read past the captured bytes). */
    static final int VALID = -1;

    /** {@code slot op k} (unsigned, as the jump compares), or its negation; or {@code VALID(slot)}. */
    record Guard(int slot, int op, int k, boolean negated) {
    }

    /** A register's value where the residual starts: a memo slot, or a constant when slot is -1. */
    record Reg(int slot, int constant) {
        static final Reg ZERO = new Reg(-1, 0);
    }

    final List<Guard> guards;
    final int residualPc;
    final Reg a;
    final Reg x;
    /** The program returns 0 on the path the guards describe: it can never match. */
    final boolean never;
    /**
     * Made where one side of a test accepts at once: this chain's guards and another's of the same
     * program can hold for one frame, so a match reported here may be reported already.
     */
    final boolean overlaps;

    private GuardChain(List<Guard> guards, int residualPc, Reg a, Reg x, boolean never) {
        this(guards, residualPc, a, x, never, false);
    }

    private GuardChain(List<Guard> guards, int residualPc, Reg a, Reg x, boolean never, boolean overlaps) {
        this.overlaps = overlaps;
        this.guards = guards;
        this.residualPc = residualPc;
        this.a = a;
        this.x = x;
        this.never = never;
    }

    /** Most paths one program is split into; beyond, it keeps one chain that stops at the first fork. */
    static final int MAX_PATHS = 16;

    /**
     * The program as chains that exclude each other: where it tests a header field and both
     * outcomes can still match ({@code ip6} or {@code ip}, for {@code udp port 53}), it forks into a
     * chain per outcome, each guarded by that outcome, so that both halves share guards with other
     * programs. At most one chain's guards hold for any frame, so a program reports at most once.
     */
    static List<GuardChain> paths(BpfProgram p, MemoLoads memo) {
        List<GuardChain> out = new ArrayList<>();
        if (walk(p, memo, 0, Reg.ZERO, Reg.ZERO, new ArrayList<>(), true, out) && out.size() <= MAX_PATHS) {
            out.removeIf(c -> c.never);
            return out;
        }
        out.clear();
        walk(p, memo, 0, Reg.ZERO, Reg.ZERO, new ArrayList<>(), false, out);
        out.removeIf(c -> c.never);
        return out;
    }

    static GuardChain of(BpfProgram p, MemoLoads memo) {
        List<GuardChain> out = new ArrayList<>();
        walk(p, memo, 0, Reg.ZERO, Reg.ZERO, new ArrayList<>(), false, out);
        return out.getFirst();
    }

    /** Whether one frame can pass the guards of two of {@code chains} (the program's, from {@link #paths}). */
    static boolean overlapping(List<GuardChain> chains) {
        for (GuardChain c : chains) {
            if (c.overlaps) {
                return true;
            }
        }
        return false;
    }

    /** Adds the chains from {@code pc} to {@code out}; false when forking made more than {@link #MAX_PATHS}. */
    private static boolean walk(BpfProgram p, MemoLoads memo, int pc, Reg a, Reg x, List<Guard> guards, boolean fork,
                                List<GuardChain> out) {
        while (true) {
            if (out.size() > MAX_PATHS) {
                return false;
            }
            int op = p.code(pc);
            MemoLoads.Load load = memo.loadAt(p, pc);
            if (load != null) {
                int slot = memo.slot(load);
                if (memo.mayBeInvalid(load)) {
                    addOnce(guards, new Guard(slot, VALID, 0, false));
                }
                if (op == Bpf.LDX_MSH) {
                    x = new Reg(slot, 0);
                } else {
                    a = new Reg(slot, 0);
                }
                pc++;
                continue;
            }
            switch (op) {
                case Bpf.LD_IMM -> {
                    a = new Reg(-1, p.k(pc));
                    pc++;
                    continue;
                }
                case Bpf.LDX_IMM -> {
                    x = new Reg(-1, p.k(pc));
                    pc++;
                    continue;
                }
                case Bpf.JMP_JA -> {
                    pc = pc + 1 + p.k(pc);
                    continue;
                }
                case Bpf.RET_K_OP -> {
                    out.add(new GuardChain(guards, pc, a, x, p.k(pc) == 0));
                    return true;
                }
                case Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K -> {
                    int yes = pc + 1 + p.jt(pc);
                    int no = pc + 1 + p.jf(pc);
                    if (yes == no) {
                        pc = yes;
                        continue;
                    }
                    if (a.slot() >= 0 && (rejects(p, yes) || rejects(p, no))) {
                        boolean mustFail = rejects(p, yes);
                        guards.add(new Guard(a.slot(), op & 0xf0, p.k(pc), mustFail));
                        pc = mustFail ? no : yes;
                        continue;
                    }
                    int accept = accepts(p, yes) ? yes : accepts(p, no) ? no : -1;
                    if (a.slot() >= 0 && fork && accept >= 0 && uniformVerdict(p)) {
                        // One side accepts at once: the chain for the other side needs no guard. If
                        // both chains' guards hold, the program matches either way with the same
                        // verdict, and CompiledFilterSet.hit counts a program once. So 'port 80'
                        // is 'src port 80' or 'dst port 80', each a switch case beside the others.
                        List<Guard> other = new ArrayList<>(guards);
                        other.add(new Guard(a.slot(), op & 0xf0, p.k(pc), accept == no));
                        out.add(new GuardChain(other, accept, a, x, false, true));
                        pc = accept == yes ? no : yes;
                        continue;
                    }
                    if (a.slot() >= 0 && fork) {
                        List<Guard> other = new ArrayList<>(guards);
                        other.add(new Guard(a.slot(), op & 0xf0, p.k(pc), true));
                        guards.add(new Guard(a.slot(), op & 0xf0, p.k(pc), false));
                        return walk(p, memo, yes, a, x, guards, true, out) && walk(p, memo, no, a, x, other, true, out);
                    }
                }
                default -> {
                }
            }
            out.add(new GuardChain(guards, pc, a, x, false));
            return true;
        }
    }

    private static void addOnce(List<Guard> guards, Guard g) {
        if (!guards.contains(g)) {
            guards.add(g);
        }
    }

    /** Whether the instruction at {@code pc} is {@code ret #k} with k other than 0. */
    private static boolean accepts(BpfProgram p, int pc) {
        return p.code(pc) == Bpf.RET_K_OP && p.k(pc) != 0;
    }

    /** Whether every RET returns a constant, and the non-zero ones all the same (libpcap's programs do). */
    private static boolean uniformVerdict(BpfProgram p) {
        int verdict = 0;
        for (int pc = 0; pc < p.length(); pc++) {
            if (p.code(pc) == Bpf.RET_A_OP) {
                return false;
            }
            if (p.code(pc) == Bpf.RET_K_OP && p.k(pc) != 0) {
                if (verdict != 0 && verdict != p.k(pc)) {
                    return false;
                }
                verdict = p.k(pc);
            }
        }
        return true;
    }

    /** Whether the instruction at {@code pc} is {@code ret #0}. */
    private static boolean rejects(BpfProgram p, int pc) {
        return p.code(pc) == Bpf.RET_K_OP && p.k(pc) == 0;
    }
}

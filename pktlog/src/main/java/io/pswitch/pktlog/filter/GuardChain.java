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

    private GuardChain(List<Guard> guards, int residualPc, Reg a, Reg x, boolean never) {
        this.guards = guards;
        this.residualPc = residualPc;
        this.a = a;
        this.x = x;
        this.never = never;
    }

    static GuardChain of(BpfProgram p, MemoLoads memo) {
        List<Guard> guards = new ArrayList<>();
        Reg a = Reg.ZERO;
        Reg x = Reg.ZERO;
        int pc = 0;
        while (true) {
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
                    return new GuardChain(guards, pc, a, x, p.k(pc) == 0);
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
                }
                default -> {
                }
            }
            return new GuardChain(guards, pc, a, x, false);
        }
    }

    private static void addOnce(List<Guard> guards, Guard g) {
        if (!guards.contains(g)) {
            guards.add(g);
        }
    }

    /** Whether the instruction at {@code pc} is {@code ret #0}. */
    private static boolean rejects(BpfProgram p, int pc) {
        return p.code(pc) == Bpf.RET_K_OP && p.k(pc) == 0;
    }
}

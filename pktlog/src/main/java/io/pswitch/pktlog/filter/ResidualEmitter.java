package io.pswitch.pktlog.filter;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.foreign.MemorySegment;

/**
 * Emits what is left of one program once its guards held ({@link GuardChain}), into a method of the
 * class {@link FilterSetCompiler} builds. As {@link BpfBytecodeCompiler}'s translation, instruction
 * for instruction, except: header loads read the frame's memo slot (loaded once for the whole set),
 * checked only when the slot may be past the captured bytes; and a {@code RET} reports the verdict
 * with {@link CompiledFilterSet#hit} and continues with the next program instead of returning.
 */
final class ResidualEmitter {
    // Locals of a node method: this, then its parameters, then ours.
    static final int SEGMENT = 1, OFFSET = 2, WIRE_LEN = 4, BUFLEN = 5, MEMO = 7, MATCH = 8, BASE = 9, A = 11, X = 12,
            MEM = 13;
    /** A long scratch local, then (when the scope is one method) the memo slots as long locals. */
    static final int TMP = MEM + Bpf.MEMWORDS, LOCAL_MEMO = TMP + 2;

    static final ClassDesc CD_SEGMENT = ClassDesc.of(MemorySegment.class.getName());
    static final ClassDesc CD_MATCH = ClassDesc.of(FilterMatch.class.getName());
    static final ClassDesc CD_BASE = ClassDesc.of(CompiledFilterSet.class.getName());
    static final ClassDesc CD_ACCESS = ClassDesc.of(FrameAccess.class.getName());
    private static final MethodTypeDesc INT_INT_TO_INT = MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_int, ConstantDescs.CD_int);
    private static final MethodTypeDesc INT_TO_LONG = MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_int);
    static final MethodTypeDesc HIT = MethodTypeDesc.of(ConstantDescs.CD_void, CD_MATCH, ConstantDescs.CD_int, ConstantDescs.CD_int);
    static final MethodTypeDesc INTERPRET_ENTRY = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_int, CD_SEGMENT,
            ConstantDescs.CD_long, ConstantDescs.CD_int, ConstantDescs.CD_long, CD_MATCH);

    private ResidualEmitter() {
    }

    /** Estimated bytecode size of the entry's residual (about 14 bytes an instruction). */
    static int estimate(BpfProgram p, GuardChain chain) {
        if (chain.never) {
            return 0;
        }
        boolean[] live = reachable(p, chain.residualPc);
        int n = 0;
        for (boolean b : live) {
            n += b ? 1 : 0;
        }
        return 20 + 14 * n;
    }

    /**
     * Pushes memo slot {@code slot} (a long): from a local when the whole scope is one method (the
     * JIT keeps it in a register), else from the frame's {@link FilterMatch#memo} array.
     */
    static CodeBuilder memo(CodeBuilder cb, int slot, boolean inLocals) {
        return inLocals ? cb.lload(LOCAL_MEMO + 2 * slot) : cb.aload(MEMO).loadConstant(slot).laload();
    }

    static void emit(CodeBuilder cb, GuardTrie.Entry e, MemoLoads memo, boolean inLocals) {
        GuardChain chain = e.chain();
        if (chain.never) {
            return;
        }
        if (e.interpreted()) {
            cb.aload(0).loadConstant(e.id()).aload(SEGMENT).lload(OFFSET).iload(WIRE_LEN).lload(BUFLEN).aload(MATCH)
                    .invokevirtual(CD_BASE, "interpretEntry", INTERPRET_ENTRY);
            return;
        }
        BpfProgram p = e.program();
        boolean[] live = reachable(p, chain.residualPc);
        Label[] at = new Label[p.length()];
        for (int pc = 0; pc < at.length; pc++) {
            at[pc] = live[pc] ? cb.newLabel() : null;
        }
        Label end = cb.newLabel();
        if (p.code(chain.residualPc) != Bpf.RET_K_OP) { // a residual that only returns reads neither register
            register(cb, chain.a, A, inLocals);
            register(cb, chain.x, X, inLocals);
        }
        for (int pc = chain.residualPc; pc < p.length(); pc++) {
            if (live[pc]) {
                cb.labelBinding(at[pc]);
                instruction(cb, e, memo, inLocals, pc, at, end);
            }
        }
        cb.labelBinding(end);
    }

    private static void register(CodeBuilder cb, GuardChain.Reg r, int local, boolean inLocals) {
        if (r.slot() >= 0) {
            memo(cb, r.slot(), inLocals).l2i().istore(local);
        } else {
            cb.loadConstant(r.constant()).istore(local);
        }
    }

    /** The memo slots the entry's residual reads. */
    static java.util.BitSet slotsUsed(GuardTrie.Entry e, MemoLoads memo) {
        java.util.BitSet used = new java.util.BitSet();
        GuardChain chain = e.chain();
        if (chain.never || e.interpreted()) {
            return used;
        }
        if (chain.a.slot() >= 0) {
            used.set(chain.a.slot());
        }
        if (chain.x.slot() >= 0) {
            used.set(chain.x.slot());
        }
        boolean[] live = reachable(e.program(), chain.residualPc);
        for (int pc = 0; pc < live.length; pc++) {
            MemoLoads.Load l = live[pc] ? memo.loadAt(e.program(), pc) : null;
            if (l != null) {
                used.set(memo.slot(l));
            }
        }
        return used;
    }

    /** Instructions reachable from {@code from} (jumps go forward, so one pass in order). */
    static boolean[] reachable(BpfProgram p, int from) {
        boolean[] live = new boolean[p.length()];
        live[from] = true;
        for (int pc = from; pc < p.length(); pc++) {
            if (!live[pc]) {
                continue;
            }
            int op = p.code(pc);
            if (op == Bpf.JMP_JA) {
                live[pc + 1 + p.k(pc)] = true;
            } else if (Bpf.cls(op) == Bpf.JMP) {
                live[pc + 1 + p.jt(pc)] = true;
                live[pc + 1 + p.jf(pc)] = true;
            } else if (Bpf.cls(op) != Bpf.RET) {
                live[pc + 1] = true;
            }
        }
        return live;
    }

    private static void instruction(CodeBuilder cb, GuardTrie.Entry e, MemoLoads memo, boolean inLocals, int pc, Label[] at,
                                    Label end) {
        BpfProgram p = e.program();
        int k = p.k(pc);
        int op = p.code(pc);
        MemoLoads.Load load = memo.loadAt(p, pc);
        if (load != null) {
            int slot = memo.slot(load);
            if (memo.mayBeInvalid(load)) {
                memo(cb, slot, inLocals).lconst_0().lcmp().iflt(end);
            }
            memo(cb, slot, inLocals).l2i().istore(op == Bpf.LDX_MSH ? X : A);
            return;
        }
        switch (op) {
            case Bpf.LD_W_IND -> loadInd(cb, k, 4, end);
            case Bpf.LD_H_IND -> loadInd(cb, k, 2, end);
            case Bpf.LD_B_IND -> loadInd(cb, k, 1, end);
            case Bpf.LD_W_LEN -> cb.iload(WIRE_LEN).istore(A);
            case Bpf.LD_IMM -> cb.loadConstant(k).istore(A);
            case Bpf.LD_MEM -> cb.iload(MEM + k).istore(A);
            case Bpf.LDX_IMM -> cb.loadConstant(k).istore(X);
            case Bpf.LDX_MEM -> cb.iload(MEM + k).istore(X);
            case Bpf.LDX_LEN -> cb.iload(WIRE_LEN).istore(X);
            case Bpf.ST_MEM -> cb.iload(A).istore(MEM + k);
            case Bpf.STX_MEM -> cb.iload(X).istore(MEM + k);
            case Bpf.ALU_ADD_K -> cb.iload(A).loadConstant(k).iadd().istore(A);
            case Bpf.ALU_SUB_K -> cb.iload(A).loadConstant(k).isub().istore(A);
            case Bpf.ALU_MUL_K -> cb.iload(A).loadConstant(k).imul().istore(A);
            case Bpf.ALU_DIV_K -> cb.iload(A).loadConstant(k).invokestatic(ConstantDescs.CD_Integer, "divideUnsigned", INT_INT_TO_INT).istore(A);
            case Bpf.ALU_MOD_K -> cb.iload(A).loadConstant(k).invokestatic(ConstantDescs.CD_Integer, "remainderUnsigned", INT_INT_TO_INT).istore(A);
            case Bpf.ALU_OR_K -> cb.iload(A).loadConstant(k).ior().istore(A);
            case Bpf.ALU_AND_K -> cb.iload(A).loadConstant(k).iand().istore(A);
            case Bpf.ALU_XOR_K -> cb.iload(A).loadConstant(k).ixor().istore(A);
            case Bpf.ALU_LSH_K -> cb.iload(A).loadConstant(k).ishl().istore(A);
            case Bpf.ALU_RSH_K -> cb.iload(A).loadConstant(k).iushr().istore(A);
            case Bpf.ALU_ADD_X -> cb.iload(A).iload(X).iadd().istore(A);
            case Bpf.ALU_SUB_X -> cb.iload(A).iload(X).isub().istore(A);
            case Bpf.ALU_MUL_X -> cb.iload(A).iload(X).imul().istore(A);
            case Bpf.ALU_DIV_X -> cb.iload(X).ifeq(end).iload(A).iload(X)
                    .invokestatic(ConstantDescs.CD_Integer, "divideUnsigned", INT_INT_TO_INT).istore(A);
            case Bpf.ALU_MOD_X -> cb.iload(X).ifeq(end).iload(A).iload(X)
                    .invokestatic(ConstantDescs.CD_Integer, "remainderUnsigned", INT_INT_TO_INT).istore(A);
            case Bpf.ALU_OR_X -> cb.iload(A).iload(X).ior().istore(A);
            case Bpf.ALU_AND_X -> cb.iload(A).iload(X).iand().istore(A);
            case Bpf.ALU_XOR_X -> cb.iload(A).iload(X).ixor().istore(A);
            case Bpf.ALU_LSH_X, Bpf.ALU_RSH_X -> {
                // Unsigned X >= 32 shifts everything out (the JVM would mask the count to 5 bits).
                Label zero = cb.newLabel();
                Label done = cb.newLabel();
                cb.iload(X).loadConstant(Integer.MIN_VALUE).ixor().loadConstant(32 ^ Integer.MIN_VALUE).if_icmpge(zero);
                cb.iload(A).iload(X);
                if (op == Bpf.ALU_LSH_X) {
                    cb.ishl();
                } else {
                    cb.iushr();
                }
                cb.istore(A).goto_(done).labelBinding(zero).iconst_0().istore(A).labelBinding(done);
            }
            case Bpf.ALU_NEG -> cb.iload(A).ineg().istore(A);
            case Bpf.JMP_JA -> cb.goto_(at[pc + 1 + k]);
            case Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K,
                 Bpf.JMP_JEQ_X, Bpf.JMP_JGT_X, Bpf.JMP_JGE_X, Bpf.JMP_JSET_X -> jump(cb, p, pc, at);
            case Bpf.RET_K_OP -> {
                if (k != 0 && inLocals && e.positions().length == 1 && e.reportedOnce()) {
                    hitInline(cb, e.positions()[0], Math.min(Integer.toUnsignedLong(k), e.cap()));
                } else if (k != 0) {
                    cb.aload(0).aload(MATCH).loadConstant(e.id()).loadConstant(k).invokevirtual(CD_BASE, "hit", HIT);
                }
                cb.goto_(end);
            }
            case Bpf.RET_A_OP -> cb.aload(0).aload(MATCH).loadConstant(e.id()).iload(A)
                    .invokevirtual(CD_BASE, "hit", HIT).goto_(end);
            case Bpf.MISC_TAX -> cb.iload(A).istore(X);
            case Bpf.MISC_TXA -> cb.iload(X).istore(A);
            default -> throw new IllegalStateException("instruction " + pc + ": opcode 0x"
                    + Integer.toHexString(op) + " passed validation but has no translation");
        }
    }

    private static final MethodTypeDesc HIT_ONE = MethodTypeDesc.of(ConstantDescs.CD_void, CD_MATCH, ConstantDescs.CD_int,
            ConstantDescs.CD_long, ConstantDescs.CD_long);

    /**
     * {@link CompiledFilterSet#hit} for an entry of one filter position, a constant verdict and
     * chains no frame passes two of: {@link FilterMatch#hitOne}, small enough that the JIT always
     * inlines it. In a scope small enough to be one method the whole set is inlined into the
     * caller's loop, and a call on the matching path would make that loop keep its state on the
     * stack for every frame.
     */
    private static void hitInline(CodeBuilder cb, int position, long want) {
        cb.aload(MATCH).loadConstant(position >>> 6).loadConstant(1L << position).loadConstant(want)
                .invokestatic(CD_MATCH, "hitOne", HIT_ONE);
    }

    /** A load at X + k where X is not a memoised header length: checked here, in 64 bits so it cannot wrap. */
    private static void loadInd(CodeBuilder cb, int k, int size, Label reject) {
        long uk = Integer.toUnsignedLong(k);
        cb.iload(X).invokestatic(ConstantDescs.CD_Integer, "toUnsignedLong", INT_TO_LONG).loadConstant(uk + size).ladd()
                .lload(BUFLEN).lcmp().ifgt(reject);
        cb.lload(BASE).iload(X).invokestatic(ConstantDescs.CD_Integer, "toUnsignedLong", INT_TO_LONG).ladd()
                .loadConstant(uk).ladd();
        load(cb, size, false);
        cb.l2i().istore(A);
    }

    private static final MethodTypeDesc LOAD = MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_long);

    /**
     * (address) to the unsigned value of the {@code size} bytes there as a long, by a
     * {@link FrameAccess} helper; {@code msh}: BPF's {@code 4*([k]&0xf)} of the byte instead. The
     * address is {@link #BASE} plus at most the bytes the caller checked against {@link #BUFLEN}
     * (or the scope's hoisted bound), so it is within the frame's segment.
     */
    static void load(CodeBuilder cb, int size, boolean msh) {
        String helper = msh ? "msh" : switch (size) {
            case 4 -> "u32";
            case 2 -> "u16";
            default -> "u8";
        };
        cb.invokestatic(CD_ACCESS, helper, LOAD);
    }

    private static void jump(CodeBuilder cb, BpfProgram p, int pc, Label[] at) {
        Label yes = at[pc + 1 + p.jt(pc)];
        Label no = at[pc + 1 + p.jf(pc)];
        int op = p.code(pc);
        boolean againstX = (op & Bpf.X) != 0;
        int k = p.k(pc);
        if (yes == no) {
            cb.goto_(yes);
            return;
        }
        cb.iload(A);
        switch (op & 0xf0) {
            case Bpf.JEQ -> {
                operand(cb, againstX, k, false);
                cb.if_icmpeq(yes);
            }
            case Bpf.JGT, Bpf.JGE -> {
                // Unsigned comparison: flip the sign bit of both sides, then compare signed.
                cb.loadConstant(Integer.MIN_VALUE).ixor();
                operand(cb, againstX, k, true);
                if ((op & 0xf0) == Bpf.JGT) {
                    cb.if_icmpgt(yes);
                } else {
                    cb.if_icmpge(yes);
                }
            }
            default -> { // JSET
                operand(cb, againstX, k, false);
                cb.iand().ifne(yes);
            }
        }
        cb.goto_(no);
    }

    private static void operand(CodeBuilder cb, boolean againstX, int k, boolean flipSign) {
        if (againstX) {
            cb.iload(X);
            if (flipSign) {
                cb.loadConstant(Integer.MIN_VALUE).ixor();
            }
        } else {
            cb.loadConstant(flipSign ? k ^ Integer.MIN_VALUE : k);
        }
    }
}

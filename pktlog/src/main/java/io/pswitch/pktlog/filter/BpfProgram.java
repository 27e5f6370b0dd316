package io.pswitch.pktlog.filter;

import java.util.Arrays;

/**
 * A validated classic BPF program, held as parallel primitive arrays (no instruction objects, so the
 * interpreter walks four dense arrays).
 *
 * <p>Validation follows the kernel's classic checker and libpcap's {@code bpf_validate}, so that any
 * program that exists as a {@code BpfProgram} runs to a {@code RET} without touching memory outside
 * the frame or scratch store: length 1..{@value Bpf#MAXINSNS}; only known opcodes; every jump
 * forward and inside the program; the last instruction a {@code RET}; no division or modulo by a
 * constant 0; constant shifts below 32; scratch indices below {@value Bpf#MEMWORDS}; and (as the
 * kernel does) no scratch load on a path where that word was not stored first, which is what lets
 * the interpreter skip zeroing scratch memory for every frame.
 */
public final class BpfProgram {
    final short[] code;
    final byte[] jt;
    final byte[] jf;
    final int[] k;

    private BpfProgram(short[] code, byte[] jt, byte[] jf, int[] k) {
        this.code = code;
        this.jt = jt;
        this.jf = jf;
        this.k = k;
    }

    /**
     * Validates and wraps the four instruction arrays (copied; the caller keeps its own).
     *
     * @throws BpfValidationException naming the first offending instruction
     */
    public static BpfProgram of(short[] code, byte[] jt, byte[] jf, int[] k) {
        int n = code.length;
        if (jt.length != n || jf.length != n || k.length != n) {
            throw new BpfValidationException(-1, "instruction arrays differ in length");
        }
        BpfProgram p = new BpfProgram(code.clone(), jt.clone(), jf.clone(), k.clone());
        p.validate();
        return p;
    }

    /** Number of instructions. */
    public int length() {
        return code.length;
    }

    public int code(int pc) {
        return code[pc] & 0xffff;
    }

    public int jt(int pc) {
        return jt[pc] & 0xff;
    }

    public int jf(int pc) {
        return jf[pc] & 0xff;
    }

    public int k(int pc) {
        return k[pc];
    }

    private void validate() {
        int n = code.length;
        if (n == 0) {
            throw new BpfValidationException(-1, "empty program");
        }
        if (n > Bpf.MAXINSNS) {
            throw new BpfValidationException(-1, n + " instructions, more than the limit of " + Bpf.MAXINSNS);
        }
        for (int pc = 0; pc < n; pc++) {
            int op = code(pc);
            long kk = Integer.toUnsignedLong(k[pc]);
            if (!Bpf.known(op)) {
                throw new BpfValidationException(pc, "unknown opcode 0x" + Integer.toHexString(op));
            }
            switch (op) {
                case Bpf.LD_MEM, Bpf.LDX_MEM, Bpf.ST_MEM, Bpf.STX_MEM -> {
                    if (kk >= Bpf.MEMWORDS) {
                        throw new BpfValidationException(pc, "scratch memory index " + kk + " out of range 0.." + (Bpf.MEMWORDS - 1));
                    }
                }
                case Bpf.ALU_DIV_K, Bpf.ALU_MOD_K -> {
                    if (kk == 0) {
                        throw new BpfValidationException(pc, (op == Bpf.ALU_DIV_K ? "division" : "modulo") + " by constant 0");
                    }
                }
                case Bpf.ALU_LSH_K, Bpf.ALU_RSH_K -> {
                    if (kk >= 32) {
                        throw new BpfValidationException(pc, "shift by constant " + kk + " (must be below 32)");
                    }
                }
                case Bpf.JMP_JA -> {
                    if (pc + 1 + kk >= n) {
                        throw new BpfValidationException(pc, "jump offset " + kk + " leaves the program");
                    }
                }
                case Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K,
                     Bpf.JMP_JEQ_X, Bpf.JMP_JGT_X, Bpf.JMP_JGE_X, Bpf.JMP_JSET_X -> {
                    if (pc + 1 + jt(pc) >= n || pc + 1 + jf(pc) >= n) {
                        throw new BpfValidationException(pc, "conditional jump (jt " + jt(pc) + ", jf " + jf(pc) + ") leaves the program");
                    }
                }
                default -> {
                }
            }
        }
        if (Bpf.cls(code(n - 1)) != Bpf.RET) {
            throw new BpfValidationException(n - 1, "last instruction is not a RET");
        }
        checkScratchStoredBeforeLoaded();
    }

    /** The kernel's check_load_and_stores: jumps only go forward, so one pass propagates the masks. */
    private void checkScratchStoredBeforeLoaded() {
        int n = code.length;
        int[] validOnEntry = new int[n];
        Arrays.fill(validOnEntry, ~0);
        validOnEntry[0] = 0;
        int valid = ~0;
        for (int pc = 0; pc < n; pc++) {
            valid &= validOnEntry[pc];
            int op = code(pc);
            switch (op) {
                case Bpf.ST_MEM, Bpf.STX_MEM -> valid |= 1 << k[pc];
                case Bpf.LD_MEM, Bpf.LDX_MEM -> {
                    if ((valid & (1 << k[pc])) == 0) {
                        throw new BpfValidationException(pc, "loads scratch M[" + k[pc] + "] that may not have been stored");
                    }
                }
                case Bpf.JMP_JA -> {
                    validOnEntry[pc + 1 + k[pc]] &= valid;
                    valid = ~0;
                }
                case Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K,
                     Bpf.JMP_JEQ_X, Bpf.JMP_JGT_X, Bpf.JMP_JGE_X, Bpf.JMP_JSET_X -> {
                    validOnEntry[pc + 1 + jt(pc)] &= valid;
                    validOnEntry[pc + 1 + jf(pc)] &= valid;
                    valid = ~0;
                }
                case Bpf.RET_K_OP, Bpf.RET_A_OP -> valid = ~0; // the next instruction is reachable only by a jump
                default -> {
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BpfProgram p && Arrays.equals(code, p.code) && Arrays.equals(jt, p.jt)
                && Arrays.equals(jf, p.jf) && Arrays.equals(k, p.k);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(code) * 31 + Arrays.hashCode(k);
    }

    /** One line per instruction, as {@code tcpdump -dd} prints them: {@code { 0x28, 0, 0, 0x0000000c },}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int pc = 0; pc < code.length; pc++) {
            sb.append(String.format("{ 0x%x, %d, %d, 0x%08x },%n", code(pc), jt(pc), jf(pc), k[pc]));
        }
        return sb.toString();
    }
}

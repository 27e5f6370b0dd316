package io.pswitch.pktlog.filter;

/**
 * Classic BPF opcode fields and the complete opcodes this engine accepts (the set that libpcap's
 * {@code bpf_validate} and the kernel's classic checker share; no Linux ancillary loads, no
 * {@code RET X}).
 *
 * <pre>
 *   code:  7    5 4  3 2   0        class LD/LDX: mode(3) size(2) class(3)
 *         +------+----+-----+        class ALU/JMP: op(4) src(1) class(3)
 *         | mode |size|class|        class RET: rval(2 at bits 3-4) class(3)
 *         +------+----+-----+
 * </pre>
 */
public final class Bpf {
    private Bpf() {
    }

    /** Scratch memory words {@code M[0..15]}. */
    public static final int MEMWORDS = 16;
    /** Longest accepted program, as in the kernel ({@code BPF_MAXINSNS}). */
    public static final int MAXINSNS = 4096;

    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07;
    public static final int W = 0x00, H = 0x08, B = 0x10;
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50,
            LSH = 0x60, RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0;
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    public static final int K = 0x00, X = 0x08;
    public static final int RET_K = 0x00, RET_A = 0x10;
    public static final int TAX = 0x00, TXA = 0x80;

    // Complete opcodes, named as in bpf_image ("ldh [k]" = LD_H_ABS).
    public static final int LD_W_ABS = LD | W | ABS, LD_H_ABS = LD | H | ABS, LD_B_ABS = LD | B | ABS;
    public static final int LD_W_IND = LD | W | IND, LD_H_IND = LD | H | IND, LD_B_IND = LD | B | IND;
    public static final int LD_W_LEN = LD | W | LEN, LD_IMM = LD | IMM, LD_MEM = LD | MEM;
    public static final int LDX_IMM = LDX | W | IMM, LDX_MEM = LDX | W | MEM, LDX_LEN = LDX | W | LEN, LDX_MSH = LDX | B | MSH;
    public static final int ST_MEM = ST, STX_MEM = STX;
    public static final int ALU_ADD_K = ALU | ADD | K, ALU_SUB_K = ALU | SUB | K, ALU_MUL_K = ALU | MUL | K,
            ALU_DIV_K = ALU | DIV | K, ALU_MOD_K = ALU | MOD | K, ALU_OR_K = ALU | OR | K, ALU_AND_K = ALU | AND | K,
            ALU_XOR_K = ALU | XOR | K, ALU_LSH_K = ALU | LSH | K, ALU_RSH_K = ALU | RSH | K;
    public static final int ALU_ADD_X = ALU | ADD | X, ALU_SUB_X = ALU | SUB | X, ALU_MUL_X = ALU | MUL | X,
            ALU_DIV_X = ALU | DIV | X, ALU_MOD_X = ALU | MOD | X, ALU_OR_X = ALU | OR | X, ALU_AND_X = ALU | AND | X,
            ALU_XOR_X = ALU | XOR | X, ALU_LSH_X = ALU | LSH | X, ALU_RSH_X = ALU | RSH | X;
    public static final int ALU_NEG = ALU | NEG;
    public static final int JMP_JA = JMP | JA;
    public static final int JMP_JEQ_K = JMP | JEQ | K, JMP_JGT_K = JMP | JGT | K, JMP_JGE_K = JMP | JGE | K, JMP_JSET_K = JMP | JSET | K;
    public static final int JMP_JEQ_X = JMP | JEQ | X, JMP_JGT_X = JMP | JGT | X, JMP_JGE_X = JMP | JGE | X, JMP_JSET_X = JMP | JSET | X;
    public static final int RET_K_OP = RET | RET_K, RET_A_OP = RET | RET_A;
    public static final int MISC_TAX = MISC | TAX, MISC_TXA = MISC | TXA;

    public static int cls(int code) {
        return code & 0x07;
    }

    /** Whether {@code code} is one of the opcodes above. */
    public static boolean known(int code) {
        return switch (code) {
            case LD_W_ABS, LD_H_ABS, LD_B_ABS, LD_W_IND, LD_H_IND, LD_B_IND, LD_W_LEN, LD_IMM, LD_MEM,
                 LDX_IMM, LDX_MEM, LDX_LEN, LDX_MSH, ST_MEM, STX_MEM,
                 ALU_ADD_K, ALU_SUB_K, ALU_MUL_K, ALU_DIV_K, ALU_MOD_K, ALU_OR_K, ALU_AND_K, ALU_XOR_K, ALU_LSH_K, ALU_RSH_K,
                 ALU_ADD_X, ALU_SUB_X, ALU_MUL_X, ALU_DIV_X, ALU_MOD_X, ALU_OR_X, ALU_AND_X, ALU_XOR_X, ALU_LSH_X, ALU_RSH_X,
                 ALU_NEG, JMP_JA, JMP_JEQ_K, JMP_JGT_K, JMP_JGE_K, JMP_JSET_K, JMP_JEQ_X, JMP_JGT_X, JMP_JGE_X, JMP_JSET_X,
                 RET_K_OP, RET_A_OP, MISC_TAX, MISC_TXA -> true;
            default -> false;
        };
    }
}

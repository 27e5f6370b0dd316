package io.pswitch.pktlog.filter;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BpfProgramTest {
    /** One instruction: {code, jt, jf, k}. */
    static int[] insn(int code, int jt, int jf, int k) {
        return new int[]{code, jt, jf, k};
    }

    static int[] ret(int k) {
        return insn(Bpf.RET_K_OP, 0, 0, k);
    }

    static BpfProgram program(int[]... insns) {
        short[] code = new short[insns.length];
        byte[] jt = new byte[insns.length];
        byte[] jf = new byte[insns.length];
        int[] k = new int[insns.length];
        for (int i = 0; i < insns.length; i++) {
            code[i] = (short) insns[i][0];
            jt[i] = (byte) insns[i][1];
            jf[i] = (byte) insns[i][2];
            k[i] = insns[i][3];
        }
        return BpfProgram.of(code, jt, jf, k);
    }

    private static void assertRejected(String message, int instruction, int[]... insns) {
        assertThatThrownBy(() -> program(insns))
                .isInstanceOf(BpfValidationException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((BpfValidationException) e).instruction()).isEqualTo(instruction));
    }

    @Test
    void acceptsTheSmallestProgram() {
        assertThat(program(ret(0)).length()).isEqualTo(1);
    }

    @Test
    void rejectsAnEmptyProgram() {
        assertRejected("empty program", -1);
    }

    @Test
    void rejectsAProgramLongerThan4096Instructions() {
        int[][] insns = new int[4097][];
        for (int i = 0; i < insns.length; i++) {
            insns[i] = ret(0);
        }
        assertRejected("4097 instructions", -1, insns);
        assertThat(program(java.util.Arrays.copyOf(insns, 4096)).length()).isEqualTo(4096);
    }

    @Test
    void rejectsArraysOfDifferentLengths() {
        assertThatThrownBy(() -> BpfProgram.of(new short[2], new byte[2], new byte[1], new int[2]))
                .isInstanceOf(BpfValidationException.class).hasMessageContaining("differ in length");
    }

    @Test
    void rejectsUnknownOpcodesNamingTheInstruction() {
        assertRejected("instruction 1: unknown opcode 0xe", 1, insn(Bpf.LD_IMM, 0, 0, 1), insn(0x0e, 0, 0, 0), ret(0));
        assertRejected("instruction 0: unknown opcode 0x1ff", 0, insn(0x1ff, 0, 0, 0), ret(0));
        assertRejected("unknown opcode 0x8c", 0, insn(Bpf.ALU | Bpf.NEG | Bpf.X, 0, 0, 0), ret(0));
    }

    @Test
    void rejectsAProgramThatDoesNotEndInARet() {
        assertRejected("instruction 1: last instruction is not a RET", 1, ret(0), insn(Bpf.LD_IMM, 0, 0, 0));
    }

    @Test
    void rejectsJumpsPastTheEnd() {
        assertRejected("instruction 0: jump offset 1 leaves the program", 0, insn(Bpf.JMP_JA, 0, 0, 1), ret(0));
        assertRejected("instruction 0: conditional jump (jt 0, jf 2)", 0, insn(Bpf.JMP_JEQ_K, 0, 2, 0), ret(0), ret(1));
        assertRejected("instruction 1: conditional jump (jt 1, jf 0)", 1, insn(Bpf.LD_IMM, 0, 0, 0),
                insn(Bpf.JMP_JSET_X, 1, 0, 0), ret(0));
    }

    @Test
    void rejectsBackwardJumps() {
        // ja with k = -2 is a jump of 2^32 - 2 forward as BPF reads it: far out of the program.
        assertRejected("instruction 1: jump offset 4294967294", 1, insn(Bpf.LD_IMM, 0, 0, 0), insn(Bpf.JMP_JA, 0, 0, -2), ret(0));
    }

    @Test
    void rejectsDivisionAndModuloByConstantZero() {
        assertRejected("instruction 0: division by constant 0", 0, insn(Bpf.ALU_DIV_K, 0, 0, 0), ret(0));
        assertRejected("instruction 0: modulo by constant 0", 0, insn(Bpf.ALU_MOD_K, 0, 0, 0), ret(0));
    }

    @Test
    void rejectsConstantShiftsOf32OrMore() {
        assertRejected("instruction 0: shift by constant 32", 0, insn(Bpf.ALU_LSH_K, 0, 0, 32), ret(0));
        assertRejected("shift by constant 4294967295", 0, insn(Bpf.ALU_RSH_K, 0, 0, -1), ret(0));
    }

    @Test
    void rejectsScratchIndicesOutOfRange() {
        assertRejected("instruction 0: scratch memory index 16 out of range 0..15", 0, insn(Bpf.ST_MEM, 0, 0, 16), ret(0));
        assertRejected("instruction 0: scratch memory index 4294967295", 0, insn(Bpf.STX_MEM, 0, 0, -1), ret(0));
        assertRejected("instruction 1: scratch memory index 99", 1, insn(Bpf.ST_MEM, 0, 0, 0), insn(Bpf.LDX_MEM, 0, 0, 99), ret(0));
    }

    @Test
    void rejectsLoadingScratchNotStoredOnEveryPath() {
        assertRejected("instruction 0: loads scratch M[3]", 0, insn(Bpf.LD_MEM, 0, 0, 3), ret(0));
        // Stored on the jt path only: the jf path reaches the load with M[2] unset.
        assertRejected("instruction 3: loads scratch M[2]", 3,
                insn(Bpf.JMP_JEQ_K, 0, 1, 0),
                insn(Bpf.ST_MEM, 0, 0, 2),
                insn(Bpf.LD_IMM, 0, 0, 7),
                insn(Bpf.LD_MEM, 0, 0, 2),
                insn(Bpf.RET_A_OP, 0, 0, 0));
    }

    @Test
    void acceptsLoadingScratchStoredOnEveryPath() {
        BpfProgram p = program(
                insn(Bpf.LD_W_LEN, 0, 0, 0),
                insn(Bpf.JMP_JGT_K, 0, 2, 100),
                insn(Bpf.ST_MEM, 0, 0, 5),
                insn(Bpf.JMP_JA, 0, 0, 1),
                insn(Bpf.ST_MEM, 0, 0, 5),
                insn(Bpf.LDX_MEM, 0, 0, 5),
                insn(Bpf.MISC_TXA, 0, 0, 0),
                insn(Bpf.RET_A_OP, 0, 0, 0));
        BpfInterpreter interpreter = new BpfInterpreter();
        MemorySegment empty = MemorySegment.ofArray(new byte[0]);
        assertThat(interpreter.run(p, empty, 0, 1234, 0)).isEqualTo(1234);
        assertThat(interpreter.run(p, empty, 0, 12, 0)).isEqualTo(12);
    }

    @Test
    void printsLikeTcpdumpDashDd() {
        assertThat(program(insn(Bpf.LD_H_ABS, 0, 0, 12), insn(Bpf.JMP_JEQ_K, 0, 1, 0x806), ret(262144), ret(0)).toString())
                .contains("{ 0x28, 0, 0, 0x0000000c },", "{ 0x15, 0, 1, 0x00000806 },", "{ 0x6, 0, 0, 0x00040000 },");
    }
}

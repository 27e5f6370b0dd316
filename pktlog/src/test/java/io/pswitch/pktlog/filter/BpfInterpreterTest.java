package io.pswitch.pktlog.filter;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.pswitch.pktlog.filter.BpfProgramTest.insn;
import static io.pswitch.pktlog.filter.BpfProgramTest.program;
import static io.pswitch.pktlog.filter.BpfProgramTest.ret;
import static org.assertj.core.api.Assertions.assertThat;

/** Classic BPF semantics, instruction by instruction, on hand-made programs and frames. */
class BpfInterpreterTest {
    private final BpfInterpreter interpreter = new BpfInterpreter();
    private final byte[] frame = {(byte) 0x80, 0x01, 0x02, 0x03, 0x45, (byte) 0xff, 0x10, 0x20};

    private int run(BpfProgram p, int wireLen, int capLen) {
        return interpreter.run(p, MemorySegment.ofArray(frame), 0, wireLen, capLen);
    }

    @Test
    void loadsAreBigEndianAndUnsigned() {
        assertThat(run(program(insn(Bpf.LD_W_ABS, 0, 0, 0), insn(Bpf.RET_A_OP, 0, 0, 0)), 8, 8)).isEqualTo(0x80010203);
        assertThat(run(program(insn(Bpf.LD_H_ABS, 0, 0, 4), insn(Bpf.RET_A_OP, 0, 0, 0)), 8, 8)).isEqualTo(0x45ff);
        assertThat(run(program(insn(Bpf.LD_B_ABS, 0, 0, 0), insn(Bpf.RET_A_OP, 0, 0, 0)), 8, 8)).isEqualTo(0x80);
    }

    @Test
    void rejectsTheFrameWhenALoadEndsPastTheCapturedBytes() {
        BpfProgram word = program(insn(Bpf.LD_W_ABS, 0, 0, 4), ret(1));
        assertThat(run(word, 8, 8)).isEqualTo(1);
        assertThat(run(word, 100, 7)).as("wire length does not count, caplen does").isZero();
        BpfProgram half = program(insn(Bpf.LD_H_ABS, 0, 0, 6), ret(1));
        assertThat(run(half, 8, 8)).isEqualTo(1);
        assertThat(run(half, 8, 7)).isZero();
        assertThat(run(program(insn(Bpf.LD_B_ABS, 0, 0, -1), ret(1)), 8, 8)).as("k near 2^32 does not wrap").isZero();
    }

    @Test
    void indirectLoadsAddXAndNeverWrap() {
        BpfProgram p = program(insn(Bpf.LDX_IMM, 0, 0, 2), insn(Bpf.LD_H_IND, 0, 0, 2), insn(Bpf.RET_A_OP, 0, 0, 0));
        assertThat(run(p, 8, 8)).isEqualTo(0x45ff);
        BpfProgram wrap = program(insn(Bpf.LDX_IMM, 0, 0, -1), insn(Bpf.LD_B_IND, 0, 0, 1), ret(1));
        assertThat(run(wrap, 8, 8)).as("X + k = 2^32 must not read byte 0").isZero();
    }

    @Test
    void ldxMshLoadsTheIpHeaderLength() {
        BpfProgram p = program(insn(Bpf.LDX_MSH, 0, 0, 4), insn(Bpf.MISC_TXA, 0, 0, 0), insn(Bpf.RET_A_OP, 0, 0, 0));
        assertThat(run(p, 8, 8)).isEqualTo(20);
        assertThat(run(p, 8, 4)).isZero();
    }

    @Test
    void lenIsTheWireLength() {
        assertThat(run(program(insn(Bpf.LD_W_LEN, 0, 0, 0), insn(Bpf.RET_A_OP, 0, 0, 0)), 1514, 8)).isEqualTo(1514);
        assertThat(run(program(insn(Bpf.LDX_LEN, 0, 0, 0), insn(Bpf.MISC_TXA, 0, 0, 0), insn(Bpf.RET_A_OP, 0, 0, 0)), 60, 8)).isEqualTo(60);
    }

    @Test
    void arithmeticIsUnsigned32Bit() {
        assertThat(alu(Bpf.ALU_DIV_K, -2, 2)).isEqualTo(0x7fffffff);
        assertThat(alu(Bpf.ALU_MOD_K, -1, 10)).isEqualTo(5); // 4294967295 % 10
        assertThat(alu(Bpf.ALU_RSH_K, 0x80000000, 31)).isEqualTo(1);
        assertThat(alu(Bpf.ALU_ADD_K, -1, 2)).isEqualTo(1);
        assertThat(alu(Bpf.ALU_SUB_K, 0, 1)).isEqualTo(-1);
        assertThat(alu(Bpf.ALU_MUL_K, 0x10000, 0x10000)).isZero();
        assertThat(alu(Bpf.ALU_XOR_K, 0xf0, 0xff)).isEqualTo(0x0f);
        assertThat(alu(Bpf.ALU_OR_K, 0xf0, 0x0f)).isEqualTo(0xff);
        assertThat(alu(Bpf.ALU_AND_K, 0xf0, 0x3c)).isEqualTo(0x30);
        assertThat(alu(Bpf.ALU_LSH_K, 1, 31)).isEqualTo(0x80000000);
    }

    private int alu(int op, int a, int k) {
        return run(program(insn(Bpf.LD_IMM, 0, 0, a), insn(op, 0, 0, k), insn(Bpf.RET_A_OP, 0, 0, 0)), 8, 8);
    }

    private int aluX(int op, int a, int x) {
        return run(program(insn(Bpf.LDX_IMM, 0, 0, x), insn(Bpf.LD_IMM, 0, 0, a), insn(op, 0, 0, 0),
                insn(Bpf.JMP_JA, 0, 0, 0), insn(Bpf.RET_A_OP, 0, 0, 0)), 8, 8);
    }

    @Test
    void divisionOrModuloByAZeroXRejectsTheFrame() {
        assertThat(aluX(Bpf.ALU_DIV_X, 100, 0)).isZero();
        assertThat(aluX(Bpf.ALU_MOD_X, 100, 0)).isZero();
        assertThat(aluX(Bpf.ALU_DIV_X, 100, 7)).isEqualTo(14);
        assertThat(aluX(Bpf.ALU_MOD_X, 100, 7)).isEqualTo(2);
    }

    @Test
    void shiftingByXOf32OrMoreGivesZero() {
        assertThat(aluX(Bpf.ALU_LSH_X, 1, 32)).isZero();
        assertThat(aluX(Bpf.ALU_RSH_X, -1, 33)).isZero();
        assertThat(aluX(Bpf.ALU_LSH_X, 1, -1)).isZero();
        assertThat(aluX(Bpf.ALU_LSH_X, 1, 4)).isEqualTo(16);
    }

    @Test
    void negNegates() {
        assertThat(alu(Bpf.ALU_NEG, 5, 0)).isEqualTo(-5);
    }

    @Test
    void conditionalJumpsCompareUnsigned() {
        // A = 0x80000000 is greater than 1 as BPF sees it.
        BpfProgram gt = program(insn(Bpf.LD_IMM, 0, 0, 0x80000000), insn(Bpf.JMP_JGT_K, 0, 1, 1), ret(1), ret(2));
        assertThat(run(gt, 8, 8)).isEqualTo(1);
        BpfProgram ge = program(insn(Bpf.LD_IMM, 0, 0, 5), insn(Bpf.LDX_IMM, 0, 0, 5), insn(Bpf.JMP_JGE_X, 1, 0, 0), ret(1), ret(2));
        assertThat(run(ge, 8, 8)).isEqualTo(2);
        BpfProgram set = program(insn(Bpf.LD_IMM, 0, 0, 6), insn(Bpf.JMP_JSET_K, 0, 1, 4), ret(1), ret(2));
        assertThat(run(set, 8, 8)).isEqualTo(1);
        BpfProgram eqx = program(insn(Bpf.LD_IMM, 0, 0, 6), insn(Bpf.LDX_IMM, 0, 0, 7), insn(Bpf.JMP_JEQ_X, 0, 1, 0), ret(1), ret(2));
        assertThat(run(eqx, 8, 8)).isEqualTo(2);
    }

    @Test
    void retReturnsTheUnsignedSnapLength() {
        assertThat(Integer.toUnsignedLong(run(program(ret(-1)), 8, 8))).isEqualTo(0xffffffffL);
        assertThat(run(program(insn(Bpf.LD_IMM, 0, 0, 96), insn(Bpf.MISC_TAX, 0, 0, 0), insn(Bpf.LD_IMM, 0, 0, 0),
                insn(Bpf.MISC_TXA, 0, 0, 0), insn(Bpf.RET_A_OP, 0, 0, 0)), 8, 8)).isEqualTo(96);
    }

    @Test
    void neverReadsPastTheSegmentEvenWhenTheCallerOverstatesCapLen() {
        BpfProgram p = program(insn(Bpf.LD_W_ABS, 0, 0, 4), ret(1));
        MemorySegment tail = MemorySegment.ofArray(frame).asSlice(2);
        assertThat(interpreter.run(p, tail, 0, 8, 8)).as("only 6 bytes exist, a word at 4 needs 8").isZero();
        assertThat(interpreter.run(p, MemorySegment.ofArray(frame), 10, 8, 8)).as("offset past the segment").isZero();
        assertThat(interpreter.run(p, MemorySegment.ofArray(frame), 0, 8, -5)).as("negative caplen").isZero();
    }

    @Test
    void runsOverANativeMappedStyleSegmentAtAnOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pool = arena.allocate(4096);
            MemorySegment.copy(frame, 0, pool, java.lang.foreign.ValueLayout.JAVA_BYTE, 2048 + 3, frame.length);
            BpfProgram p = program(insn(Bpf.LD_W_ABS, 0, 0, 4), insn(Bpf.RET_A_OP, 0, 0, 0));
            assertThat(interpreter.run(p, pool, 2048 + 3, 8, 8)).isEqualTo(0x45ff1020);
        }
    }
}

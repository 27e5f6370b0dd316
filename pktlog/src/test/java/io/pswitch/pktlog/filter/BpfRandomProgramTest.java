package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Random instruction sequences either fail validation or run to a verdict on random frames without
 * an exception or a read outside the frame — and, where libpcap is present, the verdict is the one
 * libpcap's own interpreter gives for the same program and frame. A quarter of the valid programs
 * are also compiled to bytecode, which must agree with the interpreter.
 */
class BpfRandomProgramTest {
    private static final int[] OPCODES = {
            Bpf.LD_W_ABS, Bpf.LD_H_ABS, Bpf.LD_B_ABS, Bpf.LD_W_IND, Bpf.LD_H_IND, Bpf.LD_B_IND, Bpf.LD_W_LEN, Bpf.LD_IMM, Bpf.LD_MEM,
            Bpf.LDX_IMM, Bpf.LDX_MEM, Bpf.LDX_LEN, Bpf.LDX_MSH, Bpf.ST_MEM, Bpf.STX_MEM,
            Bpf.ALU_ADD_K, Bpf.ALU_SUB_K, Bpf.ALU_MUL_K, Bpf.ALU_DIV_K, Bpf.ALU_MOD_K, Bpf.ALU_OR_K, Bpf.ALU_AND_K,
            Bpf.ALU_XOR_K, Bpf.ALU_LSH_K, Bpf.ALU_RSH_K, Bpf.ALU_ADD_X, Bpf.ALU_SUB_X, Bpf.ALU_MUL_X, Bpf.ALU_DIV_X,
            Bpf.ALU_MOD_X, Bpf.ALU_OR_X, Bpf.ALU_AND_X, Bpf.ALU_XOR_X, Bpf.ALU_LSH_X, Bpf.ALU_RSH_X, Bpf.ALU_NEG,
            Bpf.JMP_JA, Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K, Bpf.JMP_JEQ_X, Bpf.JMP_JGT_X,
            Bpf.JMP_JGE_X, Bpf.JMP_JSET_X, Bpf.RET_K_OP, Bpf.RET_A_OP, Bpf.MISC_TAX, Bpf.MISC_TXA};
    private static final int[] INTERESTING_K = {0, 1, 2, 3, 4, 12, 13, 14, 15, 20, 23, 31, 32, 33, 40, 60, 64, 255, 0x800,
            0x7fffffff, 0x80000000, -1, -2, -4, 0xfffff000, 0xfffff000 + 44, 0xfffff000 + 48};

    private final Random rnd = new Random(20261121);

    @Test
    void randomProgramsFailValidationOrRunSafelyAndAgreeWithLibpcap() throws Throwable {
        boolean withLibpcap = LibpcapLibrary.available();
        LibpcapReference libpcap = withLibpcap ? new LibpcapReference() : null;
        List<CapturedFrame> frames = new ArrayList<>(new FrameGenerator(7).frames(60));
        for (int i = 0; i < 20; i++) {
            byte[] random = new byte[rnd.nextInt(80)];
            rnd.nextBytes(random);
            frames.add(new CapturedFrame("random#" + i, random, random.length + rnd.nextInt(3)));
        }
        BpfInterpreter interpreter = new BpfInterpreter();
        int valid = 0;
        int matchedRuns = 0;
        int rejectedRuns = 0;
        List<String> disagreements = new ArrayList<>();
        try {
            for (int n = 0; n < 20000; n++) {
                BpfProgram p;
                try {
                    p = randomProgram();
                } catch (BpfValidationException expected) {
                    assertThat(expected.getMessage()).startsWith("invalid BPF program: ");
                    continue;
                }
                valid++;
                MemorySegment nativeProgram = withLibpcap ? libpcap.toNative(p) : null;
                CompiledBpfProgram compiled = n % 4 == 0 ? BpfBytecodeCompiler.compile(p) : null;
                for (CapturedFrame f : frames) {
                    MemorySegment segment = MemorySegment.ofArray(f.bytes());
                    int got = interpreter.run(p, segment, 0, f.wireLen(), f.capLen());
                    if (got != 0) {
                        matchedRuns++;
                    } else {
                        rejectedRuns++;
                    }
                    if (compiled != null) {
                        int fromBytecode = compiled.run(segment, 0, f.wireLen(), f.capLen());
                        if (fromBytecode != got && disagreements.size() < 5) {
                            disagreements.add(f.origin() + ": interpreted " + got + ", compiled " + fromBytecode + " for\n" + p);
                        }
                    }
                    if (withLibpcap) {
                        int want = libpcap.filter(nativeProgram, f.bytes(), f.capLen(), f.wireLen());
                        if (got != want && disagreements.size() < 5) {
                            disagreements.add(f.origin() + ": ours " + got + ", libpcap " + want + " for\n" + p);
                        }
                    }
                }
            }
        } finally {
            if (libpcap != null) {
                libpcap.close();
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(valid).as("valid random programs").isGreaterThan(2000);
        assertThat(matchedRuns).isPositive();
        assertThat(rejectedRuns).isPositive();
    }

    private BpfProgram randomProgram() {
        int n = 1 + rnd.nextInt(24);
        short[] code = new short[n];
        byte[] jt = new byte[n];
        byte[] jf = new byte[n];
        int[] k = new int[n];
        for (int pc = 0; pc < n; pc++) {
            int op = rnd.nextInt(50) == 0 ? rnd.nextInt(0x10000) : OPCODES[rnd.nextInt(OPCODES.length)];
            if (pc == n - 1 && rnd.nextInt(10) != 0) {
                op = rnd.nextBoolean() ? Bpf.RET_A_OP : Bpf.RET_K_OP;
            }
            code[pc] = (short) op;
            int remaining = n - pc - 1;
            boolean inRange = rnd.nextInt(20) != 0;
            jt[pc] = (byte) (inRange && remaining > 0 ? rnd.nextInt(remaining) : rnd.nextInt(256));
            jf[pc] = (byte) (inRange && remaining > 0 ? rnd.nextInt(remaining) : rnd.nextInt(256));
            k[pc] = switch (op) {
                case Bpf.LD_MEM, Bpf.LDX_MEM, Bpf.ST_MEM, Bpf.STX_MEM -> inRange ? rnd.nextInt(4) : rnd.nextInt();
                case Bpf.JMP_JA -> inRange && remaining > 0 ? rnd.nextInt(remaining) : rnd.nextInt();
                case Bpf.ALU_LSH_K, Bpf.ALU_RSH_K -> inRange ? rnd.nextInt(32) : rnd.nextInt();
                default -> rnd.nextInt(3) == 0 ? rnd.nextInt() : INTERESTING_K[rnd.nextInt(INTERESTING_K.length)];
            };
        }
        return BpfProgram.of(code, jt, jf, k);
    }
}

package io.pswitch.pktlog.filter;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.pswitch.pktlog.filter.BpfProgramTest.insn;
import static io.pswitch.pktlog.filter.BpfProgramTest.program;
import static io.pswitch.pktlog.filter.BpfProgramTest.ret;
import static org.assertj.core.api.Assertions.assertThat;

/** What is particular to the bytecode form; its semantics are checked against libpcap elsewhere. */
class BpfBytecodeCompilerTest {
    @Test
    void leavesProgramsTooLargeForTheJitToTheInterpreter() {
        int[][] insns = new int[4096][];
        for (int i = 0; i < insns.length - 1; i++) {
            insns[i] = insn(Bpf.LD_W_ABS, 0, 0, i);
        }
        insns[insns.length - 1] = ret(1);
        assertThat(BpfBytecodeCompiler.compile(program(insns))).isNull();
        int[][] smaller = java.util.Arrays.copyOf(insns, 300);
        smaller[299] = ret(1);
        CompiledBpfProgram compiled = BpfBytecodeCompiler.compile(program(smaller));
        assertThat(compiled).as("300 loads fit").isNotNull();
        // The last load is a word at 298: it needs 302 captured bytes.
        assertThat(compiled.run(MemorySegment.ofArray(new byte[302]), 0, 302, 302)).isEqualTo(1);
        assertThat(compiled.run(MemorySegment.ofArray(new byte[302]), 0, 302, 301)).isZero();
    }

    @Test
    void compilesSmallProgramsAndKeepsScratchMemoryPerCall() throws Exception {
        // M[0] = first byte; A = second byte; return M[0] * 256 + A: the scratch word must never leak between calls.
        BpfProgram p = program(
                insn(Bpf.LD_B_ABS, 0, 0, 0), insn(Bpf.ST_MEM, 0, 0, 0),
                insn(Bpf.LD_B_ABS, 0, 0, 1), insn(Bpf.MISC_TAX, 0, 0, 0),
                insn(Bpf.LD_MEM, 0, 0, 0), insn(Bpf.ALU_LSH_K, 0, 0, 8), insn(Bpf.ALU_ADD_X, 0, 0, 0),
                insn(Bpf.RET_A_OP, 0, 0, 0));
        CompiledBpfProgram compiled = BpfBytecodeCompiler.compile(p);
        assertThat(compiled).isNotNull();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(threads.submit(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        byte[] frame = {(byte) (i + seed), (byte) (i * 7)};
                        int want = ((frame[0] & 0xff) << 8) + (frame[1] & 0xff);
                        if (compiled.run(MemorySegment.ofArray(frame), 0, 2, 2) != want) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            threads.shutdownNow();
        }
    }
}

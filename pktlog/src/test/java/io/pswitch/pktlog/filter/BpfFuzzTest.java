package io.pswitch.pktlog.filter;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the BPF engine. {@link #framesAgainstRealFilters}: arbitrary frames against programs
 * libpcap compiled from real expressions — {@link BpfInterpreter}, {@link BpfBytecodeCompiler}'s
 * code and libpcap's {@code pcap_offline_filter} give the same verdict. {@link #randomPrograms}:
 * arbitrary instruction sequences are rejected by {@link BpfProgram#of} with a
 * {@link BpfValidationException}, or run to a verdict without an exception (validated programs only
 * jump forward, so every run is bounded by the program length), agreeing with libpcap.
 * {@link #framesAgainstFilterSets}: arbitrary frames on any ingress port against a set of 2,000 random
 * filters compiled as one program ({@link FilterSetCompiler}), bit by bit against libpcap's verdict
 * for each filter; {@link #randomFilterSets}: a random set of up to 2,000 filters per input, likewise
 * (half the inputs take a set of up to 60, so that small sets, the cheap ones to build, get most runs).
 *
 * <p>Every frame sits at an offset in a segment that ends exactly where the captured bytes end, so
 * a read past {@code capLen} throws. {@code mvn verify} replays
 * {@code src/test/resources/io/pswitch/pktlog/filter/BpfFuzzTestInputs/<method>/}; {@code JAZZER_FUZZ=1}
 * fuzzes (RELIABILITY.md).
 */
class BpfFuzzTest {
    static final String[] EXPRESSIONS = {
            "", "arp", "tcp port 80", "vlan 100 and udp", "vlan and vlan and ip", "ip6 and udp",
            "ip[6:2] & 0x1fff != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "ether multicast",
            "len % 7 == 3", "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420", "icmp6 and ip6[40] == 128",
            "mpls", "pppoes and ip", "ip and (tcp or udp) and not port 22"};
    private static final int[] OPCODES = {
            Bpf.LD_W_ABS, Bpf.LD_H_ABS, Bpf.LD_B_ABS, Bpf.LD_W_IND, Bpf.LD_H_IND, Bpf.LD_B_IND, Bpf.LD_W_LEN, Bpf.LD_IMM, Bpf.LD_MEM,
            Bpf.LDX_IMM, Bpf.LDX_MEM, Bpf.LDX_LEN, Bpf.LDX_MSH, Bpf.ST_MEM, Bpf.STX_MEM,
            Bpf.ALU_ADD_K, Bpf.ALU_SUB_K, Bpf.ALU_MUL_K, Bpf.ALU_DIV_K, Bpf.ALU_MOD_K, Bpf.ALU_OR_K, Bpf.ALU_AND_K,
            Bpf.ALU_XOR_K, Bpf.ALU_LSH_K, Bpf.ALU_RSH_K, Bpf.ALU_ADD_X, Bpf.ALU_SUB_X, Bpf.ALU_MUL_X, Bpf.ALU_DIV_X,
            Bpf.ALU_MOD_X, Bpf.ALU_OR_X, Bpf.ALU_AND_X, Bpf.ALU_XOR_X, Bpf.ALU_LSH_X, Bpf.ALU_RSH_X, Bpf.ALU_NEG,
            Bpf.JMP_JA, Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K, Bpf.JMP_JEQ_X, Bpf.JMP_JGT_X,
            Bpf.JMP_JGE_X, Bpf.JMP_JSET_X, Bpf.RET_K_OP, Bpf.RET_A_OP, Bpf.MISC_TAX, Bpf.MISC_TXA};
    /** Below LibpcapReference's native frame buffer. */
    private static final int MAX_CAPLEN = 1600;
    /** The largest filter set an operator is expected to install (issue 12). */
    private static final int MAX_SET = 2000;

    private static BpfProgram[] programs;
    private static CompiledBpfProgram[] compiled;

    private static synchronized void compileOnce() {
        if (programs == null) {
            BpfProgram[] p = new BpfProgram[EXPRESSIONS.length];
            CompiledBpfProgram[] c = new CompiledBpfProgram[EXPRESSIONS.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = PcapCompiler.get().compile(EXPRESSIONS[i]);
                c[i] = BpfBytecodeCompiler.compile(p[i]);
            }
            compiled = c;
            programs = p;
        }
    }

    @FuzzTest(maxDuration = "2m")
    void framesAgainstRealFilters(FuzzedDataProvider data) throws Throwable {
        Assumptions.assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: no filters to compile");
        compileOnce();
        int offset = data.consumeInt(0, 63);
        int extraWire = data.consumeBoolean() ? data.consumeInt(0, 65536) : 0;
        byte[] frame = data.consumeBytes(MAX_CAPLEN);
        checkFrame(frame, frame.length + extraWire, offset);
    }

    static void checkFrame(byte[] frame, int wireLen, int offset) throws Throwable {
        compileOnce();
        LibpcapReference libpcap = new LibpcapReference();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = exactly(arena, frame, offset);
            BpfInterpreter interpreter = new BpfInterpreter();
            for (int i = 0; i < programs.length; i++) {
                int interpreted = interpreter.run(programs[i], segment, offset, wireLen, frame.length);
                int fromBytecode = compiled[i].run(segment, offset, wireLen, frame.length);
                int want = libpcap.filter(libpcap.toNative(programs[i]), frame, frame.length, wireLen);
                assertThat(interpreted).as("interpreter vs libpcap for '%s'", EXPRESSIONS[i]).isEqualTo(want);
                assertThat(fromBytecode).as("bytecode vs libpcap for '%s'", EXPRESSIONS[i]).isEqualTo(want);
            }
        } finally {
            libpcap.close();
        }
    }

    @FuzzTest(maxDuration = "2m")
    void randomPrograms(FuzzedDataProvider data) throws Throwable {
        int n = data.consumeInt(1, 40);
        short[] code = new short[n];
        byte[] jt = new byte[n];
        byte[] jf = new byte[n];
        int[] k = new int[n];
        for (int pc = 0; pc < n; pc++) {
            code[pc] = data.consumeInt(0, 7) == 0 ? data.consumeShort() : (short) OPCODES[data.consumeInt(0, OPCODES.length - 1)];
            jt[pc] = data.consumeByte();
            jf[pc] = data.consumeByte();
            k[pc] = data.consumeBoolean() ? data.consumeInt(-2, 64) : data.consumeInt();
        }
        int offset = data.consumeInt(0, 63);
        int extraWire = data.consumeBoolean() ? data.consumeInt(0, 65536) : 0;
        byte[] frame = data.consumeBytes(MAX_CAPLEN);
        BpfProgram program;
        try {
            program = BpfProgram.of(code, jt, jf, k);
        } catch (BpfValidationException rejected) {
            assertThat(rejected.getMessage()).startsWith("invalid BPF program: ").doesNotContain("\n");
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = exactly(arena, frame, offset);
            int wireLen = frame.length + extraWire;
            int interpreted = new BpfInterpreter().run(program, segment, offset, wireLen, frame.length);
            int fromBytecode = BpfBytecodeCompiler.compile(program).run(segment, offset, wireLen, frame.length);
            assertThat(fromBytecode).as("bytecode vs interpreter for\n%s", program).isEqualTo(interpreted);
            if (LibpcapLibrary.available()) {
                LibpcapReference libpcap = new LibpcapReference();
                try {
                    int want = libpcap.filter(libpcap.toNative(program), frame, frame.length, wireLen);
                    assertThat(interpreted).as("interpreter vs libpcap for\n%s", program).isEqualTo(want);
                } finally {
                    libpcap.close();
                }
            }
        }
    }

    private static FilterSet set;
    private static SetOracle oracle;

    private static synchronized void setOnce() throws Throwable {
        if (set == null) {
            List<Filter> filters = new FilterGrammar(300).filters(MAX_SET);
            oracle = new SetOracle(filters, FilterSetDifferentialTest.PORT_INDEX, new LibpcapReference());
            set = FilterSet.compile(filters, FilterSetDifferentialTest.PORT_INDEX);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void framesAgainstFilterSets(FuzzedDataProvider data) throws Throwable {
        Assumptions.assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: no filters to compile");
        setOnce();
        int offset = data.consumeInt(0, 63);
        int port = data.consumeInt(-1, 3);
        int extraWire = data.consumeBoolean() ? data.consumeInt(0, 65536) : 0;
        byte[] frame = data.consumeBytes(MAX_CAPLEN);
        checkSet(set, oracle, frame, frame.length + extraWire, offset, port);
    }

    @FuzzTest(maxDuration = "2m")
    void randomFilterSets(FuzzedDataProvider data) throws Throwable {
        Assumptions.assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: no filters to compile");
        long seed = data.consumeLong();
        int size = data.consumeBoolean() ? data.consumeInt(1, MAX_SET) : data.consumeInt(1, 60);
        List<Filter> filters = new FilterGrammar(seed).filters(size);
        FilterSet compiled = FilterSet.compile(filters, FilterSetDifferentialTest.PORT_INDEX);
        LibpcapReference libpcap = new LibpcapReference();
        try {
            SetOracle expected = new SetOracle(filters, FilterSetDifferentialTest.PORT_INDEX, libpcap);
            for (int i = 0; i < 4 && data.remainingBytes() > 0; i++) {
                int offset = data.consumeInt(0, 63);
                int port = data.consumeInt(-1, 3);
                byte[] frame = data.consumeBytes(data.consumeInt(0, MAX_CAPLEN));
                checkSet(compiled, expected, frame, frame.length, offset, port);
            }
        } finally {
            libpcap.close();
        }
    }

    private static void checkSet(FilterSet s, SetOracle expected, byte[] frame, int wireLen, int offset, int port)
            throws Throwable {
        int[] store = new int[1];
        long[] want = expected.expect(frame, frame.length, wireLen, port, store);
        FilterMatch match = new FilterMatch();
        try (Arena arena = Arena.ofConfined()) {
            int count = s.evaluate(exactly(arena, frame, offset), offset, wireLen, frame.length, port, match);
            assertThat(java.util.Arrays.copyOf(match.bitmap(), want.length)).as("match bitmap vs libpcap").isEqualTo(want);
            assertThat(count).isEqualTo(java.util.Arrays.stream(want).mapToInt(Long::bitCount).sum());
            assertThat(match.storeLength()).as("store length vs libpcap").isEqualTo(store[0]);
        }
    }

    /** The frame at {@code offset} in a native segment that ends where the frame ends. */
    private static MemorySegment exactly(Arena arena, byte[] frame, int offset) {
        MemorySegment segment = arena.allocate(offset + frame.length + 0L, 1);
        MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, offset, frame.length);
        return segment;
    }

    /** The shared third-party captures' frames as extra seeds: skipped when the folder is absent. */
    @Test
    void sharedCaptureFramesAgreeAtOddOffsets() throws Throwable {
        Assumptions.assumeTrue(LibpcapLibrary.available(), "libpcap is not installed: no filters to compile");
        Path shared = TestCaptures.folder();
        Assumptions.assumeTrue(shared != null, "../shared/pcaps is absent: skipped");
        List<CapturedFrame> frames = TestCaptures.allFrames(shared);
        int checked = 0;
        for (CapturedFrame f : frames) {
            if (f.capLen() <= MAX_CAPLEN) {
                checkFrame(f.bytes(), f.wireLen(), 1 + checked % 7);
                checked++;
            }
        }
        assertThat(checked).isPositive();
    }
}

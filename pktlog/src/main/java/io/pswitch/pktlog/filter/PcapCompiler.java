package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import io.pswitch.pktlog.libpcap.LibpcapMissingException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Compiles tcpdump filter syntax to classic BPF with libpcap's own compiler ({@code pcap_compile}
 * on a dead Ethernet handle), so a filter means here exactly what it means to tcpdump.
 *
 * <p>Native layouts (LP64):
 * <pre>
 *   struct bpf_program { u_int bf_len; [4 pad] struct bpf_insn *bf_insns; }   16 bytes
 *   struct bpf_insn    { u_short code; u_char jt; u_char jf; bpf_u_int32 k; }  8 bytes, native order
 * </pre>
 *
 * <p>Cold path. Calls are serialised on one lock: {@code pcap_compile} keeps global parser state in
 * libpcap before 1.8 and is documented as not thread-safe there.
 */
public final class PcapCompiler {
    /** Link type of the frames in a pool buffer. */
    public static final int DLT_EN10MB = 1;
    /** What a matching program returns ({@code ret #262144}): libpcap's largest snapshot length. */
    public static final int SNAPLEN = 262144;
    private static final int PCAP_NETMASK_UNKNOWN = 0xffffffff;
    private static final int OPTIMIZE = 1;

    public static final StructLayout BPF_PROGRAM = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("bf_len"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("bf_insns"));
    public static final StructLayout BPF_INSN = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("code"),
            ValueLayout.JAVA_BYTE.withName("jt"),
            ValueLayout.JAVA_BYTE.withName("jf"),
            ValueLayout.JAVA_INT.withName("k"));
    private static final long BF_LEN = BPF_PROGRAM.byteOffset(MemoryLayout.PathElement.groupElement("bf_len"));
    private static final long BF_INSNS = BPF_PROGRAM.byteOffset(MemoryLayout.PathElement.groupElement("bf_insns"));
    private static final long INSN_CODE = 0, INSN_JT = 2, INSN_JF = 3, INSN_K = 4;

    private static final Object LOCK = new Object();
    private static volatile PcapCompiler instance;

    private final MethodHandle openDead;
    private final MethodHandle compile;
    private final MethodHandle geterr;
    private final MethodHandle freecode;
    private final MethodHandle close;

    private PcapCompiler() {
        openDead = LibpcapLibrary.function("pcap_open_dead",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        compile = LibpcapLibrary.function("pcap_compile", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        geterr = LibpcapLibrary.function("pcap_geterr", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        freecode = LibpcapLibrary.function("pcap_freecode", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        close = LibpcapLibrary.function("pcap_close", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    /**
     * The process-wide compiler.
     *
     * @throws LibpcapMissingException when libpcap cannot be loaded
     */
    public static PcapCompiler get() {
        PcapCompiler c = instance;
        if (c == null) {
            synchronized (LOCK) {
                c = instance;
                if (c == null) {
                    c = new PcapCompiler();
                    instance = c;
                }
            }
        }
        return c;
    }

    /**
     * Compiles {@code expression} (tcpdump syntax; empty matches everything) for Ethernet frames.
     *
     * @throws FilterSyntaxException carrying libpcap's message when the expression does not compile
     */
    public BpfProgram compile(String expression) {
        if (expression == null) {
            throw new IllegalArgumentException("filter expression is missing");
        }
        if (expression.indexOf('\0') >= 0) {
            throw new FilterSyntaxException(expression, "expression contains a NUL character");
        }
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pcap = (MemorySegment) openDead.invokeExact(DLT_EN10MB, SNAPLEN);
                if (pcap.equals(MemorySegment.NULL)) {
                    throw new IllegalStateException("pcap_open_dead failed (out of memory?)");
                }
                try {
                    MemorySegment program = arena.allocate(BPF_PROGRAM);
                    int rc = (int) compile.invokeExact(pcap, program, arena.allocateFrom(expression), OPTIMIZE, PCAP_NETMASK_UNKNOWN);
                    if (rc != 0) {
                        MemorySegment err = (MemorySegment) geterr.invokeExact(pcap);
                        throw new FilterSyntaxException(expression, err.reinterpret(Integer.MAX_VALUE).getString(0));
                    }
                    try {
                        return copyValidated(expression, program);
                    } finally {
                        freecode.invokeExact(program);
                    }
                } finally {
                    close.invokeExact(pcap);
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("calling libpcap failed: " + t, t);
            }
        }
    }

    private static BpfProgram copy(MemorySegment program) {
        int len = program.get(ValueLayout.JAVA_INT, BF_LEN);
        if (len <= 0 || len > Bpf.MAXINSNS) {
            throw new IllegalStateException("pcap_compile produced " + Integer.toUnsignedString(len) + " instructions");
        }
        MemorySegment insns = program.get(ValueLayout.ADDRESS, BF_INSNS).reinterpret(len * BPF_INSN.byteSize());
        short[] code = new short[len];
        byte[] jt = new byte[len];
        byte[] jf = new byte[len];
        int[] k = new int[len];
        for (int i = 0; i < len; i++) {
            long at = i * BPF_INSN.byteSize();
            code[i] = insns.get(ValueLayout.JAVA_SHORT, at + INSN_CODE);
            jt[i] = insns.get(ValueLayout.JAVA_BYTE, at + INSN_JT);
            jf[i] = insns.get(ValueLayout.JAVA_BYTE, at + INSN_JF);
            k[i] = insns.get(ValueLayout.JAVA_INT, at + INSN_K);
        }
        return BpfProgram.of(code, jt, jf, k);
    }

    private static BpfProgram copyValidated(String expression, MemorySegment program) {
        try {
            return copy(program);
        } catch (BpfValidationException e) {
            // e.g. 'protochain', which libpcap compiles to a backward jump that no BPF checker accepts.
            throw new FilterSyntaxException(expression, "libpcap compiled it to a program that cannot run here ("
                    + e.getMessage() + ")");
        }
    }
}

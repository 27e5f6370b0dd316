package io.pswitch.pktlog.filter;

import io.pswitch.pktlog.libpcap.LibpcapLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * libpcap's own evaluation, for differential tests: {@code pcap_offline_filter} over a native copy of
 * the frame, with a program that libpcap itself compiled (or that a test built instruction by
 * instruction). Independent of {@link PcapCompiler}: it does its own native calls, so a mistake in
 * copying the program out of libpcap cannot hide by being made twice.
 */
final class LibpcapReference {
    /** struct pcap_pkthdr (LP64): struct timeval ts (16) | bpf_u_int32 caplen | bpf_u_int32 len. */
    private static final long HDR_SIZE = 24, HDR_CAPLEN = 16, HDR_LEN = 20;
    private static final int MAX_FRAME = 1 << 20;

    private static final MethodHandle OPEN_DEAD = LibpcapLibrary.function("pcap_open_dead",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle COMPILE = LibpcapLibrary.function("pcap_compile", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = LibpcapLibrary.function("pcap_close", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MethodHandle OFFLINE_FILTER = LibpcapLibrary.function("pcap_offline_filter",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    // Shared: a fuzz target keeps one across inputs, whichever thread runs them.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment pcap;
    private final MemorySegment header = arena.allocate(HDR_SIZE, 8);
    private final MemorySegment data = arena.allocate(MAX_FRAME, 16);

    LibpcapReference() throws Throwable {
        pcap = (MemorySegment) OPEN_DEAD.invokeExact(PcapCompiler.DLT_EN10MB, PcapCompiler.SNAPLEN);
    }

    /** A native struct bpf_program compiled by libpcap (freed with this object's arena, never by pcap_freecode). */
    MemorySegment compile(String expression) throws Throwable {
        MemorySegment program = arena.allocate(16, 8);
        int rc = (int) COMPILE.invokeExact(pcap, program, arena.allocateFrom(expression), 1, 0xffffffff);
        if (rc != 0) {
            throw new IllegalStateException("libpcap did not compile '" + expression + "'");
        }
        return program;
    }

    /** A native struct bpf_program holding {@code p}'s instructions. */
    MemorySegment toNative(BpfProgram p) {
        MemorySegment insns = arena.allocate(8L * p.length(), 8);
        for (int i = 0; i < p.length(); i++) {
            insns.set(ValueLayout.JAVA_SHORT, 8L * i, (short) p.code(i));
            insns.set(ValueLayout.JAVA_BYTE, 8L * i + 2, (byte) p.jt(i));
            insns.set(ValueLayout.JAVA_BYTE, 8L * i + 3, (byte) p.jf(i));
            insns.set(ValueLayout.JAVA_INT, 8L * i + 4, p.k(i));
        }
        MemorySegment program = arena.allocate(16, 8);
        program.set(ValueLayout.JAVA_INT, 0, p.length());
        program.set(ValueLayout.ADDRESS, 8, insns);
        return program;
    }

    /** Reads back a native program as libpcap laid it out. */
    static BpfProgram read(MemorySegment program) {
        int len = program.get(ValueLayout.JAVA_INT, 0);
        MemorySegment insns = program.get(ValueLayout.ADDRESS, 8).reinterpret(8L * len);
        short[] code = new short[len];
        byte[] jt = new byte[len];
        byte[] jf = new byte[len];
        int[] k = new int[len];
        for (int i = 0; i < len; i++) {
            code[i] = insns.get(ValueLayout.JAVA_SHORT, 8L * i);
            jt[i] = insns.get(ValueLayout.JAVA_BYTE, 8L * i + 2);
            jf[i] = insns.get(ValueLayout.JAVA_BYTE, 8L * i + 3);
            k[i] = insns.get(ValueLayout.JAVA_INT, 8L * i + 4);
        }
        return BpfProgram.of(code, jt, jf, k);
    }

    /** libpcap's verdict: what {@code pcap_offline_filter} returns for this frame. */
    int filter(MemorySegment program, byte[] frame, int capLen, int wireLen) throws Throwable {
        load(frame, capLen, wireLen);
        return filterLoaded(program);
    }

    /** Makes {@code frame} the one {@link #filterLoaded} filters (many programs, one copy). */
    void load(byte[] frame, int capLen, int wireLen) {
        MemorySegment.copy(frame, 0, data, ValueLayout.JAVA_BYTE, 0, capLen);
        header.fill((byte) 0);
        header.set(ValueLayout.JAVA_INT, HDR_CAPLEN, capLen);
        header.set(ValueLayout.JAVA_INT, HDR_LEN, wireLen);
    }

    /** libpcap's verdict on the frame last {@link #load}ed. */
    int filterLoaded(MemorySegment program) throws Throwable {
        return (int) OFFLINE_FILTER.invokeExact(program, header, data);
    }

    void close() throws Throwable {
        CLOSE.invokeExact(pcap);
        arena.close();
    }
}

package io.pswitch.pktlog.filter;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs a {@link BpfProgram} over a frame in place (a pool buffer's bytes), with libpcap's
 * {@code bpf_filter} semantics: big-endian loads, a load that does not fit in the captured bytes
 * rejects the frame (returns 0), runtime division or modulo by zero rejects the frame, a shift by
 * X of 32 or more yields 0, {@code len} is the wire length.
 *
 * <p>One instance per thread: it owns the scratch memory {@code M[]}. The hot path allocates nothing
 * and throws nothing: the program was validated (forward in-bounds jumps, a final RET, scratch
 * stored before loaded), and every packet load is checked against the captured length, which is
 * itself clamped to the segment so that a caller's wrong length cannot read outside it.
 */
public final class BpfInterpreter {
    private static final ValueLayout.OfInt INT_BE = FrameAccess.INT_BE;
    private static final ValueLayout.OfShort SHORT_BE = FrameAccess.SHORT_BE;
    private static final long U32 = 0xffff_ffffL;

    private final int[] mem = new int[Bpf.MEMWORDS];

    /**
     * Runs {@code program} over the frame at {@code segment[offset, offset + capLen)}.
     *
     * @param wireLen the frame's length on the wire ({@code len}, may exceed {@code capLen})
     * @param capLen  the bytes present in the segment
     * @return what the program's RET returns, an unsigned 32-bit snap length; 0 = no match
     */
    public int run(BpfProgram program, MemorySegment segment, long offset, int wireLen, int capLen) {
        final short[] code = program.code;
        final byte[] jt = program.jt;
        final byte[] jf = program.jf;
        final int[] ks = program.k;
        final int[] m = mem;
        final long buflen = FrameAccess.captured(segment, offset, capLen);
        int a = 0;
        int x = 0;
        int pc = 0;
        while (true) {
            int k = ks[pc];
            switch (code[pc]) {
                case Bpf.LD_W_ABS -> {
                    long at = k & U32;
                    if (at + 4 > buflen) {
                        return 0;
                    }
                    a = segment.get(INT_BE, offset + at);
                }
                case Bpf.LD_H_ABS -> {
                    long at = k & U32;
                    if (at + 2 > buflen) {
                        return 0;
                    }
                    a = segment.get(SHORT_BE, offset + at) & 0xffff;
                }
                case Bpf.LD_B_ABS -> {
                    long at = k & U32;
                    if (at + 1 > buflen) {
                        return 0;
                    }
                    a = segment.get(ValueLayout.JAVA_BYTE, offset + at) & 0xff;
                }
                case Bpf.LD_W_IND -> {
                    long at = (k & U32) + (x & U32);
                    if (at + 4 > buflen) {
                        return 0;
                    }
                    a = segment.get(INT_BE, offset + at);
                }
                case Bpf.LD_H_IND -> {
                    long at = (k & U32) + (x & U32);
                    if (at + 2 > buflen) {
                        return 0;
                    }
                    a = segment.get(SHORT_BE, offset + at) & 0xffff;
                }
                case Bpf.LD_B_IND -> {
                    long at = (k & U32) + (x & U32);
                    if (at + 1 > buflen) {
                        return 0;
                    }
                    a = segment.get(ValueLayout.JAVA_BYTE, offset + at) & 0xff;
                }
                case Bpf.LD_W_LEN -> a = wireLen;
                case Bpf.LD_IMM -> a = k;
                case Bpf.LD_MEM -> a = m[k];
                case Bpf.LDX_IMM -> x = k;
                case Bpf.LDX_MEM -> x = m[k];
                case Bpf.LDX_LEN -> x = wireLen;
                case Bpf.LDX_MSH -> {
                    long at = k & U32;
                    if (at + 1 > buflen) {
                        return 0;
                    }
                    x = (segment.get(ValueLayout.JAVA_BYTE, offset + at) & 0xf) << 2;
                }
                case Bpf.ST_MEM -> m[k] = a;
                case Bpf.STX_MEM -> m[k] = x;
                case Bpf.ALU_ADD_K -> a += k;
                case Bpf.ALU_SUB_K -> a -= k;
                case Bpf.ALU_MUL_K -> a *= k;
                case Bpf.ALU_DIV_K -> a = Integer.divideUnsigned(a, k);
                case Bpf.ALU_MOD_K -> a = Integer.remainderUnsigned(a, k);
                case Bpf.ALU_OR_K -> a |= k;
                case Bpf.ALU_AND_K -> a &= k;
                case Bpf.ALU_XOR_K -> a ^= k;
                case Bpf.ALU_LSH_K -> a <<= k;
                case Bpf.ALU_RSH_K -> a >>>= k;
                case Bpf.ALU_ADD_X -> a += x;
                case Bpf.ALU_SUB_X -> a -= x;
                case Bpf.ALU_MUL_X -> a *= x;
                case Bpf.ALU_DIV_X -> {
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.divideUnsigned(a, x);
                }
                case Bpf.ALU_MOD_X -> {
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.remainderUnsigned(a, x);
                }
                case Bpf.ALU_OR_X -> a |= x;
                case Bpf.ALU_AND_X -> a &= x;
                case Bpf.ALU_XOR_X -> a ^= x;
                // Java masks shift counts to 5 bits; BPF (libpcap) defines a shift by 32 or more as 0.
                case Bpf.ALU_LSH_X -> a = (x & U32) < 32 ? a << x : 0;
                case Bpf.ALU_RSH_X -> a = (x & U32) < 32 ? a >>> x : 0;
                case Bpf.ALU_NEG -> a = -a;
                case Bpf.JMP_JA -> pc += k;
                case Bpf.JMP_JEQ_K -> pc += a == k ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.JMP_JGT_K -> pc += Integer.compareUnsigned(a, k) > 0 ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.JMP_JGE_K -> pc += Integer.compareUnsigned(a, k) >= 0 ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.JMP_JSET_K -> pc += (a & k) != 0 ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.JMP_JEQ_X -> pc += a == x ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.JMP_JGT_X -> pc += Integer.compareUnsigned(a, x) > 0 ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.JMP_JGE_X -> pc += Integer.compareUnsigned(a, x) >= 0 ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.JMP_JSET_X -> pc += (a & x) != 0 ? jt[pc] & 0xff : jf[pc] & 0xff;
                case Bpf.RET_K_OP -> {
                    return k;
                }
                case Bpf.RET_A_OP -> {
                    return a;
                }
                case Bpf.MISC_TAX -> x = a;
                case Bpf.MISC_TXA -> a = x;
                default -> {
                    return 0; // unreachable: validation admits only the opcodes above
                }
            }
            pc++;
        }
    }
}

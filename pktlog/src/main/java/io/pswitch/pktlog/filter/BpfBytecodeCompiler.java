package io.pswitch.pktlog.filter;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compiles a validated {@link BpfProgram} to a hidden JVM class (with {@code java.lang.classfile}),
 * one straight-line method per program: every BPF instruction becomes a few bytecodes, jumps become
 * branches to labels, A, X and the scratch words {@code M[0..15]} become local variables, and the
 * JIT then compiles the filter to machine code like any other Java method.
 *
 * <p>Semantics are the interpreter's, instruction for instruction (see {@link BpfInterpreter}); the
 * differential tests run both against libpcap. Programs whose method would be too large for the JIT
 * to compile ({@value #MAX_BYTECODE} bytes, HotSpot's huge-method limit) are not compiled:
 * {@link #compile} returns null and the caller interprets them.
 */
public final class BpfBytecodeCompiler {
    /** HotSpot does not JIT-compile methods above 8000 bytes of bytecode (DontCompileHugeMethods). */
    public static final int MAX_BYTECODE = 8000;

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final AtomicLong SERIAL = new AtomicLong();
    private static final String PACKAGE = BpfBytecodeCompiler.class.getPackageName();

    private static final ClassDesc CD_SEGMENT = ClassDesc.of(MemorySegment.class.getName());
    private static final ClassDesc CD_PROGRAM = ClassDesc.of(CompiledBpfProgram.class.getName());
    private static final ClassDesc CD_ACCESS = ClassDesc.of(FrameAccess.class.getName());
    private static final ClassDesc CD_OF_INT = ClassDesc.of(ValueLayout.OfInt.class.getName());
    private static final ClassDesc CD_OF_SHORT = ClassDesc.of(ValueLayout.OfShort.class.getName());
    private static final ClassDesc CD_OF_BYTE = ClassDesc.of(ValueLayout.OfByte.class.getName());
    private static final ClassDesc CD_INTEGER = ConstantDescs.CD_Integer;
    private static final MethodTypeDesc RUN = MethodTypeDesc.of(ConstantDescs.CD_int, CD_SEGMENT, ConstantDescs.CD_long,
            ConstantDescs.CD_int, ConstantDescs.CD_int);
    private static final MethodTypeDesc CAPTURED = MethodTypeDesc.of(ConstantDescs.CD_long, CD_SEGMENT, ConstantDescs.CD_long,
            ConstantDescs.CD_int);
    private static final MethodTypeDesc GET_INT = MethodTypeDesc.of(ConstantDescs.CD_int, CD_OF_INT, ConstantDescs.CD_long);
    private static final MethodTypeDesc GET_SHORT = MethodTypeDesc.of(ConstantDescs.CD_short, CD_OF_SHORT, ConstantDescs.CD_long);
    private static final MethodTypeDesc GET_BYTE = MethodTypeDesc.of(ConstantDescs.CD_byte, CD_OF_BYTE, ConstantDescs.CD_long);
    private static final MethodTypeDesc INT_INT_TO_INT = MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_int, ConstantDescs.CD_int);
    private static final MethodTypeDesc INT_TO_LONG = MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_int);

    // Local variable slots of run(): this, segment, offset (2 slots), wireLen, capLen, then ours.
    private static final int SEGMENT = 1, OFFSET = 2, WIRE_LEN = 4, BUFLEN = 6, A = 8, X = 9, MEM = 10;

    private BpfBytecodeCompiler() {
    }

    /**
     * The program as a class of its own, or null when it is too large to be worth compiling
     * (interpret it instead).
     */
    public static CompiledBpfProgram compile(BpfProgram program) {
        ClassDesc name = ClassDesc.of(PACKAGE + ".CompiledBpf$" + SERIAL.incrementAndGet());
        byte[] bytes;
        try {
            bytes = ClassFile.of().build(name, cls -> cls
                    .withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC)
                    .withInterfaceSymbols(CD_PROGRAM)
                    .withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC, cb -> cb
                            .aload(0)
                            .invokespecial(ConstantDescs.CD_Object, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void)
                            .return_())
                    .withMethodBody("run", RUN, ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL, cb -> emit(cb, program)));
        } catch (IllegalArgumentException tooLarge) {
            return null; // e.g. code over 64 KiB: not compilable at all
        }
        int codeSize = ClassFile.of().parse(bytes).methods().stream()
                .filter(m -> m.methodName().equalsString("run"))
                .flatMap(m -> m.code().stream())
                .mapToInt(c -> c instanceof CodeAttribute attribute ? attribute.codeLength() : Integer.MAX_VALUE)
                .sum();
        if (codeSize > MAX_BYTECODE) {
            return null;
        }
        try {
            Class<?> c = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
            return (CompiledBpfProgram) LOOKUP.findConstructor(c, MethodType.methodType(void.class)).invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("cannot define the class compiled from a BPF program: " + t, t);
        }
    }

    private static void emit(CodeBuilder cb, BpfProgram p) {
        int n = p.length();
        Label[] at = new Label[n];
        for (int pc = 0; pc < n; pc++) {
            at[pc] = cb.newLabel();
        }
        Label reject = cb.newLabel();
        cb.aload(SEGMENT).lload(OFFSET).iload(5)
                .invokestatic(CD_ACCESS, "captured", CAPTURED).lstore(BUFLEN);
        // Locals must be definitely assigned for the verifier; the JIT drops the dead stores.
        cb.iconst_0().istore(A).iconst_0().istore(X);
        for (int m = 0; m < Bpf.MEMWORDS; m++) {
            cb.iconst_0().istore(MEM + m);
        }
        for (int pc = 0; pc < n; pc++) {
            cb.labelBinding(at[pc]);
            int k = p.k(pc);
            long uk = Integer.toUnsignedLong(k);
            switch (p.code(pc)) {
                case Bpf.LD_W_ABS -> loadAbs(cb, uk, 4, reject);
                case Bpf.LD_H_ABS -> loadAbs(cb, uk, 2, reject);
                case Bpf.LD_B_ABS -> loadAbs(cb, uk, 1, reject);
                case Bpf.LD_W_IND -> loadInd(cb, uk, 4, reject);
                case Bpf.LD_H_IND -> loadInd(cb, uk, 2, reject);
                case Bpf.LD_B_IND -> loadInd(cb, uk, 1, reject);
                case Bpf.LD_W_LEN -> cb.iload(WIRE_LEN).istore(A);
                case Bpf.LD_IMM -> cb.loadConstant(k).istore(A);
                case Bpf.LD_MEM -> cb.iload(MEM + k).istore(A);
                case Bpf.LDX_IMM -> cb.loadConstant(k).istore(X);
                case Bpf.LDX_MEM -> cb.iload(MEM + k).istore(X);
                case Bpf.LDX_LEN -> cb.iload(WIRE_LEN).istore(X);
                case Bpf.LDX_MSH -> {
                    checkRoom(cb, uk + 1, reject);
                    readFrame(cb, uk, 1);
                    cb.loadConstant(0xf).iand().iconst_2().ishl().istore(X);
                }
                case Bpf.ST_MEM -> cb.iload(A).istore(MEM + k);
                case Bpf.STX_MEM -> cb.iload(X).istore(MEM + k);
                case Bpf.ALU_ADD_K -> aluK(cb, k).iadd().istore(A);
                case Bpf.ALU_SUB_K -> aluK(cb, k).isub().istore(A);
                case Bpf.ALU_MUL_K -> aluK(cb, k).imul().istore(A);
                case Bpf.ALU_DIV_K -> aluK(cb, k).invokestatic(CD_INTEGER, "divideUnsigned", INT_INT_TO_INT).istore(A);
                case Bpf.ALU_MOD_K -> aluK(cb, k).invokestatic(CD_INTEGER, "remainderUnsigned", INT_INT_TO_INT).istore(A);
                case Bpf.ALU_OR_K -> aluK(cb, k).ior().istore(A);
                case Bpf.ALU_AND_K -> aluK(cb, k).iand().istore(A);
                case Bpf.ALU_XOR_K -> aluK(cb, k).ixor().istore(A);
                case Bpf.ALU_LSH_K -> aluK(cb, k).ishl().istore(A);
                case Bpf.ALU_RSH_K -> aluK(cb, k).iushr().istore(A);
                case Bpf.ALU_ADD_X -> aluX(cb).iadd().istore(A);
                case Bpf.ALU_SUB_X -> aluX(cb).isub().istore(A);
                case Bpf.ALU_MUL_X -> aluX(cb).imul().istore(A);
                case Bpf.ALU_DIV_X -> {
                    cb.iload(X).ifeq(reject);
                    aluX(cb).invokestatic(CD_INTEGER, "divideUnsigned", INT_INT_TO_INT).istore(A);
                }
                case Bpf.ALU_MOD_X -> {
                    cb.iload(X).ifeq(reject);
                    aluX(cb).invokestatic(CD_INTEGER, "remainderUnsigned", INT_INT_TO_INT).istore(A);
                }
                case Bpf.ALU_OR_X -> aluX(cb).ior().istore(A);
                case Bpf.ALU_AND_X -> aluX(cb).iand().istore(A);
                case Bpf.ALU_XOR_X -> aluX(cb).ixor().istore(A);
                case Bpf.ALU_LSH_X, Bpf.ALU_RSH_X -> {
                    // Unsigned X >= 32 shifts everything out (the JVM would mask the count to 5 bits).
                    Label zero = cb.newLabel();
                    Label done = cb.newLabel();
                    cb.iload(X).loadConstant(Integer.MIN_VALUE).ixor().loadConstant(32 ^ Integer.MIN_VALUE).if_icmpge(zero);
                    aluX(cb);
                    if (p.code(pc) == Bpf.ALU_LSH_X) {
                        cb.ishl();
                    } else {
                        cb.iushr();
                    }
                    cb.istore(A).goto_(done).labelBinding(zero).iconst_0().istore(A).labelBinding(done);
                }
                case Bpf.ALU_NEG -> cb.iload(A).ineg().istore(A);
                case Bpf.JMP_JA -> cb.goto_(at[pc + 1 + k]);
                case Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K -> jump(cb, p, pc, at, false, k);
                case Bpf.JMP_JEQ_X, Bpf.JMP_JGT_X, Bpf.JMP_JGE_X, Bpf.JMP_JSET_X -> jump(cb, p, pc, at, true, 0);
                case Bpf.RET_K_OP -> cb.loadConstant(k).ireturn();
                case Bpf.RET_A_OP -> cb.iload(A).ireturn();
                case Bpf.MISC_TAX -> cb.iload(A).istore(X);
                case Bpf.MISC_TXA -> cb.iload(X).istore(A);
                default -> throw new IllegalStateException("instruction " + pc + ": opcode 0x"
                        + Integer.toHexString(p.code(pc)) + " passed validation but has no translation");
            }
        }
        cb.labelBinding(reject).iconst_0().ireturn();
    }

    private static CodeBuilder aluK(CodeBuilder cb, int k) {
        return cb.iload(A).loadConstant(k);
    }

    private static CodeBuilder aluX(CodeBuilder cb) {
        return cb.iload(A).iload(X);
    }

    /** if (end > buflen) reject; end is a compile-time constant. */
    private static void checkRoom(CodeBuilder cb, long end, Label reject) {
        cb.loadConstant(end).lload(BUFLEN).lcmp().ifgt(reject);
    }

    private static void loadAbs(CodeBuilder cb, long k, int size, Label reject) {
        checkRoom(cb, k + size, reject);
        readFrame(cb, k, size);
        cb.istore(A);
    }

    private static void loadInd(CodeBuilder cb, long k, int size, Label reject) {
        // end = (X as unsigned) + k + size, in 64 bits so that it cannot wrap.
        cb.iload(X).invokestatic(CD_INTEGER, "toUnsignedLong", INT_TO_LONG).loadConstant(k + size).ladd()
                .lload(BUFLEN).lcmp().ifgt(reject);
        cb.aload(SEGMENT);
        layout(cb, size);
        cb.lload(OFFSET).iload(X).invokestatic(CD_INTEGER, "toUnsignedLong", INT_TO_LONG).ladd().loadConstant(k).ladd();
        get(cb, size);
        cb.istore(A);
    }

    /** Pushes the unsigned big-endian value of {@code size} bytes at frame offset k. */
    private static void readFrame(CodeBuilder cb, long k, int size) {
        cb.aload(SEGMENT);
        layout(cb, size);
        cb.lload(OFFSET).loadConstant(k).ladd();
        get(cb, size);
    }

    private static void layout(CodeBuilder cb, int size) {
        switch (size) {
            case 4 -> cb.getstatic(CD_ACCESS, "INT_BE", CD_OF_INT);
            case 2 -> cb.getstatic(CD_ACCESS, "SHORT_BE", CD_OF_SHORT);
            default -> cb.getstatic(CD_ACCESS, "BYTE", CD_OF_BYTE);
        }
    }

    private static void get(CodeBuilder cb, int size) {
        switch (size) {
            case 4 -> cb.invokeinterface(CD_SEGMENT, "get", GET_INT);
            case 2 -> cb.invokeinterface(CD_SEGMENT, "get", GET_SHORT).loadConstant(0xffff).iand();
            default -> cb.invokeinterface(CD_SEGMENT, "get", GET_BYTE).loadConstant(0xff).iand();
        }
    }

    private static void jump(CodeBuilder cb, BpfProgram p, int pc, Label[] at, boolean againstX, int k) {
        Label yes = at[pc + 1 + p.jt(pc)];
        Label no = at[pc + 1 + p.jf(pc)];
        int op = p.code(pc) & 0xf0;
        if (yes == no) {
            cb.goto_(yes);
            return;
        }
        cb.iload(A);
        switch (op) {
            case Bpf.JEQ -> {
                operand(cb, againstX, k, false);
                cb.if_icmpeq(yes);
            }
            case Bpf.JGT, Bpf.JGE -> {
                // Unsigned comparison: flip the sign bit of both sides, then compare signed.
                cb.loadConstant(Integer.MIN_VALUE).ixor();
                operand(cb, againstX, k, true);
                if (op == Bpf.JGT) {
                    cb.if_icmpgt(yes);
                } else {
                    cb.if_icmpge(yes);
                }
            }
            default -> { // JSET
                operand(cb, againstX, k, false);
                cb.iand().ifne(yes);
            }
        }
        cb.goto_(no);
    }

    private static void operand(CodeBuilder cb, boolean againstX, int k, boolean flipSign) {
        if (againstX) {
            cb.iload(X);
            if (flipSign) {
                cb.loadConstant(Integer.MIN_VALUE).ixor();
            }
        } else {
            cb.loadConstant(flipSign ? k ^ Integer.MIN_VALUE : k);
        }
    }
}

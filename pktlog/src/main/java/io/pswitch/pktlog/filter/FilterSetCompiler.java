package io.pswitch.pktlog.filter;

import java.lang.classfile.ClassBuilder;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static io.pswitch.pktlog.filter.ResidualEmitter.A;
import static io.pswitch.pktlog.filter.ResidualEmitter.BASE;
import static io.pswitch.pktlog.filter.ResidualEmitter.BUFLEN;
import static io.pswitch.pktlog.filter.ResidualEmitter.CD_BASE;
import static io.pswitch.pktlog.filter.ResidualEmitter.CD_MATCH;
import static io.pswitch.pktlog.filter.ResidualEmitter.CD_SEGMENT;
import static io.pswitch.pktlog.filter.ResidualEmitter.MATCH;
import static io.pswitch.pktlog.filter.ResidualEmitter.MEM;
import static io.pswitch.pktlog.filter.ResidualEmitter.MEMO;
import static io.pswitch.pktlog.filter.ResidualEmitter.OFFSET;
import static io.pswitch.pktlog.filter.ResidualEmitter.TMP;
import static io.pswitch.pktlog.filter.ResidualEmitter.SEGMENT;
import static io.pswitch.pktlog.filter.ResidualEmitter.WIRE_LEN;
import static io.pswitch.pktlog.filter.ResidualEmitter.X;

/**
 * Compiles a whole filter set, every port scope, into one hidden class ({@link CompiledFilterSet}):
 * per scope a method that checks the frame's captured length once, loads the header fields every
 * program reads into memo slots ({@link MemoLoads}), and walks the scope's guard tree
 * ({@link GuardTrie}), running each program's residual where its guards held. Built with
 * {@code java.lang.classfile}; the JIT compiles it like any other method.
 */
final class FilterSetCompiler {
    /** HotSpot does not JIT-compile methods above 8000 bytes of bytecode (DontCompileHugeMethods). */
    static final int MAX_METHOD = BpfBytecodeCompiler.MAX_BYTECODE;

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final AtomicLong SERIAL = new AtomicLong();
    private static final String PACKAGE = FilterSetCompiler.class.getPackageName();
    private static final MethodTypeDesc INIT = MethodTypeDesc.of(ConstantDescs.CD_void, BpfProgram.class.describeConstable()
            .orElseThrow().arrayType(), ConstantDescs.CD_int.arrayType(2), ConstantDescs.CD_long.arrayType(), ConstantDescs.CD_int.arrayType(2));
    private static final MethodTypeDesc EVALUATE = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_int, CD_SEGMENT,
            ConstantDescs.CD_long, ConstantDescs.CD_int, ConstantDescs.CD_int, CD_MATCH);
    private static final MethodTypeDesc NODE = MethodTypeDesc.of(ConstantDescs.CD_void, CD_SEGMENT,
            ConstantDescs.CD_long, ConstantDescs.CD_int, ConstantDescs.CD_long, ConstantDescs.CD_long.arrayType(), CD_MATCH,
            ConstantDescs.CD_long);
    private static final MethodTypeDesc ADDRESS = MethodTypeDesc.of(ConstantDescs.CD_long);
    private static final MethodTypeDesc CAPTURED = MethodTypeDesc.of(ConstantDescs.CD_long, CD_SEGMENT, ConstantDescs.CD_long,
            ConstantDescs.CD_int);
    private static final MethodTypeDesc INTERPRET_SCOPE = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_int, CD_SEGMENT,
            ConstantDescs.CD_long, ConstantDescs.CD_int, ConstantDescs.CD_int, CD_MATCH);
    private static final MethodTypeDesc INT_TO_LONG = MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_int);

    // Locals of evaluate(): this, scope, segment, offset (2), wireLen, capLen, match, then buflen (2), base (2).
    private static final int E_SEGMENT = 2, E_OFFSET = 3, E_WIRE_LEN = 5, E_CAP_LEN = 6, E_MATCH = 7, E_BUFLEN = 8,
            E_BASE = 10;

    /** One program in one scope: which filter positions it stands for, and their largest snaplen. */
    record ScopeProgram(BpfProgram program, int[] positions, long cap) {
    }

    /** The compiled set, how many memo slots a frame needs, and its largest method's bytecode size. */
    record Result(CompiledFilterSet set, int memoSlots, int largestMethod) {
    }

    /** {@code inLocals}: the scope is one method, so its memo slots are locals, not array elements. */
    private record Scope(MemoLoads memo, GuardTrie.Node root, boolean inLocals) {
    }

    private FilterSetCompiler() {
    }

    /** Compiles the scopes (cold path: about a millisecond per few hundred programs). */
    static Result compile(List<List<ScopeProgram>> scopes) {
        List<BpfProgram> programs = new ArrayList<>();
        List<int[]> positions = new ArrayList<>();
        List<Long> caps = new ArrayList<>();
        int[][] scopeEntries = new int[scopes.size()][];
        List<List<GuardTrie.Entry>> entries = new ArrayList<>();
        List<MemoLoads> memos = new ArrayList<>();
        int memoSlots = 0;
        for (int s = 0; s < scopes.size(); s++) {
            List<ScopeProgram> scope = scopes.get(s);
            MemoLoads memo = new MemoLoads(scope.stream().map(ScopeProgram::program).toList());
            memoSlots = Math.max(memoSlots, memo.loads().size());
            List<GuardTrie.Entry> list = new ArrayList<>();
            scopeEntries[s] = new int[scope.size()];
            for (int i = 0; i < scope.size(); i++) {
                ScopeProgram sp = scope.get(i);
                int id = programs.size();
                programs.add(sp.program());
                positions.add(sp.positions());
                caps.add(sp.cap());
                scopeEntries[s][i] = id;
                List<GuardChain> chains = GuardChain.paths(sp.program(), memo);
                boolean reportedOnce = !GuardChain.overlapping(chains);
                for (GuardChain chain : chains) {
                    list.add(new GuardTrie.Entry(id, sp.program(), chain, ResidualEmitter.estimate(sp.program(), chain),
                            sp.positions(), sp.cap(), reportedOnce));
                }
            }
            entries.add(list);
            memos.add(memo);
        }
        // Estimates can be low; halve the budget until every method is small enough to JIT.
        for (int budget = MAX_METHOD * 3 / 4; ; budget /= 2) {
            List<Scope> built = new ArrayList<>();
            for (int s = 0; s < scopes.size(); s++) {
                GuardTrie.Node root = GuardTrie.build(entries.get(s));
                GuardTrie.fit(root, budget);
                int fill = 30 * memos.get(s).loads().size();
                boolean inLocals = !GuardTrie.hasMethods(root) && root.size + fill <= budget;
                root.method = !inLocals;
                built.add(new Scope(memos.get(s), root, inLocals));
            }
            byte[] bytes = generate(built);
            int largest = largestMethod(bytes);
            if (largest <= MAX_METHOD || budget < 500) {
                return new Result(define(bytes, programs, positions, caps, scopeEntries), memoSlots, largest);
            }
        }
    }

    private static int largestMethod(byte[] bytes) {
        return ClassFile.of().parse(bytes).methods().stream()
                .flatMap(m -> m.code().stream())
                .mapToInt(c -> c instanceof CodeAttribute attribute ? attribute.codeLength() : Integer.MAX_VALUE)
                .max().orElse(0);
    }

    private static CompiledFilterSet define(byte[] bytes, List<BpfProgram> programs, List<int[]> positions, List<Long> caps,
                                            int[][] scopeEntries) {
        try {
            Class<?> c = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
            return (CompiledFilterSet) LOOKUP.findConstructor(c, MethodType.methodType(void.class, BpfProgram[].class,
                            int[][].class, long[].class, int[][].class))
                    .invoke(programs.toArray(BpfProgram[]::new), positions.toArray(int[][]::new),
                            caps.stream().mapToLong(Long::longValue).toArray(), scopeEntries);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot define the class compiled from a filter set: " + t, t);
        }
    }

    private static byte[] generate(List<Scope> scopes) {
        ClassDesc name = ClassDesc.of(PACKAGE + ".CompiledFilterSet$" + SERIAL.incrementAndGet());
        return ClassFile.of().build(name, cls -> {
            cls.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC).withSuperclass(CD_BASE);
            cls.withMethodBody(ConstantDescs.INIT_NAME, INIT, 0, cb -> cb
                    .aload(0).aload(1).aload(2).aload(3).aload(4)
                    .invokespecial(CD_BASE, ConstantDescs.INIT_NAME, INIT)
                    .return_());
            cls.withMethodBody("evaluate", EVALUATE, ClassFile.ACC_FINAL, cb -> dispatch(cb, name, scopes));
            Deque<Job> jobs = new ArrayDeque<>();
            for (int s = 0; s < scopes.size(); s++) {
                Scope scope = scopes.get(s);
                int scopeIndex = s;
                String root = "node" + jobs.size() + "s" + s;
                Job job = new Job(name, root, scope.root(), scope.memo(), scope.inLocals());
                if (!scope.inLocals()) {
                    jobs.add(job);
                }
                int[] serial = {0};
                cls.withMethodBody("scope" + s, NODE, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL,
                        cb -> scopeBody(cb, job, scopeIndex, jobs, serial));
            }
            int serial = 0;
            while (!jobs.isEmpty()) {
                Job job = jobs.poll();
                serial = emitMethod(cls, job, jobs, serial);
            }
        });
    }

    private record Job(ClassDesc self, String name, GuardTrie.Node node, MemoLoads memo, boolean inLocals) {
    }

    /** evaluate(scope, ...): a tableswitch to the scope's method. */
    private static void dispatch(CodeBuilder cb, ClassDesc self, List<Scope> all) {
        int scopes = all.size();
        Label done = cb.newLabel();
        List<SwitchCase> cases = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        for (int s = 0; s < scopes; s++) {
            Label l = cb.newLabel();
            labels.add(l);
            cases.add(SwitchCase.of(s, l));
        }
        cb.aload(E_SEGMENT).lload(E_OFFSET).iload(E_CAP_LEN)
                .invokestatic(ResidualEmitter.CD_ACCESS, "captured", CAPTURED).lstore(E_BUFLEN);
        cb.aload(E_SEGMENT).invokeinterface(CD_SEGMENT, "address", ADDRESS).lload(E_OFFSET).ladd().lstore(E_BASE);
        cb.iload(1).tableswitch(0, Math.max(0, scopes - 1), done, cases);
        for (int s = 0; s < scopes; s++) {
            cb.labelBinding(labels.get(s)).aload(0).aload(E_SEGMENT).lload(E_OFFSET).iload(E_WIRE_LEN).lload(E_BUFLEN);
            if (all.get(s).inLocals()) {
                cb.aconst_null(); // a one-method scope keeps its memo in locals
            } else {
                cb.aload(E_MATCH).getfield(CD_MATCH, "memo", ConstantDescs.CD_long.arrayType());
            }
            cb.aload(E_MATCH).lload(E_BASE)
                    .invokevirtual(self, "scope" + s, NODE)
                    .return_();
        }
        cb.labelBinding(done).return_();
    }

    private static void scopeBody(CodeBuilder cb, Job job, int scope, Deque<Job> jobs, int[] serial) {
        MemoLoads memo = job.memo();
        Label interpret = cb.newLabel();
        // The bounds check, hoisted: frames this long need none on the guaranteed loads below.
        cb.lload(BUFLEN).loadConstant(memo.guaranteed()).lcmp().iflt(interpret);
        if (job.inLocals()) {
            // One method: each load is made where a path first needs it, so a frame loads only
            // the fields its path through the guards reads (an IPv4 frame no IPv6 field).
            initLocals(cb, job.memo());
            emitNode(cb, job, job.node(), jobs, serial, new BitSet());
        } else {
            for (MemoLoads.Load l : memo.loads()) {
                fill(cb, memo, l, false);
            }
            cb.aload(0).aload(SEGMENT).lload(OFFSET).iload(WIRE_LEN).lload(BUFLEN).aload(MEMO).aload(MATCH).lload(BASE)
                    .invokevirtual(job.self(), job.name(), NODE);
        }
        cb.return_();
        cb.labelBinding(interpret).aload(0).loadConstant(scope).aload(SEGMENT).lload(OFFSET).iload(WIRE_LEN)
                .lload(BUFLEN).l2i().aload(MATCH).invokevirtual(CD_BASE, "interpretScope", INTERPRET_SCOPE).return_();
    }

    /**
     * Locals must be definitely assigned for the verifier; the JIT drops the dead stores. Only the
     * scratch words the scope's programs use: the bytes count toward the JIT's inlining limit.
     */
    private static void initLocals(CodeBuilder cb, MemoLoads memo) {
        cb.iconst_0().istore(A).iconst_0().istore(X);
        for (int m = 0; m < Bpf.MEMWORDS; m++) {
            if ((memo.scratchWords() & (1 << m)) != 0) {
                cb.iconst_0().istore(MEM + m);
            }
        }
    }

    /** memo[slot] = the load's unsigned value, or -1 when it would read past the captured bytes. */
    private static void fill(CodeBuilder cb, MemoLoads memo, MemoLoads.Load l, boolean inLocals) {
        int slot = memo.slot(l);
        long uk = Integer.toUnsignedLong(l.k());
        if (!l.indexed() && !memo.mayBeInvalid(l)) {
            // Within the hoisted bound: no check, no path that stores -1.
            cb.lload(BASE).loadConstant(uk).ladd();
            ResidualEmitter.load(cb, l.size(), l.op() == Bpf.LDX_MSH);
            store(cb, slot, inLocals);
            return;
        }
        Label invalid = cb.newLabel();
        Label done = cb.newLabel();
        if (l.indexed()) {
            int base = memo.slot(new MemoLoads.Load(Bpf.LDX_MSH, l.mshBase(), 0));
            ResidualEmitter.memo(cb, base, inLocals).lstore(TMP);
            cb.lload(TMP).lconst_0().lcmp().iflt(invalid);
            cb.lload(TMP).loadConstant(uk + l.size()).ladd().lload(BUFLEN).lcmp().ifgt(invalid);
            cb.lload(BASE).lload(TMP).ladd().loadConstant(uk).ladd();
        } else {
            cb.loadConstant(l.end()).lload(BUFLEN).lcmp().ifgt(invalid);
            cb.lload(BASE).loadConstant(uk).ladd();
        }
        ResidualEmitter.load(cb, l.size(), l.op() == Bpf.LDX_MSH);
        store(cb, slot, inLocals);
        cb.goto_(done);
        cb.labelBinding(invalid).loadConstant(-1L);
        store(cb, slot, inLocals);
        cb.labelBinding(done);
    }

    private static void store(CodeBuilder cb, int slot, boolean inLocals) {
        if (inLocals) {
            cb.lstore(ResidualEmitter.LOCAL_MEMO + 2 * slot);
        } else {
            cb.lstore(TMP + 0).aload(MEMO).loadConstant(slot).lload(TMP).lastore();
        }
    }

    private static int emitMethod(ClassBuilder cls, Job job, Deque<Job> jobs, int serial) {
        int[] next = {serial};
        cls.withMethodBody(job.name(), NODE, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL, cb -> {
            initLocals(cb, job.memo());
            emitNode(cb, job, job.node(), jobs, next, null);
            cb.return_();
        });
        return next[0];
    }

    /**
     * @param loaded in a one-method scope, the memo slots loaded on every path to here (a load is
     *               emitted where a slot is first needed); null when the scope filled them all up front
     */
    private static void emitNode(CodeBuilder cb, Job job, GuardTrie.Node node, Deque<Job> jobs, int[] serial, BitSet loaded) {
        MemoLoads memo = job.memo();
        for (GuardTrie.Entry e : node.residuals) {
            if (loaded != null) {
                ResidualEmitter.slotsUsed(e, memo).stream().forEach(slot -> need(cb, memo, slot, loaded));
            }
            ResidualEmitter.emit(cb, e, memo, job.inLocals());
        }
        for (GuardTrie.Branch b : node.branches) {
            switch (b) {
                case GuardTrie.Test t -> {
                    Label skip = cb.newLabel();
                    need(cb, memo, t.guard().slot(), loaded);
                    guard(cb, t.guard(), skip, job.inLocals());
                    child(cb, job, t.child(), jobs, serial, copy(loaded));
                    cb.labelBinding(skip);
                }
                case GuardTrie.Switch s -> {
                    Label after = cb.newLabel();
                    List<SwitchCase> cases = new ArrayList<>();
                    Label[] labels = new Label[s.keys().length];
                    for (int i = 0; i < labels.length; i++) {
                        labels[i] = cb.newLabel();
                        cases.add(SwitchCase.of(s.keys()[i], labels[i]));
                    }
                    need(cb, memo, s.slot(), loaded);
                    ResidualEmitter.memo(cb, s.slot(), job.inLocals()).l2i().lookupswitch(after, cases);
                    for (int i = 0; i < labels.length; i++) {
                        cb.labelBinding(labels[i]);
                        child(cb, job, s.children()[i], jobs, serial, copy(loaded));
                        cb.goto_(after);
                    }
                    cb.labelBinding(after);
                }
                case GuardTrie.Ranges r -> {
                    need(cb, memo, r.slot(), loaded);
                    ResidualEmitter.memo(cb, r.slot(), job.inLocals()).l2i().istore(A);
                    Label after = cb.newLabel();
                    ranges(cb, job, r, 0, r.parts().length - 1, after, jobs, serial, loaded);
                    cb.labelBinding(after);
                }
                case GuardTrie.Always a -> child(cb, job, a.child(), jobs, serial, copy(loaded));
            }
        }
    }

    /** Binary search of the value (in A) over the parts' smallest keys, down to the one part that may hold it. */
    private static void ranges(CodeBuilder cb, Job job, GuardTrie.Ranges r, int lo, int hi, Label after, Deque<Job> jobs,
                               int[] serial, BitSet loaded) {
        if (lo == hi) {
            child(cb, job, r.parts()[lo], jobs, serial, copy(loaded));
            cb.goto_(after);
            return;
        }
        int mid = (lo + hi + 1) >>> 1;
        Label upper = cb.newLabel();
        cb.iload(A).loadConstant(r.lows()[mid]).if_icmpge(upper);
        ranges(cb, job, r, lo, mid - 1, after, jobs, serial, loaded);
        cb.labelBinding(upper);
        ranges(cb, job, r, mid, hi, after, jobs, serial, loaded);
    }

    /** Emits the load of {@code slot} (and of the header length it is indexed by) unless this path has it. */
    private static void need(CodeBuilder cb, MemoLoads memo, int slot, BitSet loaded) {
        if (loaded == null || loaded.get(slot)) {
            return;
        }
        MemoLoads.Load l = memo.loads().get(slot);
        if (l.indexed()) {
            need(cb, memo, memo.slot(new MemoLoads.Load(Bpf.LDX_MSH, l.mshBase(), 0)), loaded);
        }
        fill(cb, memo, l, true);
        loaded.set(slot);
    }

    /** Loads made inside a branch are not made on the path around it. */
    private static BitSet copy(BitSet loaded) {
        return loaded == null ? null : (BitSet) loaded.clone();
    }

    private static void child(CodeBuilder cb, Job job, GuardTrie.Node child, Deque<Job> jobs, int[] serial, BitSet loaded) {
        if (!child.method) {
            emitNode(cb, job, child, jobs, serial, loaded);
            return;
        }
        String name = "node" + (++serial[0]) + "m";
        jobs.add(new Job(job.self(), name, child, job.memo(), false));
        cb.aload(0).aload(SEGMENT).lload(OFFSET).iload(WIRE_LEN).lload(BUFLEN).aload(MEMO).aload(MATCH).lload(BASE)
                .invokevirtual(job.self(), name, NODE);
    }

    /** Falls through when the guard holds, jumps to {@code skip} when it does not. Slots hold unsigned values. */
    private static void guard(CodeBuilder cb, GuardChain.Guard g, Label skip, boolean inLocals) {
        ResidualEmitter.memo(cb, g.slot(), inLocals);
        if (g.op() == GuardChain.VALID) {
            cb.lconst_0().lcmp().iflt(skip);
            return;
        }
        long k = Integer.toUnsignedLong(g.k());
        if (g.op() == Bpf.JSET) {
            cb.loadConstant(k).land().lconst_0().lcmp();
            if (g.negated()) {
                cb.ifne(skip);
            } else {
                cb.ifeq(skip);
            }
            return;
        }
        cb.loadConstant(k).lcmp();
        switch (g.op()) {
            case Bpf.JEQ -> {
                if (g.negated()) {
                    cb.ifeq(skip);
                } else {
                    cb.ifne(skip);
                }
            }
            case Bpf.JGT -> {
                if (g.negated()) {
                    cb.ifgt(skip);
                } else {
                    cb.ifle(skip);
                }
            }
            default -> { // JGE
                if (g.negated()) {
                    cb.ifge(skip);
                } else {
                    cb.iflt(skip);
                }
            }
        }
    }
}

package io.pswitch.pktlog.filter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The programs of one port scope as a decision tree over their guards ({@link GuardChain}): programs
 * whose guards start alike share the nodes that test them, so {@code ether type is IPv4} is tested
 * once for every IPv4 filter; and where many programs next test one field for equality with
 * different constants ({@code dst port 5001}, {@code dst port 5002}, ...) the node is a
 * {@code lookupswitch} on that field, which finds the few programs that can still match in a binary
 * search instead of testing them one by one. That makes a frame's cost grow with the filters it can
 * match, not with the size of the set.
 *
 * <p>The tree is then cut into methods ({@link #fit}): HotSpot does not JIT-compile a method of more
 * than 8,000 bytes of bytecode, so subtrees that would make a method larger become methods of their
 * own. Sizes are estimates; {@link FilterSetCompiler} checks the real ones.
 */
final class GuardTrie {
    /** Fewest distinct constants on one field for a switch instead of a test per constant. */
    static final int MIN_SWITCH_KEYS = 3;
    /** Most cases in one switch: its table alone is 8 bytes a case. */
    static final int MAX_SWITCH_KEYS = 128;
    /** Residuals above this size are interpreted, not compiled (a huge program would not JIT anyway). */
    static final int MAX_RESIDUAL = 3000;
    static final int CALL_SIZE = 24;

    /**
     * One program as one scope uses it: {@code id} names its positions in {@link CompiledFilterSet};
     * {@code positions} and {@code cap} are those positions and their largest snaplen;
     * {@code reportedOnce}: no frame passes the guards of two of the program's chains.
     */
    record Entry(int id, BpfProgram program, GuardChain chain, int residualSize, int[] positions, long cap,
                 boolean reportedOnce) {
        boolean interpreted() {
            return residualSize > MAX_RESIDUAL;
        }

        int size() {
            return interpreted() ? CALL_SIZE : residualSize;
        }
    }

    sealed interface Branch permits Test, Switch, Ranges, Always {
    }

    /** {@code if (guard) child}. */
    record Test(GuardChain.Guard guard, Node child) implements Branch {
    }

    /** {@code switch ((int) memo[slot]) { case keys[i]: children[i] }}. */
    record Switch(int slot, int[] keys, Node[] children) implements Branch {
    }

    /**
     * A switch too large for one method, cut into parts by key: a binary search on the value over
     * {@code lows} (each part's smallest key) picks the one part that can hold it.
     */
    record Ranges(int slot, int[] lows, Node[] parts) implements Branch {
    }

    /** A part of a node moved into a method of its own. */
    record Always(Node child) implements Branch {
    }

    static final class Node {
        final List<Entry> residuals = new ArrayList<>();
        final List<Branch> branches = new ArrayList<>();
        /** Emitted as a method of its own, called where it stands. */
        boolean method;
        int size;
    }

    private GuardTrie() {
    }

    static Node build(List<Entry> entries) {
        return build(entries, 0);
    }

    private static Node build(List<Entry> entries, int depth) {
        Node node = new Node();
        Map<GuardChain.Guard, List<Entry>> byGuard = new LinkedHashMap<>();
        for (Entry e : entries) {
            List<GuardChain.Guard> guards = e.chain().guards;
            if (guards.size() == depth) {
                node.residuals.add(e);
            } else {
                byGuard.computeIfAbsent(guards.get(depth), g -> new ArrayList<>()).add(e);
            }
        }
        // Equality guards on one slot with enough distinct constants become one switch.
        Map<Integer, TreeMap<Integer, List<Entry>>> equalities = new LinkedHashMap<>();
        for (Map.Entry<GuardChain.Guard, List<Entry>> g : byGuard.entrySet()) {
            GuardChain.Guard guard = g.getKey();
            if (guard.op() == Bpf.JEQ && !guard.negated()) {
                equalities.computeIfAbsent(guard.slot(), s -> new TreeMap<>()).put(guard.k(), g.getValue());
            }
        }
        for (Map.Entry<GuardChain.Guard, List<Entry>> g : byGuard.entrySet()) {
            GuardChain.Guard guard = g.getKey();
            TreeMap<Integer, List<Entry>> cases = equalities.get(guard.slot());
            boolean switched = guard.op() == Bpf.JEQ && !guard.negated() && cases.size() >= MIN_SWITCH_KEYS;
            if (!switched) {
                node.branches.add(new Test(guard, build(g.getValue(), depth + 1)));
            } else if (cases.firstKey() == guard.k()) { // emit each switch once, at its first case
                addSwitches(node, guard.slot(), cases, depth + 1);
            }
        }
        return node;
    }

    private static void addSwitches(Node node, int slot, TreeMap<Integer, List<Entry>> cases, int depth) {
        List<Map.Entry<Integer, List<Entry>>> all = new ArrayList<>(cases.entrySet());
        List<Node> parts = new ArrayList<>();
        List<Integer> lows = new ArrayList<>();
        for (int from = 0; from < all.size(); from += MAX_SWITCH_KEYS) {
            int to = Math.min(all.size(), from + MAX_SWITCH_KEYS);
            int[] keys = new int[to - from];
            Node[] children = new Node[to - from];
            for (int i = from; i < to; i++) {
                keys[i - from] = all.get(i).getKey();
                children[i - from] = build(all.get(i).getValue(), depth);
            }
            Node part = new Node();
            part.branches.add(new Switch(slot, keys, children));
            parts.add(part);
            lows.add(keys[0]);
        }
        if (parts.size() == 1) {
            node.branches.add(parts.getFirst().branches.getFirst());
        } else {
            node.branches.add(new Ranges(slot, lows.stream().mapToInt(Integer::intValue).toArray(), parts.toArray(Node[]::new)));
        }
    }

    /**
     * Marks the nodes that become methods so that no method's estimated body exceeds {@code budget}
     * bytes: children first, then the largest children of a node that is still too large.
     */
    static void fit(Node node, int budget) {
        for (Node child : children(node)) {
            fit(child, budget);
        }
        packResiduals(node, budget);
        node.size = inlineSize(node);
        while (node.size > budget) {
            Node largest = null;
            for (Node child : children(node)) {
                if (!child.method && (largest == null || child.size > largest.size)) {
                    largest = child;
                }
            }
            if (largest == null) {
                packBranches(node, budget);
                node.size = inlineSize(node);
                break;
            }
            largest.method = true;
            node.size = inlineSize(node);
        }
    }

    /** A node with more branches than fit one method, even calling every child, splits them over methods. */
    private static void packBranches(Node node, int budget) {
        List<Branch> all = new ArrayList<>(node.branches);
        node.branches.clear();
        Node pack = null;
        for (Branch b : all) {
            Node one = new Node();
            one.branches.add(b);
            int size = inlineSize(one);
            if (pack == null || pack.size + size > budget / 2) {
                pack = new Node();
                pack.method = true;
                node.branches.add(new Always(pack));
            }
            pack.branches.add(b);
            pack.size += size;
        }
    }

    /** A node with more residual code than fits one method moves it into methods of its own. */
    private static void packResiduals(Node node, int budget) {
        int total = 0;
        for (Entry e : node.residuals) {
            total += e.size();
        }
        if (total <= budget / 2) {
            return;
        }
        List<Entry> all = new ArrayList<>(node.residuals);
        node.residuals.clear();
        Node pack = null;
        for (Entry e : all) {
            if (pack == null || pack.size + e.size() > budget / 2) {
                pack = new Node();
                pack.method = true;
                node.branches.add(new Always(pack));
            }
            pack.residuals.add(e);
            pack.size += e.size();
        }
    }

    /** Whether any node below {@code node} is a method of its own. */
    static boolean hasMethods(Node node) {
        for (Node child : children(node)) {
            if (child.method || hasMethods(child)) {
                return true;
            }
        }
        return false;
    }

    static List<Node> children(Node node) {
        List<Node> out = new ArrayList<>();
        for (Branch b : node.branches) {
            switch (b) {
                case Test t -> out.add(t.child());
                case Switch s -> out.addAll(List.of(s.children()));
                case Ranges r -> out.addAll(List.of(r.parts()));
                case Always a -> out.add(a.child());
            }
        }
        return out;
    }

    private static int inlineSize(Node node) {
        int size = 16;
        for (Entry e : node.residuals) {
            size += e.size();
        }
        for (Branch b : node.branches) {
            size += switch (b) {
                case Test t -> 16 + sizeAt(t.child());
                case Switch s -> {
                    int sum = 20 + 8 * s.keys().length;
                    for (Node c : s.children()) {
                        sum += 3 + sizeAt(c);
                    }
                    yield sum;
                }
                case Ranges r -> {
                    int sum = 0;
                    for (Node part : r.parts()) {
                        sum += 16 + sizeAt(part);
                    }
                    yield sum;
                }
                case Always a -> sizeAt(a.child());
            };
        }
        return size;
    }

    private static int sizeAt(Node child) {
        return child.method ? CALL_SIZE : child.size;
    }
}

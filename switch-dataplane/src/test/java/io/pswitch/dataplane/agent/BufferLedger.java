package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Checks the ownership invariant of a buffer pool: every buffer is in exactly one place — reserved
 * (0 and 1), the free list, a ring slot, a batch in flight, or the log — and the places add up to
 * {@link BufferPool#bufferCount()}, with no {@code bufIdx} twice and none missing.
 *
 * <p>A ring slot flagged {@link Ring#FLAG_LOGGED} holds a buffer the log owns (a logged frame on its
 * way out): that buffer must be in the log's list and is counted there, not as the ring's.
 *
 * <p>Cold path: run it on the thread that owns the pool and rings (or after that thread stopped).
 */
public final class BufferLedger {
    private static final int MAX_PROBLEMS = 20;

    private static final byte NOWHERE = 0;
    private static final byte RESERVED = 1;
    private static final byte FREE = 2;
    private static final byte LOG = 3;
    private static final byte IN_FLIGHT = 4;
    private static final byte RING = 5;
    private static final String[] PLACE = {"nowhere", "reserved", "the free list", "the log", "in flight", "a ring"};

    private BufferLedger() {
    }

    /**
     * Where every buffer was found.
     *
     * @param problems the first few violations, one line each; empty when the invariant holds
     * @param problemCount all violations found
     */
    public record Audit(int bufferCount, int reserved, int free, int inRings, int inFlight, int logged,
                        List<String> problems, int problemCount) {
        public boolean ok() {
            return problemCount == 0 && reserved + free + inRings + inFlight + logged == bufferCount;
        }

        public String summary() {
            return "buffers " + bufferCount + " = reserved " + reserved + " + free " + free + " + rings " + inRings
                    + " + in flight " + inFlight + " + log " + logged
                    + (problemCount == 0 ? "" : "; " + problemCount + " problem(s): " + String.join("; ", problems));
        }
    }

    /** Audits the pool against the rings of these ports. */
    public static Audit audit(BufferPool pool, List<? extends Port> ports, int[] inFlight, int[] logOwned) {
        List<Ring> rings = new ArrayList<>(2 * ports.size());
        for (Port p : ports) {
            rings.add(p.rxRing());
            rings.add(p.txRing());
        }
        return auditRings(pool, rings, inFlight, logOwned);
    }

    /** Audits the pool against these rings (every slot of each). */
    public static Audit auditRings(BufferPool pool, Collection<Ring> rings, int[] inFlight, int[] logOwned) {
        int count = pool.bufferCount();
        byte[] where = new byte[count];
        Tally t = new Tally();
        where[0] = RESERVED;
        where[1] = RESERVED;
        t.reserved = 2;
        for (int b : pool.freeBuffers()) {
            if (t.place(where, b, FREE, "free list")) {
                t.free++;
            }
        }
        for (int b : logOwned) {
            if (t.place(where, b, LOG, "log")) {
                t.logged++;
            }
        }
        for (int b : inFlight) {
            if (t.place(where, b, IN_FLIGHT, "in flight")) {
                t.inFlight++;
            }
        }
        for (Ring ring : rings) {
            for (int s = 0; s < ring.numSlots(); s++) {
                int b = ring.bufIdx[s];
                String at = ring.name() + " slot " + s;
                if ((ring.flags[s] & Ring.FLAG_LOGGED) != 0) {
                    if (b < 0 || b >= count || where[b] != LOG) {
                        t.problem(at + " is flagged logged but holds bufIdx " + b + ", which the log does not own");
                    }
                } else if (t.place(where, b, RING, at)) {
                    t.inRings++;
                }
            }
        }
        for (int b = 0; b < count; b++) {
            if (where[b] == NOWHERE) {
                t.problem("bufIdx " + b + " is nowhere (leaked)");
            }
        }
        return new Audit(count, t.reserved, t.free, t.inRings, t.inFlight, t.logged, List.copyOf(t.problems), t.problemCount);
    }

    /**
     * Audits and throws when the invariant does not hold.
     *
     * @throws IllegalStateException whose message is the audit summary
     */
    public static Audit verify(BufferPool pool, List<? extends Port> ports, int[] inFlight, int[] logOwned) {
        Audit audit = audit(pool, ports, inFlight, logOwned);
        if (!audit.ok()) {
            throw new IllegalStateException("buffer ownership broken: " + audit.summary());
        }
        return audit;
    }

    private static final class Tally {
        int reserved;
        int free;
        int inRings;
        int inFlight;
        int logged;
        int problemCount;
        final List<String> problems = new ArrayList<>();

        boolean place(byte[] where, int b, byte place, String at) {
            if (b < 0 || b >= where.length) {
                problem(at + " holds bufIdx " + b + ", outside the pool (0.." + (where.length - 1) + ")");
                return false;
            }
            if (where[b] != NOWHERE) {
                problem("bufIdx " + b + " is both in " + PLACE[where[b]] + " and in " + at);
                return false;
            }
            where[b] = place;
            return true;
        }

        void problem(String line) {
            problemCount++;
            if (problems.size() < MAX_PROBLEMS) {
                problems.add(line);
            }
        }
    }
}

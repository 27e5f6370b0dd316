package io.pswitch.dataplane.idle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.Worker;
import io.pswitch.dataplane.handoff.Doorbell;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;

/**
 * The {@code wait} idle strategy: an idle dataplane thread spins for a short while, then sleeps in
 * one {@code poll(2)} on its ports' {@link io.pswitch.dataplane.port.Port#waitFd descriptors} and
 * is woken by the kernel when a frame arrives.
 *
 * <p>Why: on a machine with few cores the hosts the switch serves (and the kernel work of their
 * sockets) need the core a spinning switch would take, and a spinning thread that the scheduler
 * preempts for a time slice holds every frame that arrives meanwhile for that long. A sleeping
 * thread costs nothing, and the kernel wakes it from the softirq that queued the frame: the wake-up
 * is tens of microseconds, not a time slice. The spin before sleeping keeps a burst (a TCP window)
 * on the running thread without a sleep per frame.
 *
 * <p>Work another thread queues for this worker (frames, stations and buffers from other workers,
 * matches for the log, commands) wakes it through its {@link Doorbell}, an eventfd in the same poll:
 * the sleeper arms it, looks at its queues once more, and only then polls (why no wake-up is lost:
 * {@link Doorbell}).
 *
 * <p>It sleeps only when the agent is {@link Worker#quiescent() quiescent} (no frame waiting
 * to be sent, no command queued), and for at most {@value #POLL_TIMEOUT_MS} ms, so that the duty
 * cycle's timed work (forwarding-table ageing, the log's commit window, the drivers' periodic checks
 * for an interface that went away) still runs while no frame comes. Ports the agent does not read
 * this cycle (administratively down) are left out of the poll: their queued frames must not wake it.
 * When a port has no descriptor (a capture file, a shared-memory port) the thread cannot sleep on
 * it and parks for {@value #PARK_NS} ns instead.
 *
 * <p>Used only by the agent's thread: the pollfd array is this thread's.
 */
public final class PortWaitIdleStrategy implements IdleStrategy {
    /** Longest sleep: the duty cycle's timed work runs at least this often. */
    public static final int POLL_TIMEOUT_MS = 1;
    /**
     * Idle time spent spinning before sleeping. A spinning real-time thread holds its core, so a
     * host task a forwarded frame woke there waits for it (perf sched on veth: a ping's reply waited
     * out the spin). But a frame the switch's own send set off (the echo reply to the request it just
     * sent) may come back later than that send returns; 10 µs, which then slept before it came, made
     * the harness's afxdp ping p50 1.2-1.3× slower than 50 µs in both runs (BENCHMARKS.md, issue 15).
     */
    public static final long SPIN_NS = 50_000;
    static final long PARK_NS = 50_000;

    private static final MethodHandle POLL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private final Worker agent;
    private final Doorbell doorbell;
    private final int portCount;
    private final int[] fds;
    private final boolean canSleep;
    private final MemorySegment pollFds;
    private final long pollFdsAddress;

    /** nanoTime when the current idle stretch began, or 0 while there is work. */
    private long idleSinceNs;

    /** For a one-worker switch. */
    public PortWaitIdleStrategy(SwitchAgent agent) {
        this(agent.worker(0));
    }

    /**
     * For one worker of a switch: it sleeps on that worker's ports and its doorbell, and not while
     * another worker has queued work for it.
     */
    public PortWaitIdleStrategy(Worker agent) {
        this.agent = agent;
        this.doorbell = agent.doorbell();
        this.portCount = agent.portCount();
        this.fds = new int[portCount];
        boolean all = true;
        for (int p = 0; p < portCount; p++) {
            fds[p] = agent.port(p).waitFd();
            all &= fds[p] >= 0;
        }
        this.canSleep = all;
        // Made here, used by the agent's thread (started after this): an automatic arena, freed with the strategy.
        // The ports' entries, then the doorbell's (index portCount).
        this.pollFds = Arena.ofAuto().allocate(PollFdDescriptor.SIZE * (portCount + 1), 8);
        this.pollFdsAddress = pollFds.address();
    }

    /** Whether every port has a descriptor to sleep on (else idle time is parked, not slept). */
    public boolean sleepsInPoll() {
        return canSleep;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            idleSinceNs = 0;
            return;
        }
        idle();
    }

    @Override
    public void idle() {
        long now = System.nanoTime();
        if (idleSinceNs == 0) {
            idleSinceNs = now;
        }
        if (now - idleSinceNs < SPIN_NS || !agent.quiescent()) {
            Thread.onSpinWait();
        } else if (canSleep) {
            sleep();
        } else {
            LockSupport.parkNanos(PARK_NS);
        }
    }

    private void sleep() {
        for (int p = 0; p < portCount; p++) {
            PollFdDescriptor.set(pollFds, p, agent.reads(p) ? fds[p] : -1, PollFdDescriptor.POLLIN);
        }
        PollFdDescriptor.set(pollFds, portCount, doorbell.fd(), PollFdDescriptor.POLLIN);
        doorbell.arm();
        if (!agent.quiescent()) {
            // Work came between the check in idle() and the arming: a producer that saw the flag
            // may still write the eventfd; the next poll then returns at once and drains it.
            doorbell.disarm(false);
            return;
        }
        try {
            // The result does not matter: whatever woke the thread (a frame, the doorbell, an error,
            // the timeout, EINTR), the next duty cycle looks at every port and queue.
            int ignored = (int) POLL.invokeExact(pollFdsAddress, (long) portCount + 1, POLL_TIMEOUT_MS);
        } catch (Throwable t) {
            throw new IllegalStateException("poll failed", t);
        }
        doorbell.disarm(PollFdDescriptor.revents(pollFds, portCount) != 0);
    }

    @Override
    public void reset() {
        idleSinceNs = 0;
    }

    @Override
    public String alias() {
        return "wait";
    }
}

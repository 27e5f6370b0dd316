package io.pswitch.dataplane.handoff;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The doorbell through the kernel: its eventfd polled by a real {@code poll(2)}, as a sleeping worker does. */
class DoorbellTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POLL = LINKER.downcallHandle(LINKER.defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ = LINKER.downcallHandle(LINKER.defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** A poll that ends on its timeout instead of the doorbell would be a lost wake-up; this long never ends on time otherwise. */
    private static final int SAFETY_TIMEOUT_MS = 20_000;

    @Test
    void aRingWakesAnArmedSleeperAndItsDisarmResetsTheDescriptor() throws Throwable {
        Doorbell d = Doorbell.open();
        d.arm();
        d.ring();
        assertThat(d.isArmed()).as("the ringer took the flag").isFalse();
        assertThat(poll(d.fd(), 0)).as("readable").isEqualTo(1);
        d.disarm(true);
        assertThat(poll(d.fd(), 0)).as("drained: the next sleep sleeps").isZero();
    }

    @Test
    void aRingWhileNobodySleepsWritesNothing() throws Throwable {
        Doorbell d = Doorbell.open();
        d.ring();
        d.ring();
        assertThat(poll(d.fd(), 0)).isZero();
    }

    @Test
    void manyRingsForOneSleepWriteTheDescriptorOnce() throws Throwable {
        Doorbell d = Doorbell.open();
        d.arm();
        for (int i = 0; i < 5; i++) {
            d.ring();
        }
        assertThat(readCounter(d.fd())).as("the eventfd's counter: one write").isEqualTo(1);
    }

    /**
     * The sleeper's protocol against a producer on another thread, many times: arm, look at the
     * queue, poll only if it is empty. Every round the producer queues one item and rings; a lost
     * wake-up would leave the sleeper in poll until its safety timeout (poll returns 0).
     */
    @Test
    void noWakeUpIsLostBetweenASleeperAndAProducer() throws Exception {
        Doorbell d = Doorbell.open();
        HandoffQueue q = new HandoffQueue(4, 1);
        int rounds = 20_000;
        AtomicInteger timeouts = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sleeper = new Thread(() -> {
            try {
                int taken = 0;
                while (taken < rounds) {
                    int n = q.available();
                    if (n > 0) {
                        q.release(n);
                        taken += n;
                        continue;
                    }
                    d.arm();
                    if (q.available() > 0) {
                        d.disarm(false);
                        continue;
                    }
                    int r = poll(d.fd(), SAFETY_TIMEOUT_MS);
                    if (r == 0) {
                        timeouts.incrementAndGet();
                    }
                    d.disarm(r > 0);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "doorbell-sleeper");
        sleeper.start();
        for (int i = 0; i < rounds; i++) {
            int e;
            while ((e = q.claim()) < 0) {
                Thread.onSpinWait();
            }
            q.put(e, 0, i);
            q.publish();
            d.ring();
            if ((i & 7) == 0) {
                // Give the sleeper time to reach its poll now and then, so both orders happen.
                Thread.yield();
            }
        }
        sleeper.join();
        assertThat(failure.get()).isNull();
        assertThat(timeouts.get()).as("polls that ended on the timeout: lost wake-ups").isZero();
    }

    @Test
    void publishingRingsOnlyTheWorkersThatGotSomething(@TempDir Path dir) throws Throwable {
        BufferPool pool = BufferPool.open(dir.resolve("pool"), 2048, 256);
        try {
            WorkerLinks[] links = WorkerLinks.mesh(3, 16, pool);
            Doorbell one = links[1].doorbell();
            Doorbell two = links[2].doorbell();
            assertThat(links[0].doorbell(1)).isSameAs(one);
            one.arm();
            two.arm();
            links[0].publish();
            assertThat(poll(one.fd(), 0)).as("nothing queued: no ring").isZero();
            assertThat(links[0].sendFrame(1, pool.allocate(), 64, 0, 0, 0, 0)).isTrue();
            links[0].publish();
            assertThat(poll(one.fd(), 0)).as("a frame for worker 1").isEqualTo(1);
            assertThat(poll(two.fd(), 0)).as("nothing for worker 2").isZero();
            assertThat(two.isArmed()).isTrue();
        } finally {
            pool.close();
        }
    }

    private static int poll(int fd, int timeoutMs) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(8, 8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) 1); // POLLIN
            return (int) POLL.invokeExact(pfd.address(), 1L, timeoutMs);
        }
    }

    private static long readCounter(int fd) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_LONG);
            long n = (long) READ.invokeExact(fd, v.address(), 8L);
            assertThat(n).isEqualTo(8);
            return v.get(JAVA_LONG, 0);
        }
    }
}

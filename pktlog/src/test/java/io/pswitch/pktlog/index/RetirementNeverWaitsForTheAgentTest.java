package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer (the dataplane) never waits for the commit agent to retire records: when it needs the
 * room while the agent is inside the flush of a retention block, it flushes the block itself and
 * goes on. Found by JFR on a loaded 2-core machine: the dataplane spun in that wait for ~6 µs per
 * logged frame while the agent's thread was not scheduled.
 */
class RetirementNeverWaitsForTheAgentTest {
    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    /** The real mapped storage; the agent's flush of a retention block stops at a gate the test opens. */
    private static final class GatedStorage implements LogStorage {
        final CountDownLatch agentInFlush = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        volatile MemorySegment index;
        volatile Thread agentThread;

        @Override
        public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
            LogStorage.MAPPED.write(segment, offset, src, length);
        }

        @Override
        public void write(MemorySegment segment, long offset, byte[] src, int length) {
            LogStorage.MAPPED.write(segment, offset, src, length);
        }

        @Override
        public void force(MemorySegment segment, long offset, long length) {
            if (Thread.currentThread() == agentThread && segment == index && offset < IndexFileDescriptor.RECORDS_OFFSET) {
                agentInFlush.countDown();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            LogStorage.MAPPED.force(segment, offset, length);
        }
    }

    @Test
    // A writer that waited for the gated agent would spin here for ever: the timeout (on a thread of
    // its own, since a spinning writer never sees an interrupt) turns that hang into a failure.
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void appendsGoOnWhileTheAgentIsInsideARetentionFlush() throws Exception {
        Path poolFile = dir.resolve("pool");
        Path indexFile = dir.resolve("index");
        PacketLogConfig config = new PacketLogConfig(64, 0, 8);
        GatedStorage storage = new GatedStorage();
        long oldest;
        long appended;
        try (BufferPool pool = BufferPool.open(poolFile, 256, 256);
             PacketLog log = PacketLog.open(pool, indexFile, config, storage)) {
            storage.index = log.indexSegment();
            Agent agent = log.handCommitsTo();
            // Within two batches of a full index a retirement is requested ahead of need.
            for (int i = 0; i < 49; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
            }
            assertThat(log.oldestSeq()).as("requested, not yet retired").isEqualTo(1);
            Thread agentThread = new Thread(() -> {
                try {
                    agent.doWork();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "gated-commit-agent");
            agentThread.setDaemon(true);
            storage.agentThread = agentThread;
            agentThread.start();
            storage.agentInFlush.await();

            // The agent is inside the flush: fill the index and go well past it.
            for (int i = 49; i < 120; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
            }
            assertThat(storage.gate.getCount()).as("the agent is still inside its flush").isEqualTo(1);
            assertThat(log.appendedSeq()).isEqualTo(120);
            assertThat(log.liveRecords()).as("the index never overflows").isLessThanOrEqualTo(64);
            assertThat(log.oldestSeq()).as("the writer retired without the agent").isGreaterThanOrEqualTo(120 - 64 + 1);

            storage.gate.countDown();
            agentThread.join();
            // The agent's late flush only closes its request: retirement ahead of need goes on.
            long retired = log.retiredCount();
            for (int i = 120; i < 240; i++) {
                TestFrames.appendNext(log, pool, 60, i, 0);
                agent.doWork();
            }
            assertThat(log.retiredCount()).isGreaterThan(retired);
            assertThat(log.liveRecords()).isLessThanOrEqualTo(64);
            log.commit();
            oldest = log.oldestSeq();
            appended = log.appendedSeq();
        }
        try (BufferPool pool = BufferPool.open(poolFile, 256, 256);
             PacketLog log = PacketLog.open(pool, indexFile, config, LogStorage.MAPPED)) {
            assertThat(log.oldestSeq()).as("the oldest marker the writer relied on is durable").isEqualTo(oldest);
            assertThat(log.appendedSeq()).isEqualTo(appended);
            assertThat(log.recoveryReport().oldestSeq()).isEqualTo(oldest);
        }
    }
}

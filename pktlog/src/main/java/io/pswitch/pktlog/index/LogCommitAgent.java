package io.pswitch.pktlog.index;

import org.agrona.concurrent.Agent;

/**
 * The hot tier's group committer as an Agrona {@link Agent}: the dataplane hands it the frames and
 * slots appended since the last commit ({@link PacketLog#requestCommit}) and never waits; each
 * duty cycle makes the commit in flight durable (frames first, then the records that point at
 * them) and any retention marker requested ahead of need. What it flushes, the writer no longer
 * changes: frames the log owns, slots already written.
 */
final class LogCommitAgent implements Agent {
    private final PacketLog log;

    LogCommitAgent(PacketLog log) {
        this.log = log;
    }

    @Override
    public int doWork() {
        return log.commitWork();
    }

    @Override
    public String roleName() {
        return "pswitch-log-commit";
    }
}

package io.pswitch.pktlog.index;

/**
 * The sequence numbers of one hot-tier log, shared by its writer, its commit agent and its readers.
 *
 * <p><b>Ownership and ordering.</b> {@link #next} and {@link #requested} belong to the writer (the
 * dataplane thread). {@link #oldest} is published by retirement <em>before</em> a retired buffer is
 * freed or its slot reused, so a reader that copied a record and then sees a newer oldest knows its
 * copy may be torn (see {@link LogSource}). {@link #committed} moves only once its records are
 * durable; {@link #visible} is at least {@code committed} and moves ahead of it when the writer
 * publishes records not yet durable (batch and async durability).
 */
final class LogSequences {
    /** Next sequence to append. Writer thread. */
    long next;
    /** Last sequence handed to a commit (a request or a synchronous commit). Writer thread. */
    long requested;
    /** First sequence not retired. */
    volatile long oldest;
    /** Last sequence durable in this tier. */
    volatile long committed;
    /** Last sequence readers may see. */
    volatile long visible;

    LogSequences(RecoveryReport report) {
        next = report.nextSeq();
        oldest = report.oldestSeq();
        committed = report.nextSeq() - 1;
        visible = committed;
        requested = committed;
    }

    /** An empty log renumbered to start at {@code seq}, once its oldest marker says so durably. */
    void restartAt(long seq) {
        next = seq;
        oldest = seq;
        committed = seq - 1;
        visible = seq - 1;
        requested = seq - 1;
    }

    /** Records appended and not yet retired. */
    long live() {
        return next - oldest;
    }
}

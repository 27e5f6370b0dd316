package io.pswitch.dataplane.agent;

import io.pswitch.dataplane.fdb.FdbEntry;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A request from another thread (REST, CLI) to the {@link SwitchAgent}, queued with
 * {@link SwitchAgent#offer} and applied on the dataplane thread at the start of a duty cycle, so
 * the control plane never touches dataplane state. Results come back through a future completed
 * on the dataplane thread: callers should block on it or continue with an {@code ...Async} stage,
 * so that their work does not run on the dataplane thread.
 */
public sealed interface SwitchCommand {
    /** {@link FlushFdb#port()} value meaning every port. */
    int ALL_PORTS = -1;

    /** Administratively brings a port up or down; a down port is neither read nor written. */
    record SetPortUp(int port, boolean up, CompletableFuture<Void> done) implements SwitchCommand {
    }

    /** Forgets the stations learned on one port, or on all ports; completes with how many were removed. */
    record FlushFdb(int port, CompletableFuture<Integer> removed) implements SwitchCommand {
    }

    /** Copies the forwarding table (cold path on the dataplane thread). */
    record SnapshotFdb(CompletableFuture<List<FdbEntry>> result) implements SwitchCommand {
    }

    static SetPortUp portUp(int port) {
        return new SetPortUp(port, true, new CompletableFuture<>());
    }

    static SetPortUp portDown(int port) {
        return new SetPortUp(port, false, new CompletableFuture<>());
    }

    static FlushFdb flushAll() {
        return new FlushFdb(ALL_PORTS, new CompletableFuture<>());
    }

    static FlushFdb flushPort(int port) {
        return new FlushFdb(port, new CompletableFuture<>());
    }

    static SnapshotFdb snapshotFdb() {
        return new SnapshotFdb(new CompletableFuture<>());
    }
}

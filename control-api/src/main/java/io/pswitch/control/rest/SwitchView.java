package io.pswitch.control.rest;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.pktlog.pool.BufferPool;

/**
 * What the API sees of a running switch. Handlers read counters (single writer, opaque reads) and
 * send commands through {@link SwitchAgent#offer}; they never touch rings, ports or the table.
 */
public interface SwitchView {
    SwitchAgent agent();

    BufferPool pool();

    /** The first error the dataplane thread hit, or null while it runs well. */
    Throwable agentError();

    /** True once the switch finished starting (pool mapped, ports open, agent thread running). */
    boolean started();
}

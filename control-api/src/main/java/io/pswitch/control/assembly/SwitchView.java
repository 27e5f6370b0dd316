package io.pswitch.control.assembly;

import io.pswitch.control.filters.FilterService;
import io.pswitch.control.log.LogStatus;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.pool.BufferPool;
import java.util.List;

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

    /** The filter lifecycle (list, add, replace, delete), shared by every request. */
    FilterService filterService();

    /** The filters installed now, in order. */
    List<Filter> filters();

    /** The packet log, read (never written) by queries on request threads. */
    PacketLog log();

    /** The log's tiers: where they live, the drain and the segment tier (read-only use). */
    io.pswitch.pktlog.tier.TieredLog tiers();

    /** The dataplane's logging stage: its counters and per-filter counters. */
    LoggingStage logging();

    /** The packet log's state now. */
    LogStatus logStatus();
}

package io.pswitch.control.reload;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.dataplane.logging.Durability;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings a reload cannot apply to a running switch, by their config file keys. Each is fixed
 * by what was built from it at start: the pool file and its buffers, the rings, the ports' drivers
 * and sockets, the forwarding table, the dataplane's idle strategy, the log's index and tiers, the
 * API's listening socket. The commit window is here too: the dataplane's logging stage and the drain
 * agent each hold it, on their own threads, and nothing yet swaps both in one step; a window that
 * applied on one side only would break the durability promise of the mode.
 */
final class RestartSettings {
    private RestartSettings() {
    }

    /** The keys whose value in {@code next} differs from the running one, in config file order. */
    static List<String> differing(RunSettings running, RunSettings next) {
        List<String> out = new ArrayList<>();
        add(out, "dataDir", running.dataDir(), next.dataDir());
        add(out, "workers", running.workers(), next.workers());
        add(out, "pool.buffers", running.buffers(), next.buffers());
        add(out, "pool.bufferSize", running.bufferSize(), next.bufferSize());
        add(out, "ringSize", running.ringSize(), next.ringSize());
        add(out, "batch", running.batch(), next.batch());
        add(out, "idle", running.idle(), next.idle());
        add(out, "rtPriority", running.rtPriority(), next.rtPriority());
        add(out, "warmup", running.warmup(), next.warmup());
        add(out, "fdb.capacity", running.fdbCapacity(), next.fdbCapacity());
        add(out, "fdb.ageing", running.ageing(), next.ageing());
        add(out, "statusInterval", running.statusInterval(), next.statusInterval());
        add(out, "ports", running.ports(), next.ports());
        log(out, running.log(), next.log());
        api(out, running.api(), next.api());
        return out;
    }

    private static void log(List<String> out, LogSettings running, LogSettings next) {
        Durability d = running.durability();
        Durability n = next.durability();
        if (d.mode() != n.mode()) {
            // A new mode brings its own default window: naming the mode says it all.
            out.add("log.durability");
        } else {
            add(out, "log.commitRecords", d.maxRecords(), n.maxRecords());
            add(out, "log.commitInterval", d.maxDelayNs(), n.maxDelayNs());
        }
        add(out, "log.records", running.records(), next.records());
        add(out, "log.size", running.logSize(), next.logSize());
        add(out, "log.segmentSize", running.segmentSize(), next.segmentSize());
        add(out, "log.poolDir", running.poolDir(), next.poolDir());
        add(out, "log.storageNice", running.storageNice(), next.storageNice());
    }

    private static void api(List<String> out, ApiSettings running, ApiSettings next) {
        if (!Objects.equals(running.host(), next.host()) || running.port() != next.port()) {
            out.add("api.address");
        }
        add(out, "api.tokenFile", running.tokenFile(), next.tokenFile());
        add(out, "api.tlsCert", running.tlsCert(), next.tlsCert());
        add(out, "api.tlsKey", running.tlsKey(), next.tlsKey());
    }

    private static void add(List<String> out, String key, Object running, Object next) {
        if (!Objects.equals(running, next)) {
            out.add(key);
        }
    }
}

package io.pswitch.control.run;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.WorkerLoad;
import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortCounters;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The one-line status a running switch prints every few seconds: rates since the last line, the
 * forwarding table size, drops by cause and what the log took. Reads the agent's counters (single
 * writer, opaque reads).
 */
public final class StatusLine {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private final SwitchAgent agent;
    private final PacketLog log;
    private long lastLogged;
    private final long[] lastRx;
    private final long[] lastTx;
    private final long[] lastDrops;
    private long lastNs;

    public StatusLine(SwitchAgent agent) {
        this(agent, null);
    }

    /** @param log the switch's log, or null when it has none */
    public StatusLine(SwitchAgent agent, PacketLog log) {
        this.agent = agent;
        this.log = log;
        this.lastRx = new long[agent.portCount()];
        this.lastTx = new long[agent.portCount()];
        this.lastDrops = new long[DropCause.VALUES.length];
        this.lastNs = System.nanoTime();
        sample();
    }

    private void sample() {
        for (int p = 0; p < agent.portCount(); p++) {
            lastRx[p] = agent.counters(p).rxFrames();
            lastTx[p] = agent.counters(p).txFrames();
        }
        for (DropCause c : DropCause.VALUES) {
            lastDrops[c.ordinal()] = totalDrops(c);
        }
        if (agent.logging() != null) {
            lastLogged = agent.logging().counters().frames();
        }
    }

    private long totalDrops(DropCause c) {
        long sum = 0;
        for (int p = 0; p < agent.portCount(); p++) {
            sum += agent.counters(p).drops(c);
        }
        return sum;
    }

    /** Builds the next line and resets the interval. */
    public String next() {
        long now = System.nanoTime();
        double secs = Math.max(1e-9, (now - lastNs) / 1e9);
        StringBuilder sb = new StringBuilder();
        sb.append(LocalTime.now().format(TIME));
        long rxSum = 0;
        long txSum = 0;
        StringBuilder perPort = new StringBuilder();
        for (int p = 0; p < agent.portCount(); p++) {
            PortCounters c = agent.counters(p);
            long rx = c.rxFrames() - lastRx[p];
            long tx = c.txFrames() - lastTx[p];
            rxSum += rx;
            txSum += tx;
            perPort.append(String.format(Locale.ROOT, " | %s %s rx %s tx %s", agent.port(p).name(),
                    c.state().name().toLowerCase(Locale.ROOT), rate(rx / secs), rate(tx / secs)));
        }
        sb.append(String.format(Locale.ROOT, " rx %s tx %s fdb %d", rate(rxSum / secs), rate(txSum / secs), agent.fdb().size()));
        StringBuilder drops = new StringBuilder();
        for (DropCause c : DropCause.VALUES) {
            long d = totalDrops(c) - lastDrops[c.ordinal()];
            if (d > 0) {
                drops.append(drops.isEmpty() ? "" : " ").append(c.label()).append('=').append(d);
            }
        }
        sb.append(" drops ").append(drops.isEmpty() ? "0" : drops);
        if (agent.logging() != null) {
            LogCounters lc = agent.logging().counters();
            long records = log == null ? 0 : Math.max(0, lc.publishedSeq() - log.oldestSeq() + 1);
            sb.append(String.format(Locale.ROOT, " | logged %s total %d records %d retired %d",
                    rate((lc.frames() - lastLogged) / secs), lc.frames(), records, lc.retired()));
            if (lc.drainedSeq() != Long.MAX_VALUE) {
                sb.append(String.format(Locale.ROOT, " drain lag %d", Math.max(0, lc.publishedSeq() - lc.drainedSeq())));
            }
            if (lc.skippedStorageBehind() + lc.skippedNoBuffer() > 0) {
                sb.append(String.format(Locale.ROOT, " skipped %d (storage behind) %d (no buffer)", lc.skippedStorageBehind(),
                        lc.skippedNoBuffer()));
            }
            if (log != null && log.commitLatency().count() > 0) {
                sb.append(String.format(Locale.ROOT, " commit p50 %.0f us p99 %.0f us", log.commitLatency().p50() / 1e3,
                        log.commitLatency().p99() / 1e3));
            }
        }
        if (agent.workerCount() > 1) {
            // Each worker's own figures over its last second (published by the worker itself).
            sb.append(" | workers");
            for (int w = 0; w < agent.workerCount(); w++) {
                WorkerLoad load = agent.workerLoad(w);
                sb.append(String.format(Locale.ROOT, " w%d busy %.0f%% %s", w, load.busyFraction() * 100, rate(load.framesPerSecond())));
            }
        }
        sb.append(perPort);
        lastNs = now;
        sample();
        return sb.toString();
    }

    static String rate(double pps) {
        if (pps >= 1e6) {
            return String.format(Locale.ROOT, "%.2f Mpps", pps / 1e6);
        }
        if (pps >= 1e3) {
            return String.format(Locale.ROOT, "%.1f kpps", pps / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f pps", pps);
    }
}

package io.pswitch.tools.demo;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.rest.ApiServer;
import io.pswitch.control.run.ServedSwitch;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchCommand;
import io.pswitch.dataplane.fdb.FdbEntry;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TieredLogReader;
import io.pswitch.tools.hosts.SimulatedHost;
import io.pswitch.tools.wire.Ipv4Address;
import io.pswitch.tools.wire.MacAddress;
import java.io.PrintStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./pswitch demo}: a switch with three shm ports and a simulated host on each, no root and
 * no config. The hosts ARP, ping each other and run a TCP-like transfer through the switch while
 * the demo shows, second by second, what the switch learned and forwarded.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a switch on an embedded default and shows learning and forwarding live.",
                "Three shm ports, a simulated host on each (ARP, ping, a TCP-like transfer).",
                "With --netns (root): three network namespaces on pcap ports, pinging through the switch.",
                "The switch serves its REST API (127.0.0.1:8080, or a free port when that is taken);",
                "the demo prints curl and './pswitch ctl' lines to try it, and --stay keeps it running."})
public final class DemoCommand implements Callable<Integer> {
    private static final int HOSTS = 3;
    private static final String DEMO_FILTER = "icmp or arp";
    private static final int GRACE_SECONDS = 20;
    private static final ValueLayout.OfShort ETHER_TYPE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Option(names = "--seconds", paramLabel = "N", description = "How long the traffic runs. Default: 6.")
    int seconds = 6;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory. Default: a new temporary one.")
    Path dataDir;

    @Option(names = "--netns", description = "Use real network namespaces and the pcap driver (needs root).")
    boolean netns;

    @Option(names = "--api", paramLabel = "HOST:PORT", description = "REST API address, or 'off'. Default: "
            + ApiSettings.DEFAULT_ADDRESS + " (a free port when that one is taken).")
    String api = ApiSettings.DEFAULT_ADDRESS;

    @Option(names = "--stay", description = "After the demo, keep the switch (and its API) running, the hosts pinging"
            + " each other every second, until Ctrl-C or SIGTERM.")
    boolean stay;

    @Override
    public Integer call() throws Exception {
        if (seconds < 2 || seconds > 3600) {
            throw new IllegalArgumentException("--seconds " + seconds + " must be between 2 and 3600");
        }
        ApiSettings apiSettings = ApiSettings.parse(api, null, null, null);
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("pswitch-demo-");
        try (ShutdownSignal signal = ShutdownSignal.install()) {
            int result = netns ? new NetnsDemo(System.out, dir, seconds, apiSettings, stay, signal).run() : shmDemo(System.out, dir, apiSettings, signal);
            if (signal.requested()) {
                System.out.println("pswitch demo: stopped");
                System.out.flush();
            }
            return result;
        }
    }

    private int shmDemo(PrintStream out, Path dir, ApiSettings api, ShutdownSignal signal) throws Exception {
        String tag = "demo" + ProcessHandle.current().pid();
        List<PortSpec> specs = new ArrayList<>();
        for (int h = 1; h <= HOSTS; h++) {
            specs.add(PortSpec.parse("h" + h + "=shm:" + tag + "-h" + h));
        }
        LogSettings log = new LogSettings(List.of(Filter.of(1, "ping", DEMO_FILTER)), Durability.parse("batch"), 4096);
        Function<ApiSettings, RunSettings> settings = a -> new RunSettings(dir, 1, 4096, 2048, 256, 64, RunSettings.IdleMode.BACKOFF,
                1024, Duration.ofSeconds(300), Duration.ofSeconds(1), true, specs, log, a);
        out.println("pswitch demo: a switch with 3 shm ports, a simulated host on each (data dir " + dir + ")");
        try (ServedSwitch served = DemoApi.start(settings, api, out)) {
            SwitchAssembly sw = served.assembly();
            SwitchAgent agent = sw.agent();
            out.printf("  pool %s: %d buffers of %d B, storage class %s%n", sw.pool().path(), sw.pool().bufferCount(),
                    sw.pool().bufferSize(), sw.pool().storageClass());
            out.printf("  logging filter ping='%s', durability %s, %s%n", DEMO_FILTER, log.durability().label(),
                    sw.log().recoveryReport());
            ShmEndpoint[] eps = new ShmEndpoint[HOSTS];
            SimulatedHost[] hosts = new SimulatedHost[HOSTS];
            int[] ips = new int[HOSTS];
            try {
                for (int h = 0; h < HOSTS; h++) {
                    eps[h] = ShmEndpoint.attach(tag + "-h" + (h + 1));
                    ips[h] = Ipv4Address.parse("192.0.2." + (h + 1));
                    hosts[h] = new SimulatedHost("host" + (h + 1), eps[h], MacAddress.parse("02:00:00:00:00:0" + (h + 1)), ips[h]);
                    out.printf("  port h%d  <->  %s  %s  %s%n", h + 1, hosts[h].name(), MacAddress.format(hosts[h].mac()),
                            Ipv4Address.format(ips[h]));
                }
                DemoApi.printTryLines(out, served.api(), "h3");
                int result = drive(out, agent, hosts, ips, signal);
                boolean exported = exportLogged(out, sw, dir);
                if (stay && !signal.requested()) {
                    stayUp(out, served, hosts, ips, signal);
                }
                return exported && result == 0 ? 0 : 1;
            } finally {
                for (ShmEndpoint e : eps) {
                    if (e != null) {
                        e.close();
                    }
                }
            }
        }
    }

    /** --stay: the hosts ping each other once a second, so what the API shows keeps moving. */
    private static void stayUp(PrintStream out, ServedSwitch served, SimulatedHost[] hosts, int[] ips, ShutdownSignal signal)
            throws InterruptedException {
        ApiServer api = served.api();
        SwitchAssembly sw = served.assembly();
        out.println();
        out.println("  --stay: the switch keeps running" + (api == null ? "" : " with its API at " + api.url())
                + ", each host pinging the next once a second; Ctrl-C (or SIGTERM) stops it.");
        out.flush();
        for (int h = 0; h < HOSTS; h++) {
            hosts[h].ping(ips[(h + 1) % HOSTS], Integer.MAX_VALUE, TimeUnit.SECONDS.toNanos(1));
        }
        while (!signal.await(1)) {
            long now = System.nanoTime();
            for (SimulatedHost host : hosts) {
                host.poll(now);
            }
            if (sw.agentError() != null) {
                throw new IllegalStateException("dataplane stopped: " + sw.agentError(), sw.agentError());
            }
        }
        out.println("pswitch demo: stopping");
    }

    private int drive(PrintStream out, SwitchAgent agent, SimulatedHost[] hosts, int[] ips, ShutdownSignal signal) throws Exception {
        byte[] data = new byte[512 * 1024];
        new Random(42).nextBytes(data);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        // Each host pings the next one (ARP first: broadcast, flooded, then learned unicast),
        // host1 sends 512 KiB to host2 over a TCP-like stream, host3 only watches.
        for (int h = 0; h < HOSTS; h++) {
            hosts[h].ping(ips[(h + 1) % HOSTS], 4, TimeUnit.MILLISECONDS.toNanos(500));
        }
        hosts[1].listen(5001, data.length);
        boolean tcpStarted = false;
        out.println();
        out.println("  time  fdb  " + portHeader(agent) + "logged  events");
        long nextLine = start + TimeUnit.SECONDS.toNanos(1);
        long[] lastTx = new long[agent.portCount()];
        // Runs its time, and on a slow or loaded machine a little longer while the transfer is
        // still moving, so that "FAILED" means the switch lost something, not that time ran out.
        long grace = end + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
        while (System.nanoTime() < end || (System.nanoTime() < grace && !finished(hosts, data.length))) {
            if (signal.requested()) {
                out.println("  interrupted");
                return 130;
            }
            long now = System.nanoTime();
            for (SimulatedHost host : hosts) {
                host.poll(now);
            }
            if (!tcpStarted && now - start > TimeUnit.MILLISECONDS.toNanos(1500)) {
                hosts[0].connect(ips[1], 5001, data);
                tcpStarted = true;
            }
            if (now >= nextLine) {
                out.printf(Locale.ROOT, "  %3ds  %3d  %s%-6d  %s%n", (now - start) / 1_000_000_000L, agent.fdb().size(),
                        portRow(agent, lastTx), agent.logging().counters().frames(), events(hosts));
                nextLine += TimeUnit.SECONDS.toNanos(1);
            }
            Thread.onSpinWait();
        }
        return report(out, agent, hosts, data.length);
    }

    private static boolean finished(SimulatedHost[] hosts, int tcpBytes) {
        for (SimulatedHost h : hosts) {
            if (h.pingsSent() < 4 || h.pingReplies() < h.pingsSent()) {
                return false;
            }
        }
        return hosts[1].tcpReceiveComplete() && hosts[1].tcpBytesReceived() == tcpBytes;
    }

    /**
     * Writes what the log holds to a pcap next to it (the log is live: the reader verifies every
     * record) and says where. The demo's traffic includes TCP-like segments, which the filter must
     * not have logged.
     */
    private static boolean exportLogged(PrintStream out, SwitchAssembly sw, Path dir) {
        long logged = sw.logging().counters().frames();
        Path pcap = dir.resolve("demo-logged.pcap");
        // Both tiers: what the drain already moved to the segments, and the hot tier.
        TieredLogReader reader = LogView.of(sw.tiers()).reader();
        long[] icmpOrArp = new long[2];
        try (PcapWriter w = PcapWriter.create(pcap)) {
            reader.query(LogQuery.all(), (rec, frame, offset) -> {
                w.write(rec.timestampNs(), frame, offset, rec.storedLength(), rec.wireLength());
                int etherType = Short.toUnsignedInt(frame.get(ETHER_TYPE, offset + 12));
                icmpOrArp[etherType == 0x0806 ? 1 : 0]++;
                return true;
            });
        }
        long exported = icmpOrArp[0] + icmpOrArp[1];
        out.printf(Locale.ROOT, "%n  logged %d frames matching '%s' (%d ARP, %d ICMP), %d crc errors; exported %d to %s%n",
                logged, DEMO_FILTER, icmpOrArp[1], icmpOrArp[0], reader.crcMismatches(), exported, pcap);
        out.println("  open it with: tcpdump -nr " + pcap + "   or   tshark -r " + pcap);
        return exported > 0 && reader.crcMismatches() == 0;
    }

    private static String portHeader(SwitchAgent agent) {
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < agent.portCount(); p++) {
            sb.append(String.format(Locale.ROOT, "%-18s", agent.port(p).name() + " rx/tx"));
        }
        return sb.toString();
    }

    private static String portRow(SwitchAgent agent, long[] lastTx) {
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < agent.portCount(); p++) {
            PortCounters c = agent.counters(p);
            sb.append(String.format(Locale.ROOT, "%-18s", c.rxFrames() + "/" + c.txFrames()));
            lastTx[p] = c.txFrames();
        }
        return sb.toString();
    }

    private static String events(SimulatedHost[] hosts) {
        StringBuilder sb = new StringBuilder();
        for (SimulatedHost h : hosts) {
            sb.append(h.name()).append(" pings ").append(h.pingReplies()).append('/').append(h.pingsSent()).append("  ");
        }
        sb.append("tcp ").append(hosts[1].tcpBytesReceived() / 1024).append(" KiB");
        return sb.toString();
    }

    private int report(PrintStream out, SwitchAgent agent, SimulatedHost[] hosts, int tcpBytes) throws Exception {
        SwitchCommand.SnapshotFdb snap = SwitchCommand.snapshotFdb();
        if (!agent.offer(snap)) {
            throw new IllegalStateException("the switch did not take the forwarding-table snapshot request");
        }
        List<FdbEntry> fdb = snap.result().get(5, TimeUnit.SECONDS);
        out.println();
        out.println("  forwarding table (learned from the hosts' own frames):");
        for (FdbEntry e : fdb) {
            out.printf(Locale.ROOT, "    %s  vlan %-4d -> port %-4s age %.1fs%n", e.macString(), e.vlan(), agent.port(e.port()).name(),
                    e.ageNs() / 1e9);
        }
        out.println("  per port:");
        for (int p = 0; p < agent.portCount(); p++) {
            PortCounters c = agent.counters(p);
            StringBuilder drops = new StringBuilder();
            for (DropCause cause : DropCause.VALUES) {
                if (c.drops(cause) > 0) {
                    drops.append(' ').append(cause.label()).append('=').append(c.drops(cause));
                }
            }
            out.printf(Locale.ROOT, "    %s  rx %d frames %d B, tx %d frames %d B, drops%s%n", agent.port(p).name(), c.rxFrames(),
                    c.rxBytes(), c.txFrames(), c.txBytes(), drops.isEmpty() ? " 0" : drops);
        }
        boolean pingsOk = Arrays.stream(hosts).allMatch(h -> h.pingReplies() == h.pingsSent() && h.pingsSent() > 0);
        boolean tcpOk = hosts[1].tcpReceiveComplete() && hosts[1].tcpBytesReceived() == tcpBytes;
        long h3tx = agent.counters(2).txFrames();
        out.printf(Locale.ROOT, "%n  pings answered: %s; TCP-like transfer host1 -> host2: %d of %d bytes %s%n",
                pingsOk ? "all" : "NOT all", hosts[1].tcpBytesReceived(), tcpBytes, tcpOk ? "intact" : "INCOMPLETE");
        out.printf(Locale.ROOT, "  port h3 sent %d frames in all, while h1 and h2 exchanged %d: learned unicast is not flooded.%n",
                h3tx, agent.counters(0).txFrames() + agent.counters(1).txFrames());
        if (!pingsOk || !tcpOk) {
            out.println("  demo FAILED: the switch did not deliver everything");
            return 1;
        }
        out.println("  demo OK");
        return 0;
    }
}

package io.pswitch.tools.demo;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.run.ServedSwitch;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchCommand;
import io.pswitch.dataplane.fdb.FdbEntry;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The demo with real hosts: three network namespaces, each joined by a veth pair to a {@code pcap}
 * port of the switch, pinging each other through it. Needs root; everything it creates is removed
 * at the end, also when it fails.
 */
final class NetnsDemo {
    private static final int HOSTS = 3;
    private final PrintStream out;
    private final Path dir;
    private final int seconds;
    private final String tag = "pswd" + Long.toString(ProcessHandle.current().pid() % 100000, 36);

    private final ApiSettings api;
    private final boolean stay;
    private final ShutdownSignal signal;

    NetnsDemo(PrintStream out, Path dir, int seconds, ApiSettings api, boolean stay, ShutdownSignal signal) {
        this.out = out;
        this.dir = dir;
        this.seconds = seconds;
        this.api = api;
        this.stay = stay;
        this.signal = signal;
    }

    private String ns(int h) {
        return tag + "n" + h;
    }

    private String swIf(int h) {
        return tag + "s" + h;
    }

    private static String ip(int h) {
        return "10.213.9." + h;
    }

    int run() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("demo --netns needs root (network namespaces and live capture); run 'sudo ./pswitch demo --netns' or drop --netns");
        }
        for (String tool : new String[] {"ip", "ping", "ethtool"}) {
            if (sh("command -v " + tool).exit != 0) {
                throw new IllegalStateException("demo --netns needs '" + tool + "' (apt-get install iproute2 iputils-ping ethtool)");
            }
        }
        try {
            setUp();
            List<PortSpec> specs = new ArrayList<>();
            for (int h = 1; h <= HOSTS; h++) {
                specs.add(PortSpec.parse("h" + h + "=pcap:" + swIf(h)));
            }
            Function<ApiSettings, RunSettings> settings = a -> new RunSettings(dir, 1, 8192, 2048, 512, 64,
                    RunSettings.IdleMode.BACKOFF, 1024, Duration.ofSeconds(300), Duration.ofSeconds(1), true, specs, null, a);
            out.println("pswitch demo --netns: namespaces " + ns(1) + ".." + ns(HOSTS) + " (" + ip(1) + ".." + ip(HOSTS)
                    + ") on pcap ports h1..h3");
            try (ServedSwitch served = DemoApi.start(settings, api, out)) {
                SwitchAssembly sw = served.assembly();
                DemoApi.printTryLines(out, served.api(), "h3");
                int result = pingAll(sw.agent());
                if (stay && !signal.requested()) {
                    out.println();
                    out.println("  --stay: the switch keeps running" + (served.api() == null ? "" : " with its API at " + served.api().url())
                            + "; try 'ip netns exec " + ns(1) + " ping " + ip(2) + "'. Ctrl-C (or SIGTERM) stops it.");
                    out.flush();
                    while (!signal.await(100)) {
                        if (sw.agentError() != null) {
                            throw new IllegalStateException("dataplane stopped: " + sw.agentError(), sw.agentError());
                        }
                    }
                    out.println("pswitch demo: stopping");
                }
                return result;
            }
        } finally {
            tearDown();
        }
    }

    private void setUp() throws IOException, InterruptedException {
        for (int h = 1; h <= HOSTS; h++) {
            String n = ns(h);
            must("ip netns add " + n);
            must("ip link add " + swIf(h) + " type veth peer name eth0 netns " + n);
            must("sysctl -qw net.ipv6.conf." + swIf(h) + ".disable_ipv6=1");
            must("ip link set " + swIf(h) + " up");
            // Offloads off: the switch must see wire-sized frames, not 64 KiB GSO super-frames.
            must("ethtool -K " + swIf(h) + " tso off gso off gro off tx off");
            must("ip netns exec " + n + " sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && ethtool -K eth0 tso off gso off gro off tx off"
                    + " && ip addr add " + ip(h) + "/24 dev eth0 && ip link set eth0 up && ip link set lo up'");
        }
    }

    private void tearDown() {
        for (int h = 1; h <= HOSTS; h++) {
            try {
                sh("ip link del " + swIf(h));
                sh("ip netns del " + ns(h));
            } catch (IOException | InterruptedException e) {
                out.println("  could not remove " + ns(h) + ": " + e.getMessage());
            }
        }
    }

    private int pingAll(SwitchAgent agent) throws Exception {
        int failures = 0;
        int count = Math.max(2, seconds / 3);
        for (int a = 1; a <= HOSTS; a++) {
            for (int b = 1; b <= HOSTS; b++) {
                if (a == b) {
                    continue;
                }
                Result r = sh("ip netns exec " + ns(a) + " ping -c " + count + " -i 0.2 -W 2 " + ip(b));
                String summary = r.output.lines().filter(l -> l.contains("packets transmitted")).findFirst().orElse(r.output.trim());
                out.printf("  %s -> %s: %s%n", ns(a), ip(b), summary);
                if (r.exit != 0) {
                    failures++;
                }
            }
        }
        SwitchCommand.SnapshotFdb snap = SwitchCommand.snapshotFdb();
        agent.offer(snap);
        List<FdbEntry> fdb = snap.result().get(5, TimeUnit.SECONDS);
        out.println("  forwarding table:");
        for (FdbEntry e : fdb) {
            out.printf(Locale.ROOT, "    %s vlan %d -> %s%n", e.macString(), e.vlan(), agent.port(e.port()).name());
        }
        for (int p = 0; p < agent.portCount(); p++) {
            PortCounters c = agent.counters(p);
            out.printf("  port %s: rx %d tx %d drops %d%n", agent.port(p).name(), c.rxFrames(), c.txFrames(), c.totalDrops());
        }
        out.println(failures == 0 ? "  demo OK" : "  demo FAILED: " + failures + " ping runs lost replies");
        return failures == 0 ? 0 : 1;
    }

    private record Result(int exit, String output) {
    }

    private static Result sh(String cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static void must(String cmd) throws IOException, InterruptedException {
        Result r = sh(cmd);
        if (r.exit != 0) {
            throw new IllegalStateException("'" + cmd + "' failed: " + r.output.trim());
        }
    }
}

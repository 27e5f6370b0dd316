package io.pswitch.tools.reliability;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.run.RunCommand;
import io.pswitch.control.run.ServedSwitch;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortCounters;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;

/**
 * A real switch in this JVM, assembled by {@code pswitch run}'s own option parsing, with named
 * {@code shm} ports (unique shm names per switch) and its API on an ephemeral loopback port. Being
 * in-process lets the tests read its counters directly and sample its heap.
 */
final class SwitchUnderTest implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();
    final ServedSwitch served;
    final SwitchAssembly assembly;
    final String url;
    private final String tag;
    private final List<String> portNames;

    private SwitchUnderTest(ServedSwitch served, String tag, List<String> portNames) {
        this.served = served;
        this.assembly = served.assembly();
        this.url = served.api() == null ? null : served.api().url();
        this.tag = tag;
        this.portNames = portNames;
    }

    static String uniqueTag(String what) {
        return "rel-" + what + "-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet() + "-";
    }

    /** Starts a switch with one shm port per name ({@code slots} slots each) and the extra {@code run} options. */
    static SwitchUnderTest start(Path dataDir, String what, List<String> portNames, int slots, String... extra) {
        String tag = uniqueTag(what);
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "-q", "--api", "127.0.0.1:0"));
        for (String name : portNames) {
            args.addAll(List.of("--port", name + "=shm:" + tag + name + ",slots=" + slots));
        }
        args.addAll(Arrays.asList(extra));
        return new SwitchUnderTest(ServedSwitch.start(settings(args.toArray(new String[0]))), tag, List.copyOf(portNames));
    }

    static RunSettings settings(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    /** The shm name a peer attaches to for port {@code name}. */
    String shm(String name) {
        return tag + name;
    }

    SwitchAgent agent() {
        return assembly.agent();
    }

    PortCounters counters(String port) {
        return agent().counters(agent().portIndex(port));
    }

    long rx(String... ports) {
        long n = 0;
        for (String p : ports) {
            n += counters(p).rxFrames();
        }
        return n;
    }

    long tx(String... ports) {
        long n = 0;
        for (String p : ports) {
            n += counters(p).txFrames();
        }
        return n;
    }

    /** Drops summed over all ports, by cause label (causes never seen are left out). */
    Map<String, Long> dropsByCause() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (DropCause c : DropCause.VALUES) {
            long n = 0;
            for (String p : portNames) {
                n += counters(p).drops(c);
            }
            if (n != 0) {
                out.put(c.label(), n);
            }
        }
        return out;
    }

    long totalDrops() {
        long n = 0;
        for (String p : portNames) {
            n += counters(p).totalDrops();
        }
        return n;
    }

    /** Used heap after a full collection (this JVM holds the switch), in bytes. */
    static long heapAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Override
    public void close() {
        served.close();
    }
}

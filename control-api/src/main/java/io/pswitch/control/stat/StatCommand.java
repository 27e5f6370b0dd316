package io.pswitch.control.stat;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.dataplane.counters.CountersFileReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pswitch stat}: prints a running switch's counters from its counters file, as AeronStat
 * does for Aeron's CnC file: no HTTP, no API token, just the data directory. The same values
 * {@code /metrics} serves, read from the same file.
 */
@Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a running switch's counters live from its counters file (no API needed).",
                "Counters are grouped by port, log and filter; values summed over dataplane workers."},
        footer = {"", "Examples:", "  ./pswitch stat --data-dir /tmp/psw", "  ./pswitch stat --data-dir /tmp/psw --once"})
public final class StatCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The running switch's data directory. Default: ./pswitch-data")
    Path dataDir = RunSettings.DEFAULT_DATA_DIR;

    @Option(names = "--interval", paramLabel = "DURATION", description = "Time between two prints (1s, 500ms). Default: 1s")
    String interval = "1s";

    @Option(names = "--once", description = "Print the counters once and exit.")
    boolean once;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Duration every;
        try {
            every = TimeSpec.duration(interval);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--interval " + interval + ": " + e.getMessage());
        }
        if (every.isZero() || every.isNegative()) {
            throw new IllegalArgumentException("--interval " + interval + ": must be longer than zero");
        }
        Path file = SwitchAssembly.countersFile(dataDir);
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalStateException("no data directory " + dataDir + ": give the running switch's --data-dir");
        }
        CountersFileReader counters = CountersFileReader.open(file);
        if (!counters.writerAlive()) {
            throw new IllegalStateException("counters file " + file + " was left by pswitch pid " + counters.pid()
                    + ", which is no longer running");
        }
        boolean clear = !once && System.console() != null;
        while (true) {
            CounterSnapshot snapshot = CounterSnapshot.read(counters.reader());
            if (clear) {
                out.print("\033[H\033[2J");
            }
            out.printf("%s - pswitch pid %d, %s%n", LocalTime.now().format(TIME), counters.pid(), file);
            out.print(snapshot.format());
            out.flush();
            if (once) {
                return 0;
            }
            Thread.sleep(every);
            if (!counters.writerAlive() || !Files.exists(file)) {
                out.printf("pswitch stat: the switch (pid %d) stopped%n", counters.pid());
                out.flush();
                return 0;
            }
        }
    }
}

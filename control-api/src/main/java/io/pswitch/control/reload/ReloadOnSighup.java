package io.pswitch.control.reload;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP (also {@code systemctl reload pswitch}: the unit sends {@code kill -HUP $MAINPID}) reloads
 * the config file. The handler is {@code sun.misc.Signal} from {@code jdk.unsupported}, which every
 * class path application may use without flags (and which a jlink'd runtime has whenever it has
 * {@code jdk.unsupported}, as it must for {@code sun.misc.Unsafe} users). It replaces the JVM's
 * own SIGHUP handler, which would run the shutdown hooks: a reload request must not stop the switch.
 * Closing puts the previous handler back.
 */
public final class ReloadOnSighup implements AutoCloseable {
    /** Reloads are rare and an operator does not notice 50 ms: the reload thread sleeps when idle. */
    private static final long IDLE_SLEEP_MS = 50;
    private static final Signal HUP = new Signal("HUP");

    private final AgentRunner runner;
    private final SignalHandler previous;
    private boolean closed;

    private ReloadOnSighup(AgentRunner runner, SignalHandler previous) {
        this.runner = runner;
        this.previous = previous;
    }

    /**
     * Starts the reload thread and installs the SIGHUP handler. When the JVM cannot have one
     * ({@code -Xrs}, or SIGHUP ignored from the start, as under {@code nohup}), says so on
     * {@code err} and runs on without reloads.
     */
    public static ReloadOnSighup start(ConfigReload reload, PrintStream err) {
        ReloadAgent agent = new ReloadAgent(reload);
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(IDLE_SLEEP_MS),
                t -> err.println("pswitch: reload failed: " + t), null, agent);
        AgentRunner.startOnThread(runner);
        SignalHandler previous = null;
        try {
            previous = Signal.handle(HUP, sig -> agent.request());
            if (hupIgnored()) {
                // The JVM leaves an ignored SIGHUP ignored, silently: the handler never runs.
                err.println("pswitch: SIGHUP is ignored by this process (started under nohup?): config reload on SIGHUP is off");
            }
        } catch (IllegalArgumentException e) {
            err.println("pswitch: config reload on SIGHUP is off: " + e.getMessage());
        }
        err.flush();
        return new ReloadOnSighup(runner, previous);
    }

    /** Linux: bit 0 of SigIgn in /proc/self/status is SIGHUP (signal 1). False where it cannot be told. */
    private static boolean hupIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1L) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or no procfs: the handler is assumed to work.
        }
        return false;
    }

    /** Puts the previous handler back and stops the reload thread (after a reload in progress). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (previous != null) {
            Signal.handle(HUP, previous);
        }
        runner.close();
    }
}

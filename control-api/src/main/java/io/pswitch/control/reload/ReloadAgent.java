package io.pswitch.control.reload;

import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;

/**
 * Runs {@link ConfigReload} on a control thread of its own when asked. A signal handler must not
 * do the work (it runs on the JVM's signal thread, and a reload reads files and waits for the
 * dataplane), and the dataplane thread must never do it: the handler only calls {@link #request()}.
 * Requests that arrive during a reload are folded into one more reload, which reads the file as it
 * is by then.
 */
final class ReloadAgent implements Agent {
    private final ConfigReload reload;
    /** Written by any thread (the signal handler), read by the agent. */
    private final AtomicLong requested = new AtomicLong();
    /** The request count the last reload started from; agent thread only. */
    private long handled;

    ReloadAgent(ConfigReload reload) {
        this.reload = reload;
    }

    /** Asks for a reload; returns at once. Any thread. */
    void request() {
        requested.incrementAndGet();
    }

    @Override
    public int doWork() {
        long r = requested.get();
        if (r == handled) {
            return 0;
        }
        handled = r;
        reload.reload();
        return 1;
    }

    @Override
    public String roleName() {
        return "pswitch-reload";
    }
}

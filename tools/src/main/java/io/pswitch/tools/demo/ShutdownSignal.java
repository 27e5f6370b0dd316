package io.pswitch.tools.demo;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a flag the demo polls, so it stops on its own thread and in
 * order (hosts detached, API stopped, switch closed, shm files removed) before the JVM exits.
 * The shutdown hook only raises the flag and waits, up to 10 s, for {@link #close()}.
 */
final class ShutdownSignal implements AutoCloseable {
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private ShutdownSignal() {
        hook = new Thread(() -> {
            requested.countDown();
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pswitch-demo-shutdown");
    }

    static ShutdownSignal install() {
        ShutdownSignal s = new ShutdownSignal();
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    boolean requested() {
        return requested.getCount() == 0;
    }

    /** Waits up to {@code millis} for a stop request; true once one came. */
    boolean await(long millis) throws InterruptedException {
        return requested.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Called when everything is closed: releases the hook (the JVM may halt right after). */
    @Override
    public void close() {
        finished.countDown();
        if (!requested()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting: the hook runs and finds 'finished' counted down.
            }
        }
    }
}

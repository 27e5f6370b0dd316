package io.pswitch.drivers.shm;

import java.util.concurrent.atomic.AtomicInteger;

/** Unique shm names per test, so parallel builds on one host never meet in /dev/shm. */
final class ShmTestNames {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private ShmTestNames() {
    }

    static String unique(String what) {
        return "test-" + what + "-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet();
    }
}

package io.pswitch.control.warmup.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The network namespaces of this process's threads, as {@code /proc/self/task/*}/ns/net names them (test fixture). */
public final class ThreadNamespaces {
    private ThreadNamespaces() {
    }

    /** The namespace of every thread listed now. */
    public static Set<String> listed() throws IOException {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    out.add(Files.readSymbolicLink(t.resolve("ns/net")).toString());
                } catch (IOException e) {
                    // A thread that ended while listed.
                }
            }
        }
        return out;
    }

    /**
     * The namespaces once a thread that just ended is gone: {@code join} returns when the Java thread
     * has ended, a moment before its kernel task exits, so a few polls (up to 5 s) may still see it.
     */
    public static Set<String> settled() {
        try {
            Set<String> now = listed();
            for (int i = 0; i < 500 && now.size() > 1; i++) {
                Thread.sleep(10);
                now = listed();
            }
            return now;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

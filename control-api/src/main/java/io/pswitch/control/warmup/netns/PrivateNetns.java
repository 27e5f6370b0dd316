package io.pswitch.control.warmup.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a piece of work on a thread of its own inside a private network namespace that holds one
 * veth pair, both ends up, and nothing else. Nothing of it is seen from the switch's namespace: the
 * pair is created there directly, and it disappears with the namespace when the thread ends.
 *
 * <p><b>Why a thread, and only that thread.</b> {@code unshare(CLONE_NEWNET)} moves the calling task
 * alone, and a JVM thread is one task: the JVM's other threads stay where they are. Whatever the
 * thread creates afterwards belongs to its namespace: sockets (an AF_PACKET or AF_XDP socket is bound
 * in the namespace it was created in), interface names and indexes, BPF links, and every task it
 * starts. So the work must start no thread: a thread, or a child process through a thread pool that
 * it would start (the JDK's process reaper is one), would be born in the private namespace and keep it
 * alive. For the same reason the veth pair is created by the <i>calling</i> thread, with
 * {@code ip link add … netns <tid>} naming the private thread's id: the {@code ip} child and its JDK
 * reaper thread stay in the switch's namespace, and the kernel creates both ends in the target
 * namespace directly (never briefly in the caller's). The ends are then brought up on the private
 * thread with {@code SIOCSIFFLAGS} ({@code ip link add … up} cannot bring a veth peer up: it is
 * created before its other end exists).
 *
 * <p><b>Nothing left.</b> When the thread ends and the sockets it made are closed, nothing holds the
 * namespace any more: the kernel destroys it and deletes the virtual interfaces in it, XDP programs
 * included. The same happens when the process is killed at any point.
 */
public final class PrivateNetns {
    private static final List<String> IP_PATHS = List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip");
    /** A safety net for a hung {@code ip}, not the warm-up's bound (that is a frame count). */
    private static final long IP_TIMEOUT_SECONDS = 20;

    /** Why no private namespace could be made: one line, for the start-up report. */
    public static final class Unavailable extends Exception {
        public Unavailable(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The work done inside. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws Exception;
    }

    private PrivateNetns() {
    }

    /**
     * Runs {@code work} on a new thread in a new network namespace holding the veth pair {@code a}–{@code b}
     * (both up), and returns its result once that thread has ended.
     *
     * @throws Unavailable when the namespace or the pair cannot be made (no CAP_SYS_ADMIN, no {@code ip}),
     *                     or the work failed (its message)
     */
    public static <T> T withVethPair(String threadName, String a, String b, Work<T> work) throws Unavailable {
        Inside<T> inside = new Inside<>(a, b, work);
        Thread thread = new Thread(inside, threadName);
        thread.setDaemon(true);
        thread.start();
        awaitUninterruptibly(inside.unshared);
        if (inside.failure != null) {
            joinUninterruptibly(thread);
            throw new Unavailable(inside.failure);
        }
        String refused = "the veth pair was not created";
        try {
            refused = createPair(a, b, inside.tid);
        } finally {
            // Whatever happened here, the private thread is let go and ends: a thread left waiting
            // would keep the namespace (and any pair in it) alive for the life of the switch.
            inside.pairRefused = refused;
            inside.go.countDown();
            joinUninterruptibly(thread);
        }
        if (refused != null) {
            throw new Unavailable(refused);
        }
        if (inside.failure != null) {
            throw new Unavailable(inside.failure);
        }
        return inside.result;
    }

    /** {@code ip link add a netns TID type veth peer name b netns TID}, from the calling thread. */
    private static String createPair(String a, String b, int tid) {
        String ip = IP_PATHS.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
        if (ip == null) {
            return "no 'ip' command (iproute2) in " + String.join(", ", IP_PATHS) + " to create a veth pair";
        }
        String t = Integer.toString(tid);
        List<String> cmd = List.of(ip, "link", "add", a, "netns", t, "type", "veth", "peer", "name", b, "netns", t);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(IP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", cmd) + ": no answer in " + IP_TIMEOUT_SECONDS + " s";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().replace('\n', ' ');
            return p.exitValue() == 0 ? null : String.join(" ", cmd) + ": " + (out.isEmpty() ? "exit " + p.exitValue() : out);
        } catch (IOException | RuntimeException e) {
            return String.join(" ", cmd) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return String.join(" ", cmd) + ": interrupted";
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The private thread's side; the latches order every field hand-over between the two threads. */
    private static final class Inside<T> implements Runnable {
        private final String a;
        private final String b;
        private final Work<T> work;
        final CountDownLatch unshared = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        volatile int tid;
        volatile String failure;
        volatile String pairRefused;
        volatile T result;

        Inside(String a, String b, Work<T> work) {
            this.a = a;
            this.b = b;
            this.work = work;
        }

        @Override
        public void run() {
            String refused = NetnsCalls.unshareNetwork();
            if (refused != null) {
                failure = refused;
                unshared.countDown();
                return;
            }
            tid = NetnsCalls.gettid();
            unshared.countDown();
            awaitUninterruptibly(go);
            if (pairRefused != null) {
                return;
            }
            String down = NetnsCalls.up(a);
            if (down == null) {
                down = NetnsCalls.up(b);
            }
            if (down != null) {
                failure = "cannot bring the veth pair up: " + down;
                return;
            }
            try {
                result = work.run();
            } catch (Exception | LinkageError e) {
                failure = String.valueOf(e.getMessage());
            }
        }
    }
}

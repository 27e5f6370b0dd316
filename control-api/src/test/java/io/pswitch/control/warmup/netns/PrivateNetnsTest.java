package io.pswitch.control.warmup.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The private namespace of the driver warm-up: the work runs on a thread in another network
 * namespace that holds the veth pair (and nothing of the switch's namespace), while every other thread
 * stays where it was; a failure, of the pair or of the work, is a one-line reason; and in every case
 * the thread ends, so no thread of the process is left in another namespace. Needs root.
 */
class PrivateNetnsTest {
    private final String tag = "pwu" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
    private String home;

    @BeforeEach
    void needsRoot() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (CAP_SYS_ADMIN for unshare, CAP_NET_ADMIN for veth); skipped");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "needs ip (iproute2); skipped");
        home = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    }

    @Test
    void theWorkRunsInAnotherNamespaceWithThePairAndOnlyItsThreadMoves() throws Exception {
        String[] seen = PrivateNetns.withVethPair("pwu-test", tag + "a", tag + "b", () -> new String[] {
            Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString(),
            String.join(",", ThreadNamespaces.listed()),
            String.join(",", interfaces())});
        assertThat(seen[0]).as("the work's namespace").isNotEqualTo(home);
        // While it ran, every thread but the work's was in the switch's namespace.
        assertThat(seen[1].split(",")).containsExactlyInAnyOrder(home, seen[0]);
        // The private namespace has its loopback and the pair, and none of the switch's interfaces.
        assertThat(seen[2].split(",")).containsExactlyInAnyOrder("lo", tag + "a", tag + "b");
        assertThat(ThreadNamespaces.settled()).containsOnly(home);
        assertThat(interfaces()).doesNotContain(tag + "a", tag + "b");
    }

    @Test
    void aWorkFailureIsItsMessageAndTheThreadEnds() {
        assertThatThrownBy(() -> PrivateNetns.withVethPair("pwu-test", tag + "a", tag + "b", () -> {
            throw new IllegalStateException("afxdp:" + tag + "a (mode auto, queue 0): refused");
        })).isInstanceOf(PrivateNetns.Unavailable.class).hasMessage("afxdp:" + tag + "a (mode auto, queue 0): refused");
        assertThat(ThreadNamespaces.settled()).containsOnly(home);
    }

    @Test
    void aPairTheKernelRefusesIsOneLineAndTheWorkNeverRuns() {
        boolean[] ran = {false};
        // Longer than the 15 characters an interface name may have.
        String tooLong = tag + "-name-too-long-x";
        assertThatThrownBy(() -> PrivateNetns.withVethPair("pwu-test", tooLong, tag + "b", () -> ran[0] = true))
                .isInstanceOf(PrivateNetns.Unavailable.class).hasMessageContaining("link add " + tooLong)
                .hasMessageNotContaining("\n");
        assertThat(ran[0]).isFalse();
        assertThat(ThreadNamespaces.settled()).containsOnly(home);
    }

    /**
     * The interfaces of the calling thread's namespace: {@code /proc/thread-self/net/dev} is the
     * calling thread's view ({@code /sys/class/net} is the namespace sysfs was mounted in).
     */
    private static Set<String> interfaces() throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/net/dev"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.add(line.substring(0, colon).trim());
            }
        }
        return out;
    }
}

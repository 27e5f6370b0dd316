package io.pswitch.control.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shell helpers for tests that build hosts out of network namespaces and veth pairs (root only). */
final class Netns {
    private Netns() {
    }

    static boolean usable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        try {
            return run(10, "ip", "netns", "list").exitCode == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    record Result(int exitCode, String output) {
    }

    static Result run(int timeoutSec, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new Result(-1, "timed out: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Runs a command and fails the test, with its output, when it fails. */
    static String must(String... cmd) throws IOException, InterruptedException {
        Result r = run(60, cmd);
        if (r.exitCode != 0) {
            throw new AssertionError("command failed (" + r.exitCode + "): " + String.join(" ", cmd) + "\n" + r.output);
        }
        return r.output;
    }

    static String[] in(String ns, String... cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(Arrays.asList(cmd));
        return all.toArray(String[]::new);
    }

    static void quiet(String... cmd) {
        try {
            run(10, cmd);
        } catch (IOException | InterruptedException ignored) {
            // Clean-up of something that may not exist.
        }
    }
}

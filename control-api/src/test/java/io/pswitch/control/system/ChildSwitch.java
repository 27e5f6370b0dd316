package io.pswitch.control.system;

import io.pswitch.control.run.RunCommand;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code pswitch run} in a child JVM (same classpath and JVM flags as the tests), with its
 * output in a file: system tests stop it with SIGTERM or kill it with SIGKILL like an operator would.
 * Shared with other modules' tests through control-api's test-jar.
 */
public final class ChildSwitch implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildSwitch(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ChildSwitch start(Path log, String... args) throws IOException {
        return start(log, java.util.Map.of(), args);
    }

    /** As {@link #start(Path, String...)}, with extra environment variables (e.g. the AWS SDK's credentials). */
    public static ChildSwitch start(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        return start(log, List.of(), env, args);
    }

    /**
     * As {@link #start(Path, java.util.Map, String...)}, run through {@code launcher} (e.g. setpriv
     * dropping a capability: the switch as a user without it).
     */
    public static ChildSwitch start(Path log, List<String> launcher, java.util.Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String flags = System.getProperty("pswitch.jvm.flags", "");
        if (!flags.isBlank()) {
            cmd.addAll(Arrays.asList(flags.trim().split("\\s+")));
        }
        // Several children and the test JVM share a small machine: a switch needs little heap (its pool is mapped).
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(RunCommand.class.getName());
        cmd.addAll(Arrays.asList(args));
        if (!cmd.contains("--warmup")) {
            // The start-up warm-up has its own test (WarmupLeavesNoTraceTest); the many child
            // switches of the system tests skip it, so that a CI run on two cores does not pay
            // half a second of synthetic frames per start.
            cmd.addAll(List.of("--warmup", "none"));
        }
        if (!cmd.contains("--api")) {
            // An ephemeral port: child switches never collide with each other or a switch on 8080.
            cmd.addAll(List.of("--api", "127.0.0.1:0"));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        return new ChildSwitch(p, log);
    }

    /** Waits until the output has a whole line containing {@code text}; fails with the output if the child dies or time runs out. */
    public void awaitOutput(String text, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            // Whole lines only: the child writes a line in more than one piece, and a caller
            // parses what follows the text (an address, a count).
            String out = output();
            int at = out.indexOf(text);
            if (at >= 0 && out.indexOf('\n', at) >= 0) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("switch exited with " + process.exitValue() + " before printing '" + text + "':\n" + output());
            }
            Thread.sleep(50);
        }
        String threads = process.isAlive() ? threadDump() : "";
        throw new AssertionError("switch did not print '" + text + "' within " + timeoutMs + " ms (pid " + process.pid()
                + (process.isAlive() ? ", still running" : "") + ", output in " + log + "):\n" + output() + threads);
    }

    /**
     * The silent child's threads ({@code jcmd Thread.print}), also appended to its log: a child that
     * says nothing is either starved or stuck, and only its stacks tell which.
     */
    private String threadDump() {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            String dump = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            String text = "\n--- threads of pid " + process.pid() + " (jcmd Thread.print) ---\n" + dump;
            Files.writeString(log, text, java.nio.file.StandardOpenOption.APPEND);
            return text;
        } catch (IOException e) {
            return "\n(no thread dump: " + jcmd + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "\n(no thread dump: interrupted)";
        }
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public Process process() {
        return process;
    }

    /** The first match of {@code regex} in the output, or an assertion error showing the output. */
    public Matcher find(String regex) throws IOException {
        String out = output();
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new AssertionError("no line matching /" + regex + "/ in the switch's output:\n" + out);
        }
        return m;
    }

    /**
     * The frames the switch received on {@code port} and did not forward, all causes summed, from
     * its {@code /metrics}: a destination ring that is full (a slow receiver) drops like a NIC, and
     * a test that counts what arrived must count these too.
     */
    public long drops(String port) throws IOException, InterruptedException {
        String base = find("API at (http://\\S+)").group(1);
        HttpResponse<String> r;
        try (HttpClient client = HttpClient.newHttpClient()) {
            r = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        }
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ":\n" + r.body());
        }
        Matcher m = Pattern.compile("(?m)^pswitch_port_drops_total\\{port=\"" + Pattern.quote(port) + "\",cause=\"[a-z_]+\",?} (\\S+)$")
                .matcher(r.body());
        long sum = 0;
        while (m.find()) {
            sum += (long) Double.parseDouble(m.group(1));
        }
        return sum;
    }

    /** SIGTERM and wait: the clean way; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("switch did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL: a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}

package io.pswitch.tools.reliability;

import io.pswitch.control.run.RunCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code pswitch run} in a child JVM (same classpath and JVM flags as the tests), its output
 * in a file, stopped with SIGTERM like an operator would (control-api's system tests have the same
 * helper; test classes are not shared between modules).
 */
final class ChildSwitch implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildSwitch(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ChildSwitch start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String flags = System.getProperty("pswitch.jvm.flags", "");
        if (!flags.isBlank()) {
            cmd.addAll(Arrays.asList(flags.trim().split("\\s+")));
        }
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(RunCommand.class.getName());
        cmd.addAll(Arrays.asList(args));
        if (!cmd.contains("--api")) {
            cmd.addAll(List.of("--api", "127.0.0.1:0"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ChildSwitch(p, log);
    }

    void awaitOutput(String text, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (output().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("switch exited with " + process.exitValue() + " before printing '" + text + "':\n" + output());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("switch did not print '" + text + "' within " + timeoutMs + " ms:\n" + output());
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The first match of {@code regex} in the output, or an assertion error showing the output. */
    Matcher find(String regex) throws IOException {
        String out = output();
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new AssertionError("no line matching /" + regex + "/ in the switch's output:\n" + out);
        }
        return m;
    }

    /** SIGTERM and wait: the clean way; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("switch did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}

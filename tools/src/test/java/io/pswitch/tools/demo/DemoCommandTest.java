package io.pswitch.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pswitch.control.cli.OneLineErrors;
import io.pswitch.control.ctl.CtlCommand;
import io.pswitch.tools.cli.Pswitch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./pswitch demo} in its own JVM, as a person runs it: it prints where its API is and lines
 * to paste, keeps running with {@code --stay}, answers those lines, and stops cleanly on SIGTERM.
 */
class DemoCommandTest {
    private static final Pattern API_LINE = Pattern.compile("API at (http://127\\.0\\.0\\.1:(\\d+)) ");
    @TempDir
    Path tmp;

    private Process demo(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String flags = System.getProperty("pswitch.jvm.flags", "");
        if (!flags.isBlank()) {
            cmd.addAll(Arrays.asList(flags.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Pswitch.class.getName(), "demo"));
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String awaitOutput(Process p, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log);
            if (out.contains(text)) {
                return out;
            }
            if (!p.isAlive()) {
                throw new AssertionError("demo exited with " + p.exitValue() + " before printing '" + text + "':\n" + out);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("demo did not print '" + text + "' within 60 s:\n" + Files.readString(log));
    }

    private static String ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Pswitch.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new OneLineErrors());
        List<String> all = new ArrayList<>(List.of("ctl"));
        all.addAll(Arrays.asList(args));
        int exit = cl.execute(all.toArray(String[]::new));
        assertThat(exit).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void printsItsApiAndPasteLinesFallsBackToAFreePortAndStaysUntilSigterm() throws Exception {
        Path log = tmp.resolve("demo.log");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int busy = taken.getLocalPort();
            Process p = demo(log, "--seconds", "2", "--stay", "--data-dir", tmp.resolve("data").toString(),
                    "--api", "127.0.0.1:" + busy);
            try {
                String out = awaitOutput(p, log, "--stay: the switch keeps running");
                assertThat(out).contains("127.0.0.1:" + busy + " is in use: the API takes a free port instead").contains("demo OK");
                Matcher m = API_LINE.matcher(out);
                assertThat(m.find()).as(out).isTrue();
                String url = m.group(1);
                assertThat(Integer.parseInt(m.group(2))).isNotEqualTo(busy);
                assertThat(out).contains("curl -s " + url + "/api/v1/ports", "curl -s " + url + "/metrics",
                        "./pswitch ctl --api " + url + " ports", "./pswitch ctl --api " + url + " port h3 down");

                // The printed lines work: the API answers with the demo's ports, ctl drives it.
                HttpResponse<String> ports = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(url + "/api/v1/ports")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ports.statusCode()).isEqualTo(200);
                JsonNode list = new ObjectMapper().readTree(ports.body()).get("ports");
                assertThat(list).extracting(n -> n.get("name").asText()).containsExactly("h1", "h2", "h3");
                assertThat(list.get(0).at("/counters/rxFrames").asLong()).isPositive();
                assertThat(ctl("--api", url, "port", "h3", "down")).contains("down (admin down, driver up)");
                assertThat(ctl("--api", url, "fdb")).contains("02:00:00:00:00:03").contains("3 station(s)");

                p.destroy(); // SIGTERM
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("stopped within 20 s of SIGTERM").isTrue();
                String end = Files.readString(log);
                assertThat(end).contains("pswitch demo: stopping", "pswitch demo: stopped");
                try (var shm = Files.list(Path.of("/dev/shm"))) {
                    assertThat(shm.map(f -> f.getFileName().toString()))
                            .as("the demo's shm port files are removed").noneMatch(f -> f.startsWith("pswitch-demo" + p.pid() + "-"));
                }
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void withoutStayItEndsByItselfAndCtlIsASubcommand() throws Exception {
        String help = ctl("--help");
        assertThat(help).contains("ports", "port", "fdb");
        Path log = tmp.resolve("demo.log");
        Process p = demo(log, "--seconds", "2", "--api", "127.0.0.1:0", "--data-dir", tmp.resolve("data").toString());
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the demo ends by itself").isTrue();
            String out = Files.readString(log);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).containsPattern("API at http://127\\.0\\.0\\.1:\\d+ ").contains("demo OK").doesNotContain("--stay:");
        } finally {
            p.destroyForcibly();
        }
    }
}

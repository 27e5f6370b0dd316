package io.pswitch.control.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pswitch.dataplane.logging.LogCounters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test helpers for the filter and log routes: JSON, downloads of exports, waiting for the log, tshark. */
final class LogApi {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_TYPE = "application/json";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private LogApi() {
    }

    static JsonNode json(RunningSwitch.Reply r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    static RunningSwitch.Reply post(RunningSwitch sw, String path, String body) {
        return sw.send("POST", path, JSON_TYPE, body);
    }

    static RunningSwitch.Reply put(RunningSwitch sw, String path, String body) {
        return sw.send("PUT", path, JSON_TYPE, body);
    }

    /** {@code chunked}: no Content-Length, the body came as written. */
    record Download(int status, String contentType, Path file, boolean chunked) {
        byte[] bytes() {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** GETs {@code pathAndQuery} into {@code file} (a capture, or the JSON of a refusal). */
    static Download download(RunningSwitch sw, String pathAndQuery, Path file) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(sw.url + pathAndQuery)).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<Path> r = HTTP.send(req, HttpResponse.BodyHandlers.ofFile(file));
            return new Download(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), file,
                    r.headers().firstValue("Content-Length").isEmpty());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the switch has logged {@code frames} frames in all and committed every record. */
    static void awaitLogged(RunningSwitch sw, long frames) {
        RunningSwitch.await(() -> {
            LogCounters c = sw.assembly.logging().counters();
            return c.frames() == frames && c.committedSeq() == c.publishedSeq();
        }, frames + " logged and committed frames (now " + sw.assembly.logging().counters().frames() + ")");
    }

    /** Waits until port {@code p} has received {@code frames} frames (the dataplane has seen them all). */
    static void awaitReceived(RunningSwitch sw, int p, long frames) {
        RunningSwitch.await(() -> sw.assembly.agent().counters(p).rxFrames() == frames, frames + " frames received on port " + p);
    }

    record Run(int exit, List<String> out, List<String> err) {
        /** stderr without tshark's warning about running as root, which is not about the file. */
        List<String> warnings() {
            return err.stream().filter(l -> !l.contains("Running as user")).toList();
        }
    }

    /** The tshark binary, or null when it is not installed. */
    static Path tshark() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, "tshark");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static Run run(String... cmd) {
        try {
            Path out = Files.createTempFile("pswitch-tool", ".out");
            Path err = Files.createTempFile("pswitch-tool", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", cmd) + " did not finish in 30 s");
                }
                return new Run(p.exitValue(), new ArrayList<>(Files.readAllLines(out)), Files.readAllLines(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}

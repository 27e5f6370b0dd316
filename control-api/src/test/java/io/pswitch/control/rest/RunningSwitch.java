package io.pswitch.control.rest;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.run.RunCommand;
import io.pswitch.control.run.ServedSwitch;
import io.pswitch.dataplane.port.PortState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * A real switch for API tests: built by {@code run}'s own option parsing, with three real
 * {@code shm} ports (a, b, c) whose peers this test process attaches as {@link ShmWire}s, and the
 * API on an ephemeral loopback port.
 */
public final class RunningSwitch implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();
    public final ServedSwitch served;
    public final SwitchAssembly assembly;
    public final String url;
    public final ShmWire a;
    public final ShmWire b;
    public final ShmWire c;
    private final HttpClient http = HttpClient.newHttpClient();

    private RunningSwitch(ServedSwitch served, String tag) {
        this.served = served;
        this.assembly = served.assembly();
        this.url = served.api() == null ? null : served.api().url();
        ShmWire[] wires = new ShmWire[3];
        try {
            for (int i = 0; i < wires.length; i++) {
                wires[i] = ShmWire.attach(tag + (char) ('a' + i));
            }
        } catch (RuntimeException e) {
            for (ShmWire w : wires) {
                if (w != null) {
                    w.close();
                }
            }
            served.close();
            throw e;
        }
        this.a = wires[0];
        this.b = wires[1];
        this.c = wires[2];
        // A port is up for the dataplane once its owner has seen the peer attach and published
        // that; with several workers, a frame flooded before then skips a port that another
        // worker still shows down (as a link not up yet), so tests send only after all are up.
        try {
            await(() -> {
                for (int p = 0; p < wires.length; p++) {
                    if (assembly.agent().counters(p).state() != PortState.UP) {
                        return false;
                    }
                }
                return true;
            }, "every port up");
        } catch (AssertionError e) {
            close();
            throw e;
        }
    }

    /** Unique shm names per switch, so parallel test JVMs on one host never meet in /dev/shm. */
    private static String uniqueTag() {
        return "api-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet() + "-";
    }

    public static RunningSwitch start(Path dataDir, String... extra) {
        String tag = uniqueTag();
        List<String> args = new ArrayList<>(List.of(
                "--data-dir", dataDir.toString(), "--buffers", "2048", "--ring-size", "64", "--batch", "32", "-q",
                "--port", "a=shm:" + tag + "a,slots=64", "--port", "b=shm:" + tag + "b,slots=64", "--port", "c=shm:" + tag + "c,slots=64"));
        if (Arrays.stream(extra).noneMatch("--api"::equals)) {
            args.addAll(List.of("--api", "127.0.0.1:0"));
        }
        args.addAll(Arrays.asList(extra));
        return new RunningSwitch(ServedSwitch.start(settings(args.toArray(new String[0]))), tag);
    }

    public static RunSettings settings(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    public record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    }

    public Reply get(String path) {
        return send("GET", path, null, null);
    }

    public Reply send(String method, String path, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("received no bytes")) {
                    throw e;
                }
                // The pooled keep-alive connection was closed by the server as the request left
                // (the JDK client does not retry that case): the request never reached it, so once more.
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            }
            return new Reply(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits up to 5 s for the dataplane to reach a state (counters are published per batch). */
    public static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        a.close();
        b.close();
        c.close();
        served.close();
    }
}

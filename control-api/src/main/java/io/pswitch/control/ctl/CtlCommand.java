package io.pswitch.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ./pswitch ctl ...}: a thin client of a running switch's REST API, so operators need no
 * curl. Tables by default, the API's JSON with {@code --json}.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Talk to a running switch over its REST API.",
        subcommands = {CtlCommand.Ports.class, CtlCommand.PortCmd.class, CtlCommand.Fdb.class, CtlFilters.class, CtlLog.class,
                CommandLine.HelpCommand.class})
public final class CtlCommand implements Callable<Integer> {
    public static final String DEFAULT_API = "http://127.0.0.1:8080";
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--api", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT,
            description = "The switch's API. Default: " + DEFAULT_API)
    String api = DEFAULT_API;

    @Option(names = "--token-file", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "File with the bearer token (when the switch was started with --api-token-file).")
    Path tokenFile;

    @Option(names = "--json", scope = CommandLine.ScopeType.INHERIT, description = "Print the API's JSON instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    ApiClient client() {
        String token = null;
        if (tokenFile != null) {
            try {
                token = Files.readString(tokenFile, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
            } catch (NoSuchFileException e) {
                throw new CtlException("token file " + tokenFile + " does not exist");
            } catch (IOException e) {
                throw new CtlException("cannot read token file " + tokenFile + ": " + e.getClass().getSimpleName());
            }
        }
        return new ApiClient(api, token);
    }

    /** Prints the JSON when --json was given; returns whether it did. */
    boolean printedJson(PrintWriter out, JsonNode node) {
        if (!json) {
            return false;
        }
        try {
            out.println(PRETTY.writeValueAsString(node));
        } catch (IOException e) {
            throw new CtlException("cannot print JSON: " + e.getMessage());
        }
        out.flush();
        return true;
    }

    static long dropTotal(JsonNode port) {
        long sum = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = port.path("counters").path("drops").properties().iterator(); it.hasNext(); ) {
            sum += it.next().getValue().asLong();
        }
        return sum;
    }

    @Command(name = "ports", mixinStandardHelpOptions = true, description = "List the ports with their state and counters.")
    static final class Ports implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode body = ctl.client().get("/api/v1/ports");
            PrintWriter out = spec.commandLine().getOut();
            if (ctl.printedJson(out, body)) {
                return 0;
            }
            TextTable t = new TextTable("PORT", "DRIVER", "STATE", "RX FRAMES", "RX BYTES", "TX FRAMES", "TX BYTES", "DROPS", "SPEC")
                    .numeric(3, 4, 5, 6, 7);
            for (JsonNode p : body.path("ports")) {
                JsonNode c = p.path("counters");
                t.add(p.path("name").asText(), p.path("driver").asText(), p.path("state").asText(),
                        c.path("rxFrames").asLong(), c.path("rxBytes").asLong(), c.path("txFrames").asLong(), c.path("txBytes").asLong(),
                        dropTotal(p), p.path("spec").asText());
            }
            t.print(out);
            JsonNode workers = body.path("workers");
            if (workers.size() > 1) {
                // Several dataplane workers: each one's load over its last second and the ports it owns.
                for (JsonNode w : workers) {
                    java.util.List<String> owned = new java.util.ArrayList<>();
                    w.path("ports").forEach(n -> owned.add(n.asText()));
                    out.printf(Locale.ROOT, "worker %d: busy %.0f%%, %d frames/s, ports %s%n", w.path("worker").asInt(),
                            w.path("busy").asDouble() * 100, w.path("framesPerSecond").asLong(), String.join(", ", owned));
                }
            }
            return 0;
        }
    }

    @Command(name = "port", mixinStandardHelpOptions = true, description = "Show one port, or set it up or down.")
    static final class PortCmd implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME", description = "The port.")
        String name;
        @Parameters(index = "1", arity = "0..1", paramLabel = "up|down", description = "Set the port's admin state.")
        String action;

        @Override
        public Integer call() {
            String path = "/api/v1/ports/" + ApiClient.encode(name);
            JsonNode p;
            if (action == null) {
                p = ctl.client().get(path);
            } else {
                String a = action.toLowerCase(Locale.ROOT);
                if (!a.equals("up") && !a.equals("down")) {
                    throw new CtlException("'" + action + "' is not up or down");
                }
                p = ctl.client().send("POST", path + "/" + a);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (ctl.printedJson(out, p)) {
                return 0;
            }
            JsonNode c = p.path("counters");
            TextTable t = new TextTable("FIELD", "VALUE");
            t.add("port", p.path("name").asText());
            t.add("spec", p.path("spec").asText());
            t.add("state", p.path("state").asText() + " (admin " + (p.path("adminUp").asBoolean() ? "up" : "down")
                    + ", driver " + p.path("driverState").asText() + ")");
            t.add("rx", c.path("rxFrames").asLong() + " frames, " + c.path("rxBytes").asLong() + " bytes");
            t.add("tx", c.path("txFrames").asLong() + " frames, " + c.path("txBytes").asLong() + " bytes");
            for (Iterator<Map.Entry<String, JsonNode>> it = c.path("drops").properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> d = it.next();
                t.add("drops " + d.getKey(), d.getValue().asLong());
            }
            t.add("driver rx drops", c.path("driverRxDrops").asLong());
            t.add("tx discarded", c.path("txDiscarded").asLong());
            t.print(out);
            return 0;
        }
    }

    @Command(name = "fdb", mixinStandardHelpOptions = true, description = "List the learned stations.",
            subcommands = {Fdb.Flush.class})
    static final class Fdb implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode body = ctl.client().get("/api/v1/fdb");
            PrintWriter out = spec.commandLine().getOut();
            if (ctl.printedJson(out, body)) {
                return 0;
            }
            TextTable t = new TextTable("MAC", "VLAN", "PORT", "AGE").numeric(1, 3);
            for (JsonNode e : body.path("entries")) {
                t.add(e.path("mac").asText(), e.path("vlan").asInt(), e.path("port").asText(),
                        String.format(Locale.ROOT, "%.1fs", e.path("ageSeconds").asDouble()));
            }
            t.print(out);
            out.println(body.path("size").asLong() + " station(s), capacity " + body.path("capacity").asLong());
            out.flush();
            return 0;
        }

        @Command(name = "flush", mixinStandardHelpOptions = true, description = "Forget learned stations (all, or one port's).")
        static final class Flush implements Callable<Integer> {
            @ParentCommand
            Fdb fdb;
            @Spec
            CommandSpec spec;
            @Option(names = "--port", paramLabel = "NAME", description = "Only the stations learned on this port.")
            String port;

            @Override
            public Integer call() {
                String path = "/api/v1/fdb" + (port == null ? "" : "?port=" + ApiClient.encode(port));
                JsonNode body = fdb.ctl.client().send("DELETE", path);
                PrintWriter out = spec.commandLine().getOut();
                if (!fdb.ctl.printedJson(out, body)) {
                    out.println("removed " + body.path("removed").asLong() + " station(s)" + (port == null ? "" : " learned on " + port));
                    out.flush();
                }
                return 0;
            }
        }
    }

    /** Runs ctl alone (the lead registers it under {@code ./pswitch}). */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new CtlCommand());
        cl.setExecutionExceptionHandler(new io.pswitch.control.cli.OneLineErrors());
        System.exit(cl.execute(args));
    }
}

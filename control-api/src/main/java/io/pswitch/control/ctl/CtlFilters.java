package io.pswitch.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ctl filters [list] | add NAME EXPR ... | rm ID}: the logging filters over {@code /api/v1/filters}. */
@Command(name = "filters", mixinStandardHelpOptions = true, description = "List the logging filters (or add, rm).",
        subcommands = {CtlFilters.ListCmd.class, CtlFilters.Add.class, CtlFilters.Remove.class})
final class CtlFilters implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return list(spec.commandLine().getOut());
    }

    int list(PrintWriter out) {
        JsonNode body = ctl.client().get("/api/v1/filters");
        if (ctl.printedJson(out, body)) {
            return 0;
        }
        TextTable t = table();
        for (JsonNode f : body.path("filters")) {
            row(t, f);
        }
        t.print(out);
        out.flush();
        return 0;
    }

    static TextTable table() {
        return new TextTable("ID", "NAME", "ENABLED", "SNAPLEN", "PORTS", "FRAMES", "BYTES", "EXPRESSION").numeric(0, 3, 5, 6);
    }

    static void row(TextTable t, JsonNode f) {
        List<String> ports = new ArrayList<>();
        f.path("ports").forEach(p -> ports.add(p.asText()));
        int snaplen = f.path("snaplen").asInt();
        String expression = f.path("expression").asText();
        t.add(f.path("id").asInt(), f.path("name").asText(), f.path("enabled").asBoolean() ? "yes" : "no",
                snaplen == 0 ? "all" : Integer.toString(snaplen), ports.isEmpty() ? "all" : String.join(",", ports),
                f.path("loggedFrames").asLong(), f.path("loggedBytes").asLong(), expression.isEmpty() ? "(every frame)" : expression);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the filters with what each logged since start.")
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand
        CtlFilters filters;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return filters.list(spec.commandLine().getOut());
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a filter; it logs from the dataplane's next batch.")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        CtlFilters filters;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME", description = "Unique name: letters, digits, '_', '.', '-'.")
        String name;
        @Parameters(index = "1", paramLabel = "EXPR", description = "tcpdump expression (quote it; \"\" logs every frame).")
        String expression;
        @Option(names = "--snaplen", paramLabel = "N", description = "Store only the first N bytes of each frame (14..262144).")
        Integer snaplen;
        @Option(names = "--port", paramLabel = "P", split = ",", description = "Only frames received on this port (repeatable, or P1,P2).")
        List<String> ports;
        @Option(names = "--disabled", description = "Add it switched off.")
        boolean disabled;

        @Override
        public Integer call() {
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            body.put("name", name);
            body.put("expression", expression);
            if (snaplen != null) {
                body.put("snaplen", snaplen);
            }
            if (ports != null) {
                ports.forEach(body.putArray("ports")::add);
            }
            if (disabled) {
                body.put("enabled", false);
            }
            JsonNode f = filters.ctl.client().send("POST", "/api/v1/filters", body);
            PrintWriter out = spec.commandLine().getOut();
            if (!filters.ctl.printedJson(out, f)) {
                out.println("added filter " + f.path("id").asInt() + " '" + f.path("name").asText() + "'");
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a filter by id (its records stay in the log).")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        CtlFilters filters;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ID", description = "The filter's id (see 'ctl filters').")
        String id;

        @Override
        public Integer call() {
            JsonNode f = filters.ctl.client().send("DELETE", "/api/v1/filters/" + ApiClient.encode(id));
            PrintWriter out = spec.commandLine().getOut();
            if (!filters.ctl.printedJson(out, f)) {
                out.println("deleted filter " + f.path("id").asInt() + " '" + f.path("name").asText() + "'");
                out.flush();
            }
            return 0;
        }
    }
}

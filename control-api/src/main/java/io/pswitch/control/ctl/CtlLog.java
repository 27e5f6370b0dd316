package io.pswitch.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ctl log}: the packet log's status from {@code /api/v1/log}. */
@Command(name = "log", mixinStandardHelpOptions = true, description = "Show the packet log: records, time span, commits, recovery.")
final class CtlLog implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JsonNode s = ctl.client().get("/api/v1/log");
        PrintWriter out = spec.commandLine().getOut();
        if (ctl.printedJson(out, s)) {
            return 0;
        }
        JsonNode c = s.path("commits");
        JsonNode r = s.path("recovery");
        TextTable t = new TextTable("FIELD", "VALUE");
        t.add("storage", s.path("storageClass").asText());
        t.add("durability", s.path("durability").asText());
        t.add("records", s.path("records").asLong() + " of " + s.path("capacity").asLong() + " (" + s.path("bytes").asLong() + " bytes)");
        t.add("oldest", s.path("oldestTimestamp").isNull() ? "-" : s.path("oldestTimestamp").asText());
        t.add("newest", s.path("newestTimestamp").isNull() ? "-" : s.path("newestTimestamp").asText());
        t.add("logged since start", s.path("loggedFrames").asLong() + " frames, " + s.path("loggedBytes").asLong() + " bytes");
        t.add("retired", s.path("retired").asLong());
        t.add("skipped (no buffer)", s.path("skippedNoBuffer").asLong());
        t.add("commits", c.path("count").asLong() + " (p50 " + micros(c.path("p50Ns").asLong()) + ", p99 "
                + micros(c.path("p99Ns").asLong()) + ", max " + micros(c.path("maxNs").asLong()) + ")");
        StringBuilder dropped = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("droppedByReason").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            dropped.append(dropped.isEmpty() ? ": " : ", ").append(e.getKey()).append(' ').append(e.getValue().asLong());
        }
        t.add("recovery", r.path("recovered").asLong() + " recovered, " + r.path("dropped").asLong() + " dropped" + dropped
                + ", " + r.path("truncatedBytes").asLong() + " bytes truncated, in " + micros(r.path("durationNs").asLong()));
        JsonNode reload = s.path("reload");
        if (reload.isObject()) {
            t.add("last config reload", reload.path("time").asText() + " " + (reload.path("ok").asBoolean() ? "ok" : "FAILED") + ": "
                    + reload.path("message").asText());
        }
        t.print(out);
        out.flush();
        return 0;
    }

    private static String micros(long ns) {
        return ns >= 1_000_000 ? String.format(Locale.ROOT, "%.1f ms", ns / 1e6) : String.format(Locale.ROOT, "%.1f µs", ns / 1e3);
    }
}

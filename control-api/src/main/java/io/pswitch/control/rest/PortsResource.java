package io.pswitch.control.rest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.WorkerLoad;
import io.pswitch.dataplane.agent.SwitchCommand;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code /api/v1/ports}: what each port is, its state and counters; admin up/down through the agent. */
final class PortsResource implements ApiResource {
    private final SwitchAgent agent;
    private final AgentCommands commands;

    PortsResource(SwitchAgent agent, AgentCommands commands) {
        this.agent = agent;
        this.commands = commands;
    }

    /** A port as the API shows it. {@code state} is what the switch does with it: down when either the admin or the driver says so. */
    record PortJson(String name, String driver, String spec, String state, boolean adminUp, String driverState, String description,
                    int worker, Counters counters) {
    }

    /** A dataplane worker's load over its last second, and the ports it owns. */
    record WorkerJson(int worker, List<String> ports, double busy, long framesPerSecond) {
    }

    record Counters(long rxFrames, long rxBytes, long txFrames, long txBytes, Map<String, Long> drops, long driverRxDrops,
                    long txDiscarded, Map<String, Long> driver) {
    }

    record PortList(List<PortJson> ports, List<WorkerJson> workers) {
    }

    /** Body of {@code PATCH /ports/{name}}. */
    record PortPatch(Boolean up) {
        @JsonCreator
        PortPatch(@JsonProperty(value = "up", required = true) Boolean up) {
            this.up = up;
        }
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/ports", this::list);
        routes.get("/api/v1/ports/{name}", ctx -> {
            QueryParams.allowOnly(ctx);
            ctx.json(describe(portIndex(ctx)));
        });
        routes.patch("/api/v1/ports/{name}", ctx -> {
            QueryParams.allowOnly(ctx);
            int p = portIndex(ctx);
            PortPatch patch = JsonBody.read(ctx, PortPatch.class);
            if (patch.up() == null) {
                throw ApiException.badRequest("field 'up' must be true or false");
            }
            setUp(ctx, p, patch.up());
        });
        routes.post("/api/v1/ports/{name}/up", ctx -> setUp(ctx, portIndex(ctx), true));
        routes.post("/api/v1/ports/{name}/down", ctx -> setUp(ctx, portIndex(ctx), false));
    }

    private void list(Context ctx) {
        QueryParams.allowOnly(ctx);
        List<PortJson> all = new ArrayList<>();
        for (int p = 0; p < agent.portCount(); p++) {
            all.add(describe(p));
        }
        List<WorkerJson> workers = new ArrayList<>();
        for (int w = 0; w < agent.workerCount(); w++) {
            List<String> owned = new ArrayList<>();
            for (int p : agent.workerPorts(w)) {
                owned.add(agent.port(p).name());
            }
            WorkerLoad load = agent.workerLoad(w);
            workers.add(new WorkerJson(w, owned, load.busyFraction(), load.framesPerSecond()));
        }
        ctx.json(new PortList(all, workers));
    }

    private void setUp(Context ctx, int p, boolean up) {
        QueryParams.allowOnly(ctx);
        SwitchCommand.SetPortUp command = new SwitchCommand.SetPortUp(p, up, new java.util.concurrent.CompletableFuture<>());
        commands.send(command, command.done());
        ctx.json(describe(p));
    }

    /** The index of the port named in the path; 404 for any name the switch does not have. */
    int portIndex(Context ctx) {
        String name = ctx.pathParam("name");
        int p = agent.portIndex(name);
        if (p < 0) {
            throw ApiException.notFound("no port named '" + printable(name) + "' (ports: " + String.join(", ", names()) + ")");
        }
        return p;
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        for (int p = 0; p < agent.portCount(); p++) {
            names.add(agent.port(p).name());
        }
        return names;
    }

    PortJson describe(int p) {
        Port port = agent.port(p);
        PortCounters c = agent.counters(p);
        Map<String, Long> drops = new LinkedHashMap<>();
        for (DropCause cause : DropCause.VALUES) {
            drops.put(cause.label(), c.drops(cause));
        }
        PortState driverState = c.state();
        boolean adminUp = agent.portAdminUp(p);
        String state = adminUp ? lower(driverState) : "down";
        return new PortJson(port.name(), port.spec().driver(), port.spec().text(), state, adminUp, lower(driverState),
                port.description(), agent.portOwner(p), new Counters(c.rxFrames(), c.rxBytes(), c.txFrames(), c.txBytes(), drops, c.driverRxDrops(),
                c.txDiscarded(), port.driverCounters()));
    }

    private static String lower(PortState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    /** Echoes a user-supplied name safely: bounded, control characters replaced. */
    static String printable(String s) {
        return oneLine(s.length() > 64 ? s.substring(0, 64) + "..." : s);
    }

    /** {@code s} with its control characters replaced, so that it stays one line in a header or message. */
    static String oneLine(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}

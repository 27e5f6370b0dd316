package io.pswitch.control.rest;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchCommand;
import io.pswitch.dataplane.fdb.FdbEntry;
import java.util.ArrayList;
import java.util.List;

/** {@code /api/v1/fdb}: the learned stations (a snapshot taken by the agent) and flushing them. */
final class FdbResource implements ApiResource {
    private final SwitchAgent agent;
    private final AgentCommands commands;

    FdbResource(SwitchAgent agent, AgentCommands commands) {
        this.agent = agent;
        this.commands = commands;
    }

    record Station(String mac, int vlan, String port, double ageSeconds) {
    }

    record Table(long size, int capacity, List<Station> entries) {
    }

    record Flushed(int removed) {
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/fdb", this::snapshot);
        routes.delete("/api/v1/fdb", this::flush);
    }

    private void snapshot(Context ctx) {
        QueryParams.allowOnly(ctx);
        SwitchCommand.SnapshotFdb command = SwitchCommand.snapshotFdb();
        List<FdbEntry> entries = commands.send(command, command.result());
        List<Station> out = new ArrayList<>(entries.size());
        for (FdbEntry e : entries) {
            out.add(new Station(e.macString(), e.vlan(), agent.port(e.port()).name(), e.ageNs() / 1e9));
        }
        ctx.json(new Table(out.size(), agent.fdb().capacity(), out));
    }

    private void flush(Context ctx) {
        QueryParams.allowOnly(ctx, "port");
        String name = QueryParams.single(ctx, "port");
        SwitchCommand.FlushFdb command;
        if (name == null) {
            command = SwitchCommand.flushAll();
        } else {
            int p = agent.portIndex(name);
            if (p < 0) {
                throw ApiException.notFound("no port named '" + PortsResource.printable(name) + "'");
            }
            command = SwitchCommand.flushPort(p);
        }
        ctx.json(new Flushed(commands.send(command, command.removed())));
    }
}

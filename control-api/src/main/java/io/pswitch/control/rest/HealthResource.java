package io.pswitch.control.rest;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.pswitch.control.assembly.SwitchView;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.port.PortState;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /healthz}: the process answers (liveness). {@code /readyz}: the switch has started, its
 * dataplane thread has not failed, and every port's driver is up (a finished capture counts as up):
 * 503 with the reasons otherwise. A port the operator set down does not make the switch unready.
 */
final class HealthResource implements ApiResource {
    private final SwitchView view;

    HealthResource(SwitchView view) {
        this.view = view;
    }

    record Health(String status) {
    }

    record Readiness(String status, List<String> problems) {
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/healthz", ctx -> {
            QueryParams.allowOnly(ctx);
            ctx.json(new Health("ok"));
        });
        routes.get("/readyz", this::ready);
    }

    private void ready(Context ctx) {
        QueryParams.allowOnly(ctx);
        List<String> problems = new ArrayList<>();
        if (!view.started()) {
            problems.add("the switch is starting");
        }
        if (view.agentError() != null) {
            problems.add("the dataplane thread stopped");
        }
        SwitchAgent agent = view.agent();
        for (int p = 0; p < agent.portCount(); p++) {
            PortState s = agent.counters(p).state();
            if (s != PortState.UP && s != PortState.INPUT_ENDED) {
                problems.add("port " + agent.port(p).name() + " is " + s.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        ctx.status(problems.isEmpty() ? 200 : 503).json(new Readiness(problems.isEmpty() ? "ready" : "not ready", problems));
    }
}

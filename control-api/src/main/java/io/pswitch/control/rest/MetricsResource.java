package io.pswitch.control.rest;

import io.javalin.config.RoutesConfig;
import io.pswitch.control.metrics.SwitchMetrics;

/** {@code /metrics}: Prometheus text format, collected at scrape time. */
final class MetricsResource implements ApiResource {
    private final SwitchMetrics metrics;

    MetricsResource(SwitchMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/metrics", ctx -> {
            QueryParams.allowOnly(ctx);
            ctx.contentType(SwitchMetrics.CONTENT_TYPE).result(metrics.scrape());
        });
    }
}

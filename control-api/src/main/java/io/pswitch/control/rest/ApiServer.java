package io.pswitch.control.rest;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.router.ParsedEndpoint;
import io.pswitch.control.assembly.SwitchView;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.metrics.FilterCollector;
import io.pswitch.control.metrics.LogCollector;
import io.pswitch.control.metrics.TierCollector;
import io.pswitch.control.metrics.SwitchMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST/JSON server of a running switch: routes from {@link ApiResource}s, JSON errors for every
 * refusal (4xx naming the problem; a generic 500 only for real bugs, logged here and never sent as
 * a stack trace), a bearer token check when one is configured, optional TLS.
 *
 * <p>Lifecycle: started after the dataplane thread, stopped before it (so no request waits on a
 * dataplane that is gone).
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /**
     * A connection that sends nothing (no request byte, no read of the answer) for this long is
     * closed. Jetty's default is 30 s; API requests are small, so a shorter bound frees the sockets
     * of stalled or hostile clients (slowloris) sooner. Reading is non-blocking, so a slow client
     * holds a socket, never a thread.
     */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** Reachable without a token even when one is configured: probes carry none and learn nothing. */
    private static final List<String> OPEN_PATHS = List.of("/healthz", "/readyz");

    private final ApiSettings settings;
    private final Javalin app;
    private final SwitchMetrics metrics;
    private boolean stopped;

    private ApiServer(ApiSettings settings, SwitchView view, Duration commandTimeout) {
        this.settings = settings;
        byte[] token = settings.readToken();
        BearerAuth auth = token == null ? null : new BearerAuth(token);
        SslContextFactory.Server tls = settings.tls() ? PemTls.serverContext(settings.tlsCert(), settings.tlsKey()) : null;
        this.metrics = new SwitchMetrics(view.agent(), view.pool());
        new LogCollector(view.logging(), view.log(), view.tiers()).register(metrics.registry());
        new TierCollector(view.logging(), view.tiers()).register(metrics.registry());
        new io.pswitch.control.metrics.ArchiveCollector().register(metrics.registry());
        new FilterCollector(view.logging()).register(metrics.registry());
        AgentCommands commands = new AgentCommands(view.agent(), commandTimeout);
        PortsResource ports = new PortsResource(view.agent(), commands);
        List<ApiResource> resources = List.of(
                new HealthResource(view),
                ports,
                new FdbResource(view.agent(), commands),
                new FiltersResource(view, commandTimeout),
                new LogResource(view),
                new MetricsResource(metrics),
                new OpenApiResource());
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = JsonBody.MAX_BYTES;
            config.jsonMapper(new JavalinJackson(JsonBody.MAPPER, false));
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorPages()));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorPages()));
            if (tls != null) {
                config.jetty.addConnector((server, http) -> {
                    ServerConnector c = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
                    c.setHost(settings.host());
                    c.setPort(settings.port());
                    return c;
                });
            }
            config.router.javaLangErrorHandler((response, error) -> {
                LOG.error("request failed with {}", error.getClass().getName(), error);
                response.setStatus(500);
            });
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), describe(e, ctx)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error (logged by the switch)");
            });
            if (auth != null) {
                config.routes.before(ctx -> {
                    if (!OPEN_PATHS.contains(ctx.path())) {
                        auth.check(ctx);
                    }
                });
            }
            for (ApiResource r : resources) {
                r.register(config.routes);
            }
        });
    }

    /**
     * Starts the server.
     *
     * @throws ConfigException when the address cannot be bound, with a one-line reason
     */
    public static ApiServer start(ApiSettings settings, SwitchView view) {
        return start(settings, view, COMMAND_TIMEOUT);
    }

    public static ApiServer start(ApiSettings settings, SwitchView view, Duration commandTimeout) {
        if (!settings.enabled()) {
            throw new IllegalArgumentException("the API is off");
        }
        ApiServer server = new ApiServer(settings, view, commandTimeout);
        try {
            if (settings.tls()) {
                server.app.start();
            } else {
                server.app.start(settings.host(), settings.port());
            }
            for (org.eclipse.jetty.server.Connector c : server.app.jettyServer().server().getConnectors()) {
                if (c instanceof org.eclipse.jetty.server.AbstractConnector connector) {
                    connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
                }
            }
        } catch (RuntimeException e) {
            server.app.stop();
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new ConfigException("cannot start the API on " + settings.host() + ":" + settings.port() + ": "
                    + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()), e);
        }
        return server;
    }

    private static String describe(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 404 -> "no route " + ctx.method() + " " + PortsResource.printable(ctx.path());
            case 405 -> "method " + ctx.method() + " is not allowed on " + PortsResource.printable(ctx.path())
                    + allowed(e.getDetails());
            case 413 -> "the request body is larger than " + JsonBody.MAX_BYTES + " bytes";
            default -> e.getMessage() == null ? "error " + e.getStatus() : e.getMessage().toLowerCase(Locale.ROOT);
        };
    }

    private static String allowed(Map<String, String> details) {
        String methods = details == null ? null : details.get("availableMethods");
        return methods == null ? "" : " (allowed: " + methods + ")";
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message));
    }

    /** The port the server listens on (the real one when started with port 0). */
    public int port() {
        if (settings.tls()) {
            return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getLocalPort();
        }
        return app.port();
    }

    public String url() {
        return settings.url(port());
    }

    public SwitchMetrics metrics() {
        return metrics;
    }

    /** Every registered HTTP route as {@code METHOD path} (for the OpenAPI check). */
    public List<String> routes() {
        List<String> out = new ArrayList<>();
        for (ParsedEndpoint e : app.unsafe.internalRouter.allHttpHandlers()) {
            if (e.endpoint.method.isHttpMethod()) {
                out.add(e.endpoint.method.name() + " " + e.endpoint.path);
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (!stopped) {
            stopped = true;
            app.stop();
        }
    }
}

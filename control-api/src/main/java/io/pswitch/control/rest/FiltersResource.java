package io.pswitch.control.rest;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.pswitch.control.assembly.SwitchView;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.filters.FilterService.FilterConflictException;
import io.pswitch.control.filters.FilterService.UnknownFilterException;
import io.pswitch.control.filters.FilterService;
import io.pswitch.dataplane.logging.LoggingStage;
import io.pswitch.pktlog.libpcap.LibpcapMissingException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/filters}: the logging filters over {@link FilterService}. A change answers once the
 * dataplane runs the new set (or after the command timeout, when it is stuck: the set is stored and
 * applies when it resumes), so a client that sends traffic after the answer knows which set sees it.
 *
 * <p>Refusals: a bad field, expression (libpcap's message), snaplen or port → 400; an unknown id
 * → 404; a name taken by another filter → 409. Nothing changes on any refusal.
 */
final class FiltersResource implements ApiResource {
    private static final Pattern ID = Pattern.compile("\\d{1,9}");
    private final SwitchView view;
    private final Duration applyTimeout;

    FiltersResource(SwitchView view, Duration applyTimeout) {
        this.view = view;
        this.applyTimeout = applyTimeout;
    }

    record FilterList(List<FilterService.View> filters) {
    }

    /**
     * The request body. Plain fields, not a record: the strict mapper refuses a creator with missing
     * properties, and snaplen, ports and enabled are optional.
     */
    static final class FilterBody {
        public String name;
        public String expression;
        public Integer snaplen;
        public Set<String> ports;
        public Boolean enabled;

        FilterService.Request request() {
            return new FilterService.Request(name, expression, snaplen, ports, enabled);
        }
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/filters", ctx -> {
            QueryParams.allowOnly(ctx);
            ctx.json(new FilterList(view.filterService().list()));
        });
        routes.post("/api/v1/filters", ctx -> {
            QueryParams.allowOnly(ctx);
            FilterService.Request r = JsonBody.read(ctx, FilterBody.class).request();
            FilterService.View added = change(() -> view.filterService().add(r));
            ctx.status(201).header("Location", "/api/v1/filters/" + added.id()).json(added);
        });
        routes.get("/api/v1/filters/{id}", ctx -> {
            QueryParams.allowOnly(ctx);
            int id = id(ctx);
            ctx.json(change(() -> view.filterService().get(id)));
        });
        routes.put("/api/v1/filters/{id}", ctx -> {
            QueryParams.allowOnly(ctx);
            int id = id(ctx);
            FilterService.Request r = JsonBody.read(ctx, FilterBody.class).request();
            ctx.json(change(() -> view.filterService().replace(id, r)));
        });
        routes.delete("/api/v1/filters/{id}", ctx -> {
            QueryParams.allowOnly(ctx);
            int id = id(ctx);
            ctx.json(change(() -> {
                FilterService s = view.filterService();
                FilterService.View gone = s.get(id);
                s.delete(id);
                return gone;
            }));
        });
    }

    /** The numeric id in the path; anything else is a 400 (not a 404: it cannot name a filter). */
    private static int id(Context ctx) {
        String text = ctx.pathParam("id");
        if (!ID.matcher(text).matches()) {
            throw ApiException.badRequest("filter id '" + PortsResource.printable(text) + "' is not a number");
        }
        return Integer.parseInt(text);
    }

    private interface Action {
        FilterService.View run();
    }

    /** Runs a filter operation, maps its refusals to statuses, and waits for the dataplane to apply a change. */
    private FilterService.View change(Action action) {
        FilterService.View result;
        long before = view.filterService().generation();
        try {
            result = action.run();
        } catch (UnknownFilterException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (FilterConflictException e) {
            throw new ApiException(409, e.getMessage());
        } catch (LibpcapMissingException e) {
            throw ApiException.unavailable("libpcap is not available to compile filters: " + e.getMessage());
        } catch (ConfigException | IllegalArgumentException e) {
            // FilterSyntaxException is an IllegalArgumentException carrying libpcap's message.
            throw ApiException.badRequest(e.getMessage());
        }
        long generation = view.filterService().generation();
        if (generation != before) {
            awaitApplied(view.logging(), generation);
        }
        return result;
    }

    private void awaitApplied(LoggingStage logging, long generation) {
        long deadline = System.nanoTime() + applyTimeout.toNanos();
        while (logging.appliedGeneration() < generation && System.nanoTime() < deadline && view.agentError() == null) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

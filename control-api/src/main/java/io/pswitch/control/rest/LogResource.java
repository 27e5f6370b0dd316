package io.pswitch.control.rest;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.pswitch.control.assembly.SwitchView;
import io.pswitch.control.log.PacketStream;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSyntaxException;
import io.pswitch.pktlog.libpcap.LibpcapMissingException;
import io.pswitch.pktlog.query.FramePredicate;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.TcpdumpPredicate;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/log}: the packet log's status, and {@code /api/v1/log/packets}: the logged frames a
 * query selects, streamed as pcap or pcapng while the switch keeps running.
 *
 * <p>Every parameter is checked before the first byte goes out (a refusal is a JSON 400/404); once
 * streaming, a client that goes away only ends the stream.
 */
final class LogResource implements ApiResource {
    private static final Logger LOG = LoggerFactory.getLogger(LogResource.class);
    private static final int ANY_PORT = -1;
    private final SwitchView view;

    LogResource(SwitchView view) {
        this.view = view;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/log", ctx -> {
            QueryParams.allowOnly(ctx);
            ctx.json(view.logStatus());
        });
        routes.get("/api/v1/log/packets", this::packets);
    }

    private void packets(Context ctx) throws IOException {
        QueryParams.allowOnly(ctx, "from", "to", "filter", "port", "limit", "format");
        long now = System.currentTimeMillis() * 1_000_000L;
        long from = time(ctx, "from", Long.MIN_VALUE, now);
        long to = time(ctx, "to", Long.MAX_VALUE, now);
        if (from > to) {
            throw ApiException.badRequest("from (" + TimeSpec.format(from) + ") is after to (" + TimeSpec.format(to) + ")");
        }
        int port = port(ctx);
        LogQuery query = LogQuery.between(from, to).matching(predicate(ctx)).limit(limit(ctx));
        if (port != ANY_PORT) {
            query = query.onPort(port);
        }
        String formatText = QueryParams.single(ctx, "format");
        PacketStream.Format format;
        try {
            format = formatText == null ? PacketStream.Format.PCAP : PacketStream.Format.parse(formatText);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(PortsResource.printable(e.getMessage()));
        }
        SwitchAgent agent = view.agent();
        List<String> ports = new ArrayList<>();
        for (int p = 0; p < agent.portCount(); p++) {
            ports.add(agent.port(p).name());
        }
        Map<Integer, String> names = new HashMap<>();
        for (Filter f : view.filters()) {
            names.put(f.id(), f.name());
        }
        ctx.status(200);
        ctx.contentType(format.contentType);
        ctx.header("Content-Disposition", "attachment; filename=\"pswitch-log." + format.extension + "\"");
        // Straight to the servlet stream: the writer's 64 KiB buffer is all this request holds.
        OutputStream out = ctx.res().getOutputStream();
        try {
            new PacketStream(view.log(), ports, names).write(query, format, out);
        } catch (RuntimeException e) {
            // Headers are gone: the client sees a cut stream. Usually it simply disconnected.
            LOG.debug("log export ended early: {}", e.toString());
        }
    }

    private static long time(Context ctx, String name, long absent, long now) {
        String text = QueryParams.single(ctx, name);
        if (text == null) {
            return absent;
        }
        try {
            return TimeSpec.parse(name, text, now);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private int port(Context ctx) {
        String name = QueryParams.single(ctx, "port");
        if (name == null) {
            return ANY_PORT;
        }
        int p = view.agent().portIndex(name);
        if (p < 0) {
            throw ApiException.notFound("port '" + PortsResource.printable(name) + "' does not exist");
        }
        return p;
    }

    private static long limit(Context ctx) {
        String text = QueryParams.single(ctx, "limit");
        if (text == null) {
            return Long.MAX_VALUE;
        }
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n <= 0 || !text.matches("\\d+")) {
            throw ApiException.badRequest("limit '" + PortsResource.printable(text) + "' is not a positive integer");
        }
        return n;
    }

    /** The tcpdump expression, compiled by libpcap and re-applied to the stored bytes. */
    private static FramePredicate predicate(Context ctx) {
        String expression = QueryParams.single(ctx, "filter");
        if (expression == null) {
            return null;
        }
        if (expression.length() > Filter.MAX_EXPRESSION_LENGTH) {
            throw ApiException.badRequest("filter is " + expression.length() + " characters, more than " + Filter.MAX_EXPRESSION_LENGTH);
        }
        try {
            return TcpdumpPredicate.compile(expression);
        } catch (FilterSyntaxException e) {
            throw ApiException.badRequest("filter: " + e.getMessage().replaceAll("\\p{Cntrl}", "?"));
        } catch (LibpcapMissingException e) {
            throw ApiException.unavailable("filter: libpcap is not available to compile it: " + e.getMessage());
        }
    }
}

package io.pswitch.control.rest;

import io.pswitch.control.assembly.SwitchView;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.export.LogExporter;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.control.time.TimeSpec;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSyntaxException;
import io.pswitch.pktlog.libpcap.LibpcapMissingException;
import io.pswitch.pktlog.query.LogQuery;
import java.io.IOException;
import java.io.OutputStream;
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
    private static final com.fasterxml.jackson.databind.ObjectMapper STATUS_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Trailer naming the archive objects an export skipped (missing, or failing their CRC). */
    static final String SKIPPED_TRAILER = "X-Pswitch-Skipped";
    private final SwitchView view;

    LogResource(SwitchView view) {
        this.view = view;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/log", ctx -> {
            QueryParams.allowOnly(ctx);
            io.pswitch.control.archive.ArchiveTier archive = io.pswitch.control.archive.ArchiveTier.current();
            if (archive == null) {
                ctx.json(view.logStatus());
            } else {
                // The archive tier's backlog next to the tiers' status (the tier is started after the API).
                java.util.Map<String, Object> body = STATUS_JSON.convertValue(view.logStatus(),
                        new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, Object>>() { });
                body.put("archive", archive.statusJson());
                ctx.json(body);
            }
        });
        routes.get("/api/v1/log/packets", this::packets);
    }

    private void packets(Context ctx) throws IOException {
        QueryParams.allowOnly(ctx, "from", "to", "filter", "port", "limit", "format", "vni");
        long now = System.currentTimeMillis() * 1_000_000L;
        long from = time(ctx, "from", Long.MIN_VALUE, now);
        long to = time(ctx, "to", Long.MAX_VALUE, now);
        if (from > to) {
            throw ApiException.badRequest("from (" + TimeSpec.format(from) + ") is after to (" + TimeSpec.format(to) + ")");
        }
        LogQuery query = predicate(ctx, LogQuery.between(from, to).limit(limit(ctx)));
        int port = port(ctx);
        if (port >= 0) {
            query = query.onPort(port);
        }
        query = query.withVni(vni(ctx));
        String formatText = QueryParams.single(ctx, "format");
        CaptureFormat format;
        try {
            format = formatText == null ? CaptureFormat.PCAP : CaptureFormat.parse(formatText);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(PortsResource.printable(e.getMessage()));
        }
        // Names as the switch's log catalog keeps them (deleted filters stay named).
        LogCatalog catalog = LogCatalogDescriptor.read(view.tiers().layout().dataDir());
        ctx.status(200);
        ctx.contentType(format.contentType());
        ctx.header("Content-Disposition", "attachment; filename=\"pswitch-log." + format.extension() + "\"");
        // Straight to the servlet stream: the writer's 64 KiB buffer is all this request holds.
        io.pswitch.control.archive.ArchiveTier archive = io.pswitch.control.archive.ArchiveTier.current();
        java.util.List<String> skipped = new java.util.concurrent.CopyOnWriteArrayList<>();
        // The status line went out with the headers: what was skipped (an archive object missing or
        // failing its CRC) comes in a trailer (chunked responses) and in the switch's log.
        try {
            ctx.res().setTrailerFields(() -> skipped.isEmpty() ? java.util.Map.of()
                    : java.util.Map.of(SKIPPED_TRAILER, skippedTrailer(skipped)));
            ctx.header("Trailer", SKIPPED_TRAILER);
        } catch (IllegalStateException e) {
            // HTTP/1.0 has no trailers: the switch's log still names what was skipped.
        }
        OutputStream out = ctx.res().getOutputStream();
        try {
            // Every tier as one log: the archive below the segments (when the switch archives), the
            // segments on disk and the hot tier.
            new LogExporter(LogView.of(view.tiers(), archive == null ? null : archive.olderTier()), catalog)
                    .write(query, format, "the response", out, skipped);
        } catch (RuntimeException e) {
            // Headers are gone: the client sees a cut stream. Usually it simply disconnected.
            LOG.debug("log export ended early: {}", e.toString());
        }
        for (String s : skipped) {
            LOG.warn("log export: skipped {}", s);
        }
    }

    /** Longest trailer value: whole object names (each ~120 characters) and their reasons, within a header's usual limit. */
    static final int SKIPPED_TRAILER_MAX = 4000;

    /**
     * What was skipped, as one trailer value: whole lines (an object's name is what a client acts
     * on, so it is never cut mid-name), control characters replaced; past the limit, how many more
     * the switch's log names.
     */
    static String skippedTrailer(java.util.List<String> skipped) {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (String line : skipped) {
            String clean = PortsResource.oneLine(line);
            if (shown > 0 && b.length() + 2 + clean.length() > SKIPPED_TRAILER_MAX) {
                break;
            }
            b.append(shown > 0 ? "; " : "").append(clean);
            shown++;
        }
        if (shown < skipped.size()) {
            b.append("; and ").append(skipped.size() - shown).append(" more (the switch's log names them)");
        }
        return b.toString();
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

    private static int vni(Context ctx) {
        String text = QueryParams.single(ctx, "vni");
        if (text == null) {
            return LogQuery.ANY_VNI;
        }
        try {
            int v = Integer.parseInt(text);
            if (v >= 0 && v <= io.pswitch.pktlog.tunnel.TunnelMeta.MAX_VNI) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw ApiException.badRequest("vni '" + PortsResource.printable(text) + "' is not a VXLAN network identifier (0.."
                + io.pswitch.pktlog.tunnel.TunnelMeta.MAX_VNI + ")");
    }

    private int port(Context ctx) {
        String name = QueryParams.single(ctx, "port");
        if (name == null) {
            return -1;
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
    private static LogQuery predicate(Context ctx, LogQuery query) {
        String expression = QueryParams.single(ctx, "filter");
        if (expression == null) {
            return query;
        }
        if (expression.length() > Filter.MAX_EXPRESSION_LENGTH) {
            throw ApiException.badRequest("filter is " + expression.length() + " characters, more than " + Filter.MAX_EXPRESSION_LENGTH);
        }
        try {
            return query.matching(expression);
        } catch (FilterSyntaxException e) {
            throw ApiException.badRequest("filter: " + e.getMessage().replaceAll("\\p{Cntrl}", "?"));
        } catch (LibpcapMissingException e) {
            throw ApiException.unavailable("filter: libpcap is not available to compile it: " + e.getMessage());
        }
    }
}

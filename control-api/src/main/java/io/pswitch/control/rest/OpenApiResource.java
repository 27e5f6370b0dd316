package io.pswitch.control.rest;

import io.javalin.config.RoutesConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code /api/v1/openapi.json}: the hand-written OpenAPI 3 document shipped as a resource. A test
 * compares it with the routes the server really registers, both ways.
 */
final class OpenApiResource implements ApiResource {
    static final String RESOURCE = "/io/pswitch/control/rest/openapi.json";
    private final byte[] document;

    OpenApiResource() {
        this.document = load();
    }

    static byte[] load() {
        try (InputStream in = OpenApiResource.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/openapi.json", ctx -> {
            QueryParams.allowOnly(ctx);
            ctx.contentType("application/json").result(document);
        });
    }
}

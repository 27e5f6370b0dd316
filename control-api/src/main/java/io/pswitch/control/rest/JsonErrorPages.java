package io.pswitch.control.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before a request reaches a route (a URI it refuses as ambiguous, such
 * as {@code %2F} in a path, a header too large): the same {@code {"error": "..."}} JSON body as
 * every other error, never an HTML page or a stack trace.
 */
final class JsonErrorPages extends ErrorHandler {
    JsonErrorPages() {
        setShowStacks(false);
        setShowCauses(false);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        String reason = HttpStatus.getMessage(code).toLowerCase(java.util.Locale.ROOT);
        String text = message == null || message.isBlank() || message.equalsIgnoreCase(HttpStatus.getMessage(code))
                ? reason
                : reason + ": " + message.toLowerCase(java.util.Locale.ROOT);
        byte[] body;
        try {
            body = JsonBody.MAPPER.writeValueAsBytes(Map.of("error", text));
        } catch (JsonProcessingException e) {
            body = "{\"error\":\"error\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}

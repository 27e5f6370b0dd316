package io.pswitch.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The {@code ctl} side of the REST API: one request, JSON back, every failure as a
 * {@link CtlException} with a line a user can act on (never the token).
 */
final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final String token;
    private final HttpClient http;

    ApiClient(String baseUrl, String token) {
        URI u;
        try {
            u = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        } catch (IllegalArgumentException e) {
            throw new CtlException("--api '" + baseUrl + "' is not a URL (e.g. http://127.0.0.1:8080)");
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
            throw new CtlException("--api '" + baseUrl + "' is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)");
        }
        this.base = u;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return send("GET", path);
    }

    JsonNode send(String method, String path) {
        return send(method, path, null);
    }

    /** Sends {@code body} (when not null) as the request's JSON. */
    JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json");
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CtlException("no switch answering at " + base + ": is it running with --api?");
        } catch (HttpTimeoutException e) {
            throw new CtlException("the switch at " + base + " did not answer within 10 s");
        } catch (IOException e) {
            throw new CtlException("cannot talk to the switch at " + base + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlException("interrupted");
        }
        JsonNode reply = parse(response.body());
        int status = response.statusCode();
        if (status == 401) {
            throw new CtlException("the switch at " + base + " refused the request (HTTP 401): "
                    + (token == null ? "it needs a token: give --token-file FILE" : "the token is wrong"));
        }
        if (status >= 400) {
            String message = reply != null && reply.hasNonNull("error") ? reply.get("error").asText() : "no details";
            throw new CtlException(message + " (HTTP " + status + ")");
        }
        if (reply == null) {
            throw new CtlException("the server at " + base + " did not answer with JSON: is it a pswitch?");
        }
        return reply;
    }

    private static JsonNode parse(String text) {
        try {
            return text == null || text.isEmpty() ? null : JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}

package io.pswitch.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input matrix: every refusal is a 4xx with a JSON {@code error} that names the problem;
 * never a 5xx, an HTML page or a stack trace.
 */
class BadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static RunningSwitch sw;

    @BeforeAll
    static void start() {
        sw = RunningSwitch.start(tmp);
    }

    @AfterAll
    static void stop() {
        sw.close();
    }

    /** {@code status} 0: 400 or 404 (a traversal attempt may be refused as a bad URI or looked up and not found). */
    record Case(String method, String path, String contentType, String body, int status, String message) {
    }

    private static final int REFUSED_OR_NOT_FOUND = 0;

    private static final String JSON_TYPE = "application/json";

    static final List<Case> MATRIX = List.of(
            new Case("GET", "/api/v1/ports/nope", null, null, 404, "no port named 'nope' (ports: a, b, c)"),
            new Case("POST", "/api/v1/ports/nope/up", null, null, 404, "no port named 'nope'"),
            new Case("POST", "/api/v1/ports/nope/down", null, null, 404, "no port named 'nope'"),
            new Case("PATCH", "/api/v1/ports/nope", JSON_TYPE, "{\"up\": true}", 404, "no port named 'nope'"),
            new Case("DELETE", "/api/v1/fdb?port=nope", null, null, 404, "no port named 'nope'"),
            new Case("DELETE", "/api/v1/fdb?port=", null, null, 400, "query parameter 'port' is empty"),
            new Case("DELETE", "/api/v1/fdb?prot=a", null, null, 400, "unknown query parameter 'prot' (known: port)"),
            new Case("DELETE", "/api/v1/fdb?port=a&port=b", null, null, 400, "query parameter 'port' is given 2 times"),
            new Case("POST", "/api/v1/ports/a/up?force=1", null, null, 400, "unknown query parameter 'force' (this route takes none)"),
            new Case("PUT", "/api/v1/ports", JSON_TYPE, "{}", 405, "method PUT is not allowed on /api/v1/ports"),
            new Case("DELETE", "/api/v1/ports/a", null, null, 405, "method DELETE is not allowed"),
            new Case("GET", "/api/v1/ports/a/up", null, null, 405, "method GET is not allowed"),
            new Case("POST", "/metrics", null, null, 405, "method POST is not allowed"),
            new Case("GET", "/api/v1/nothing", null, null, 404, "no route GET /api/v1/nothing"),
            new Case("GET", "/nothing", null, null, 404, "no route GET /nothing"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "{\"up\": tru", 400, "malformed JSON at line 1"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "{\"up\": \"yes\"}", 400, "field 'up' has the wrong type"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "{\"up\": 1}", 400, "field 'up' has the wrong type"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "{\"up\": true, \"speed\": 10}", 400, "unknown field 'speed' (known: up)"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "{}", 400, "'up'"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "[true]", 400, "JSON object"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "null", 400, "JSON object"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "", 400, "the request body is empty"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "{\"up\": true} {", 400, "JSON"),
            new Case("PATCH", "/api/v1/ports/a", "text/plain", "{\"up\": true}", 415, "the body must be application/json (got 'text/plain')"),
            new Case("PATCH", "/api/v1/ports/a", null, "{\"up\": true}", 415, "the body must be application/json"),
            new Case("PATCH", "/api/v1/ports/a", JSON_TYPE, "{\"up\": \"" + "x".repeat(100_000) + "\"}", 413, "larger than 65536 bytes"),
            new Case("GET", "/api/v1/ports/..%2F..%2Fetc", null, null, REFUSED_OR_NOT_FOUND, ""),
            new Case("GET", "/api/v1/ports/%2e%2e%2f%2e%2e%2fetc%2fpasswd", null, null, REFUSED_OR_NOT_FOUND, ""),
            new Case("GET", "/api/v1/ports/..%5C..%5Cetc", null, null, REFUSED_OR_NOT_FOUND, "no port named"),
            new Case("GET", "/api/v1/ports/%2e%2e/%2e%2e/etc/passwd", null, null, REFUSED_OR_NOT_FOUND, ""),
            new Case("GET", "/api/v1/ports/a%00b", null, null, REFUSED_OR_NOT_FOUND, ""),
            new Case("GET", "/api/v1/ports/a%0D%0AX-Evil:%201", null, null, 404, "no port named 'a??X-Evil: 1'"),
            new Case("GET", "/api/v1/ports/" + "n".repeat(3000), null, null, 404, "no port named 'nnnn"));

    @Test
    void everyBadRequestGetsA4xxWithAJsonMessageNamingTheProblem() throws Exception {
        for (Case c : MATRIX) {
            RunningSwitch.Reply r = sw.send(c.method(), c.path(), c.contentType(), c.body());
            String what = c.method() + " " + (c.path().length() > 80 ? c.path().substring(0, 80) + "..." : c.path()) + " -> " + r.status() + " " + r.body();
            if (c.status() == REFUSED_OR_NOT_FOUND) {
                assertThat(r.status()).as(what).isIn(400, 404);
            } else {
                assertThat(r.status()).as(what).isEqualTo(c.status());
            }
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/json");
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("error").asText()).as(what).isNotBlank().contains(c.message());
            assertThat(r.body()).as(what).doesNotContain("Exception", "\tat ", "<html", "io.javalin", "org.eclipse", "com.fasterxml");
        }
    }

    @Test
    void anOversizedChunkedBodyWithoutContentLengthIsCappedWhileReading() throws Exception {
        URI u = URI.create(sw.url);
        byte[] chunk = ("{\"up\": \"" + "x".repeat(100_000) + "\"}").getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("PATCH /api/v1/ports/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(chunk);
            out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(s.getInputStream().readNBytes(4096), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 413").contains("larger than 65536 bytes");
        }
        assertThat(sw.assembly.agent().portAdminUp(0)).isTrue();
    }

    @Test
    void theSwitchStillWorksAfterTheMatrix() throws Exception {
        everyBadRequestGetsA4xxWithAJsonMessageNamingTheProblem();
        assertThat(sw.get("/api/v1/ports/a").status()).isEqualTo(200);
        assertThat(sw.assembly.agentError()).isNull();
        assertThat(sw.assembly.agent().portAdminUp(0)).as("no bad PATCH changed the port").isTrue();
    }
}

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
        sw = RunningSwitch.start(tmp, "--filter", "web=tcp port 80");
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
            new Case("GET", "/api/v1/ports/" + "n".repeat(3000), null, null, 404, "no port named 'nnnn"),
            // Filters: strict JSON, the filter's own checks, libpcap's message, ids, names.
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\":", 400, "malformed JSON at line 1"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"snaplen\": \"64\"}", 400, "field 'snaplen' has the wrong type"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"snaplen\": 64.5}", 400, "field 'snaplen' has the wrong type"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"enabled\": \"yes\"}", 400, "field 'enabled' has the wrong type"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"ports\": \"a\"}", 400, "field 'ports' has the wrong type"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": 7, \"expression\": \"\"}", 400, "field 'name' has the wrong type"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"snap\": 64}", 400,
                    "unknown field 'snap' (known: enabled, expression, name, ports, snaplen)"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "[]", 400, "JSON object"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"expression\": \"\"}", 400, "field 'name' is required"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\"}", 400, "field 'expression' is required"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"tcp port\"}", 400,
                    "filter 'x': bad filter expression 'tcp port': can't parse filter expression: syntax error"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"host nosuchhost.invalid\"}", 400,
                    "bad filter expression 'host nosuchhost.invalid'"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"snaplen\": 5}", 400,
                    "snaplen 5 must be 0 (whole frame) or 14..262144"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"snaplen\": 262145}", 400, "snaplen 262145"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"-x\", \"expression\": \"\"}", 400, "filter name '-x' must be"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"ports\": [\"zz\"]}", 400,
                    "names port 'zz', which this switch does not have (ports: a, b, c)"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\", \"ports\": [\"../a\"]}", 400, "names port '../a'"),
            new Case("POST", "/api/v1/filters", JSON_TYPE, "{\"name\": \"web\", \"expression\": \"\"}", 409, "a filter named 'web' already exists"),
            new Case("POST", "/api/v1/filters", "text/plain", "{\"name\": \"x\", \"expression\": \"\"}", 415, "the body must be application/json"),
            new Case("POST", "/api/v1/filters?dry=1", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\"}", 400, "unknown query parameter 'dry'"),
            new Case("GET", "/api/v1/filters/abc", null, null, 400, "filter id 'abc' is not a number"),
            new Case("GET", "/api/v1/filters/-1", null, null, 400, "filter id '-1' is not a number"),
            new Case("GET", "/api/v1/filters/99999999999", null, null, 400, "is not a number"),
            new Case("GET", "/api/v1/filters/999", null, null, 404, "no filter with id 999"),
            new Case("PUT", "/api/v1/filters/999", JSON_TYPE, "{\"name\": \"x\", \"expression\": \"\"}", 404, "no filter with id 999"),
            new Case("PUT", "/api/v1/filters/1", JSON_TYPE, "{\"name\": \"web\", \"expression\": \"tcp port\"}", 400, "syntax error"),
            new Case("PUT", "/api/v1/filters/1", JSON_TYPE, "{\"name\": \"web\", \"expression\": \"\", \"enabled\": 1}", 400, "field 'enabled'"),
            new Case("DELETE", "/api/v1/filters/999", null, null, 404, "no filter with id 999"),
            new Case("DELETE", "/api/v1/filters", null, null, 405, "method DELETE is not allowed"),
            new Case("GET", "/api/v1/filters/..%2F..", null, null, REFUSED_OR_NOT_FOUND, ""),
            new Case("DELETE", "/api/v1/filters/..%2F..%2Fetc%2Fpasswd", null, null, REFUSED_OR_NOT_FOUND, ""),
            new Case("GET", "/api/v1/filters/%2e%2e/%2e%2e/etc/passwd", null, null, REFUSED_OR_NOT_FOUND, ""),
            new Case("GET", "/api/v1/filters/1%00", null, null, REFUSED_OR_NOT_FOUND, ""),
            // The log and its export.
            new Case("GET", "/api/v1/log?verbose=1", null, null, 400, "unknown query parameter 'verbose' (this route takes none)"),
            new Case("POST", "/api/v1/log", null, null, 405, "method POST is not allowed"),
            new Case("GET", "/api/v1/log/packets?from=yesterday", null, null, 400, "from 'yesterday' is not a time: use RFC 3339"),
            new Case("GET", "/api/v1/log/packets?to=12", null, null, 400, "to '12' is not a time"),
            new Case("GET", "/api/v1/log/packets?from=2026-13-01T00:00:00Z", null, null, 400, "from '2026-13-01T00:00:00Z' is not a time"),
            new Case("GET", "/api/v1/log/packets?from=2026-11-21T10:00:00", null, null, 400, "from '2026-11-21T10:00:00' is not a time"),
            new Case("GET", "/api/v1/log/packets?from=1m&to=2h", null, null, 400, ") is after to ("),
            new Case("GET", "/api/v1/log/packets?from=", null, null, 400, "query parameter 'from' is empty"),
            new Case("GET", "/api/v1/log/packets?from=1m&from=2m", null, null, 400, "query parameter 'from' is given 2 times"),
            new Case("GET", "/api/v1/log/packets?filter=tcp%20port", null, null, 400, "filter: bad filter expression 'tcp port': can't parse filter expression: syntax error"),
            new Case("GET", "/api/v1/log/packets?filter=ip%20and%20%28", null, null, 400, "filter: bad filter expression"),
            new Case("GET", "/api/v1/log/packets?port=zz", null, null, 404, "port 'zz' does not exist"),
            new Case("GET", "/api/v1/log/packets?port=..%2Fa", null, null, 404, "port '../a' does not exist"),
            new Case("GET", "/api/v1/log/packets?limit=0", null, null, 400, "limit '0' is not a positive integer"),
            new Case("GET", "/api/v1/log/packets?limit=-5", null, null, 400, "limit '-5' is not a positive integer"),
            new Case("GET", "/api/v1/log/packets?limit=ten", null, null, 400, "limit 'ten' is not a positive integer"),
            new Case("GET", "/api/v1/log/packets?limit=99999999999999999999", null, null, 400, "is not a positive integer"),
            new Case("GET", "/api/v1/log/packets?format=json", null, null, 400, "format 'json' is not pcap or pcapng"),
            new Case("GET", "/api/v1/log/packets?fromm=1m", null, null, 400, "unknown query parameter 'fromm' (known: filter, format, from, limit, port, to, vni)"));

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
        assertThat(sw.assembly.filters()).as("no refused filter request changed the filters")
                .containsExactly(io.pswitch.pktlog.filter.Filter.of(1, "web", "tcp port 80"));
    }
}

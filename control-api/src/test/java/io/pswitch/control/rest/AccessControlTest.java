package io.pswitch.control.rest;

import io.pswitch.control.config.ApiSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.control.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loopback by default; a bearer token for anything else; optional TLS from PEM files. */
class AccessControlTest {
    private static final String TOKEN = "s3cret-token-0123456789abcdef";
    @TempDir
    Path tmp;

    private Path tokenFile() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, TOKEN + "\n");
        return f;
    }

    @Test
    void refusesToBindANonLoopbackAddressWithoutAToken() {
        assertThatThrownBy(() -> RunningSwitch.settings("--port", "a=shm:x", "--api", "0.0.0.0:8080"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--api 0.0.0.0:8080 is not a loopback address: binding it needs a bearer token (--api-token-file FILE)");
        assertThat(RunningSwitch.settings("--port", "a=shm:x").api())
                .isEqualTo(new ApiSettings("127.0.0.1", 8080, null, null, null));
        assertThat(RunningSwitch.settings("--port", "a=shm:x", "--api", "off").api().enabled()).isFalse();
        assertThatThrownBy(() -> RunningSwitch.settings("--port", "a=shm:x", "--api", "localhost"))
                .hasMessageContaining("is not HOST:PORT");
        assertThatThrownBy(() -> RunningSwitch.settings("--port", "a=shm:x", "--api", "127.0.0.1:99999"))
                .hasMessageContaining("port 99999 is not between 0 and 65535");
        assertThatThrownBy(() -> RunningSwitch.settings("--port", "a=shm:x", "--tls-cert", "c.pem"))
                .hasMessageContaining("TLS needs both --tls-cert and --tls-key");
    }

    @Test
    void theConfigFileCanSetTheApi() throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "ports: [a=shm:x]\napi: { address: off }\n");
        assertThat(RunningSwitch.settings("--config", f.toString()).api().enabled()).isFalse();
        Files.writeString(f, "ports: [a=shm:x]\napi: { address: '127.0.0.1:9000', tokenFile: " + tokenFile() + " }\n");
        assertThat(RunningSwitch.settings("--config", f.toString()).api()).isEqualTo(new ApiSettings("127.0.0.1", 9000, tokenFile(), null, null));
        assertThat(RunningSwitch.settings("--config", f.toString(), "--api", "127.0.0.1:9001").api().port()).isEqualTo(9001);
    }

    @Test
    void bindsANonLoopbackAddressWithAToken() throws Exception {
        try (RunningSwitch sw = RunningSwitch.start(tmp.resolve("d"), "--api", "0.0.0.0:0", "--api-token-file", tokenFile().toString())) {
            assertThat(sw.get("/api/v1/ports").status()).isEqualTo(401);
            assertThat(sw.send("GET", "/api/v1/ports", null, null, "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
        }
    }

    @Test
    void aMissingOrWrongTokenGets401WithoutDetailsAndTheTokenNeverShows() throws Exception {
        PrintStream realErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        StringBuilder everything = new StringBuilder();
        try (RunningSwitch sw = RunningSwitch.start(tmp.resolve("d"), "--api-token-file", tokenFile().toString())) {
            String[][] attempts = {
                {},
                {"Authorization", "Bearer wrong"},
                {"Authorization", "Bearer " + TOKEN.substring(0, TOKEN.length() - 1)},
                {"Authorization", "Bearer " + TOKEN + "x"},
                {"Authorization", "Basic " + TOKEN},
                {"Authorization", TOKEN},
            };
            for (String[] headers : attempts) {
                for (String path : new String[] {"/api/v1/ports", "/api/v1/fdb", "/api/v1/filters", "/api/v1/filters/1",
                        "/api/v1/log", "/api/v1/log/packets", "/metrics", "/api/v1/openapi.json", "/no/such/route"}) {
                    RunningSwitch.Reply r = sw.send("GET", path, null, null, headers);
                    assertThat(r.status()).as(path + " " + String.join(" ", headers)).isEqualTo(401);
                    assertThat(r.body()).isEqualTo("{\"error\":\"unauthorized\"}");
                    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                    everything.append(r.body()).append(r.headers().map());
                }
            }
            RunningSwitch.Reply post = sw.send("POST", "/api/v1/ports/a/down", null, null, "Authorization", "Bearer nope");
            assertThat(post.status()).isEqualTo(401);
            assertThat(sw.assembly.agent().portAdminUp(0)).as("an unauthorized request changes nothing").isTrue();
            RunningSwitch.Reply add = sw.send("POST", "/api/v1/filters", "application/json", "{\"name\": \"x\", \"expression\": \"\"}",
                    "Authorization", "Bearer nope");
            assertThat(add.status()).isEqualTo(401);
            assertThat(sw.assembly.filters()).as("an unauthorized request adds no filter").isEmpty();

            RunningSwitch.Reply ok = sw.send("GET", "/api/v1/ports", null, null, "Authorization", "Bearer " + TOKEN);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(sw.send("GET", "/metrics", null, null, "authorization", "bearer " + TOKEN).status()).isEqualTo(200);
            // Probes carry no token and learn nothing secret.
            assertThat(sw.get("/healthz").status()).isEqualTo(200);
            assertThat(sw.get("/readyz").status()).isEqualTo(200);
            everything.append(ok.body());
        } finally {
            System.setErr(realErr);
        }
        everything.append(captured.toString(StandardCharsets.UTF_8));
        assertThat(everything.toString()).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(0, 12));
    }

    @Test
    void aTokenFileThatIsMissingOrTooShortIsAOneLineError() throws Exception {
        assertThatThrownBy(() -> RunningSwitch.start(tmp.resolve("d"), "--api-token-file", tmp.resolve("nope").toString()))
                .isInstanceOf(ConfigException.class).hasMessage("token file " + tmp.resolve("nope") + " does not exist");
        Path shortToken = tmp.resolve("short");
        Files.writeString(shortToken, "abc");
        assertThatThrownBy(() -> RunningSwitch.start(tmp.resolve("d"), "--api-token-file", shortToken.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at least 16 characters").hasMessageNotContaining("abc\"");
        // The failed start released the data directory: a switch can start there now.
        RunningSwitch.start(tmp.resolve("d")).close();
    }

    @Test
    void aBusyAddressIsAOneLineError() {
        try (RunningSwitch first = RunningSwitch.start(tmp.resolve("one"))) {
            int port = first.served.api().port();
            assertThatThrownBy(() -> RunningSwitch.start(tmp.resolve("two"), "--api", "127.0.0.1:" + port))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("cannot start the API on 127.0.0.1:" + port + ": ");
        }
    }

    @Test
    void servesTlsFromPemFiles() throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "openssl is not installed: cannot make a test certificate");
            return;
        }
        p.getInputStream().readAllBytes();
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl could not make a test certificate");

        try (RunningSwitch sw = RunningSwitch.start(tmp.resolve("d"), "--tls-cert", cert.toString(), "--tls-key", key.toString())) {
            assertThat(sw.url).startsWith("https://127.0.0.1:");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (var in = Files.newInputStream(cert)) {
                trust.setCertificateEntry("pswitch", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(sw.url + "/api/v1/ports")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"name\":\"a\"");
            // Plain HTTP on the TLS port gets no API (a refusal or a TLS alert the client cannot parse).
            int plainStatus;
            try {
                plainStatus = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(sw.url.replace("https://", "http://") + "/api/v1/ports")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (java.io.IOException e) {
                plainStatus = -1;
            }
            assertThat(plainStatus).isNotEqualTo(200);
        }
    }

    @Test
    void aKeyThatIsNotPkcs8PemIsAOneLineError() throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        Files.writeString(cert, "not a certificate");
        Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> RunningSwitch.start(tmp.resolve("d"), "--tls-cert", cert.toString(), "--tls-key", key.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is not a PEM certificate chain");
    }
}

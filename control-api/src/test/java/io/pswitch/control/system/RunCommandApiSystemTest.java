package io.pswitch.control.system;

import static io.pswitch.control.rest.ShmWire.broadcast;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pswitch.control.rest.ShmWire;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pswitch run} in its own JVM, asked for an ephemeral API port: it prints the port it really
 * bound, and that address serves the API of the switch whose shm ports this process drives.
 */
class RunCommandApiSystemTest {
    private static final Pattern API_LINE = Pattern.compile("pswitch: API at (http://127\\.0\\.0\\.1:(\\d+)) ");
    @TempDir
    Path tmp;

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void printsTheRealApiPortWhenAskedForPortZeroAndServesTheSwitchThere() throws Exception {
        String tag = "runapi-" + ProcessHandle.current().pid() + "-";
        try (ChildSwitch sw = ChildSwitch.start(tmp.resolve("switch.log"), "--data-dir", tmp.resolve("data").toString(),
                "--buffers", "2048", "--ring-size", "64", "--batch", "32", "-q",
                "--port", "a=shm:" + tag + "a,slots=64", "--port", "b=shm:" + tag + "b,slots=64", "--api", "127.0.0.1:0")) {
            sw.awaitOutput("pswitch: API at ", 30_000);
            Matcher m = API_LINE.matcher(sw.output());
            assertThat(m.find()).as(sw.output()).isTrue();
            String url = m.group(1);
            assertThat(Integer.parseInt(m.group(2))).as("the bound port, not the 0 asked for").isBetween(1, 65535);

            HttpClient http = HttpClient.newHttpClient();
            try (ShmWire a = ShmWire.attach(tag + "a"); ShmWire b = ShmWire.attach(tag + "b")) {
                assertThat(get(http, url + "/readyz").statusCode()).isEqualTo(200);
                a.send(broadcast(1, 120));
                long deadline = System.nanoTime() + 10_000_000_000L;
                List<byte[]> atB;
                while ((atB = b.received()).isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(atB).as("the broadcast from a, out of b").hasSize(1);
                assertThat(atB.get(0)).hasSize(120);
                JsonNode ports = new ObjectMapper().readTree(get(http, url + "/api/v1/ports").body()).get("ports");
                assertThat(ports.get(0).get("name").asText()).isEqualTo("a");
                assertThat(ports.get(0).at("/counters/rxFrames").asLong()).isEqualTo(1);
                assertThat(ports.get(0).at("/counters/rxBytes").asLong()).isEqualTo(120);
                assertThat(ports.get(1).at("/counters/txFrames").asLong()).isEqualTo(1);
            }
            assertThat(sw.stop()).as("exit after SIGTERM: " + sw.output()).isIn(0, 143);
            assertThat(sw.output()).contains("pswitch: stopped");
        }
    }
}

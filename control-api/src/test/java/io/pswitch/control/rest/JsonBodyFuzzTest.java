package io.pswitch.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pswitch.control.filters.FilterService;
import java.nio.charset.StandardCharsets;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link JsonBody#parse}, the strict JSON reading behind every REST request body: arbitrary
 * bytes give the parsed record — the port PATCH body ({@link PortsResource.PortPatch}) and the
 * filter body ({@link FilterService.Request}) — or an {@link ApiException} with a 4xx status and a
 * one-line message, never anything else (a 500).
 *
 * <p>{@code mvn verify} replays {@code src/test/resources/io/pswitch/control/rest/JsonBodyFuzzTestInputs/<method>/};
 * {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md).
 */
class JsonBodyFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void portPatch(byte[] body) {
        PortsResource.PortPatch patch = parseOrRefuse(body, PortsResource.PortPatch.class);
        if (patch != null) {
            assertThat(patch.up()).as("'up' is required").isNotNull();
        }
    }

    @FuzzTest(maxDuration = "60s")
    void filterRequest(byte[] body) {
        parseOrRefuse(body, FilterService.Request.class);
    }

    /** The parsed body, or null when refused with a 4xx naming the problem on one line. */
    static <T> T parseOrRefuse(byte[] body, Class<T> type) {
        try {
            T value = JsonBody.parse(body, type);
            assertThat(value).isNotNull();
            return value;
        } catch (ApiException refused) {
            assertThat(refused.status()).isBetween(400, 499);
            assertThat(refused.getMessage()).isNotBlank().doesNotContain("\n", "\r");
            return null;
        }
    }

    /** Fuzz finding: Jackson reports a duplicate creator property without a location; that was an NPE (a 500). */
    @Test
    void aDuplicateFieldIsA400NotA500() {
        Assertions.assertThatThrownBy(() -> JsonBody.parse("{\"up\": true, \"up\": true}".getBytes(StandardCharsets.UTF_8),
                        PortsResource.PortPatch.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageNotContaining("\n");
    }

    @Test
    void controlCharactersInAnUnknownFieldNameAreEscapedInTheError() {
        Assertions.assertThatThrownBy(() -> JsonBody.parse(("{\"name\": \"a\", \"expression\": \"\", \"snaplen\": null, \"ports\": null,"
                        + " \"enabled\": null, \"a\\nb\": 1}").getBytes(StandardCharsets.UTF_8),
                        FilterService.Request.class))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("unknown field 'a\\u000ab'");
    }
}

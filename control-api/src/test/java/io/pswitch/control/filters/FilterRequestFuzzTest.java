package io.pswitch.control.filters;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pswitch.control.rest.ApiException;
import io.pswitch.control.rest.JsonBody;
import io.pswitch.pktlog.filter.Filter;
import java.util.Set;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes a filter request from the wire to the filter it describes: arbitrary bytes are parsed
 * ({@link JsonBody#parse}) into a {@link FilterService.Request} and built into a {@link Filter}
 * ({@link FilterService#build}); each step either succeeds or refuses with its declared exception —
 * {@link ApiException} 4xx from parsing, {@link IllegalArgumentException} from the filter's checks —
 * with a one-line message, never anything else.
 *
 * <p>{@code mvn verify} replays {@code src/test/resources/io/pswitch/control/filters/FilterRequestFuzzTestInputs/buildFilter/};
 * {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md).
 */
class FilterRequestFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void buildFilter(byte[] body) {
        FilterService.Request request;
        try {
            request = JsonBody.parse(body, FilterService.Request.class);
        } catch (ApiException refused) {
            assertThat(refused.status()).isBetween(400, 499);
            assertThat(refused.getMessage()).isNotBlank().doesNotContain("\n", "\r");
            return;
        }
        try {
            Filter f = FilterService.build(7, request);
            assertThat(f.id()).isEqualTo(7);
            assertThat(f.name()).isEqualTo(request.name());
            assertThat(f.expression()).isEqualTo(request.expression());
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank().doesNotContain("\n", "\r");
        }
    }

    /** Fuzz finding: a name or port with a newline made the error message span lines. */
    @Test
    void namesWithControlCharactersAreRefusedOnOneLine() {
        Assertions.assertThatThrownBy(() -> FilterService.build(1, new FilterService.Request(" v\n, x", "ip", null, null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("filter name ' v\\u000a, x'");
        Assertions.assertThatThrownBy(() -> FilterService.build(1, new FilterService.Request("web", "ip", null, Set.of("p\r0"), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names port 'p\\u000d0'");
    }
}

package io.pswitch.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document and the routes the server really registers agree, both ways. */
class OpenApiDocumentTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    @TempDir
    Path tmp;

    @Test
    void everyRegisteredRouteIsDocumentedAndEveryDocumentedOperationIsRegistered() throws Exception {
        try (RunningSwitch sw = RunningSwitch.start(tmp)) {
            Set<String> registered = new TreeSet<>(sw.served.api().routes());
            JsonNode doc = new ObjectMapper().readTree(sw.get("/api/v1/openapi.json").body());
            Set<String> documented = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").properties().iterator(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> path = paths.next();
                for (Iterator<String> ops = path.getValue().fieldNames(); ops.hasNext(); ) {
                    String op = ops.next();
                    if (HTTP_METHODS.contains(op)) {
                        documented.add(op.toUpperCase(Locale.ROOT) + " " + path.getKey());
                    }
                }
            }
            assertThat(registered).as("registered routes").isNotEmpty().contains("GET /api/v1/ports", "GET /metrics");
            assertThat(documented).as("documented operations (registered: %s)", registered).isEqualTo(registered);
        }
    }

    @Test
    void theDocumentIsOpenApi3WithEveryReferenceResolved() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(OpenApiResource.load());
        assertThat(doc.get("openapi").asText()).matches("3\\.\\d+\\.\\d+");
        assertThat(doc.at("/info/title").asText()).isNotBlank();
        java.util.List<String> refs = new java.util.ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as("reference %s resolves", ref).isFalse();
        }
        // Every path parameter in a templated path is declared.
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").properties().iterator(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            if (path.getKey().contains("{name}")) {
                assertThat(path.getValue().get("parameters")).as(path.getKey()).isNotNull();
            }
        }
    }

    @Test
    void theLogStatusReloadObjectIsDocumentedFieldForField() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(OpenApiResource.load());
        JsonNode documented = doc.at("/components/schemas/LogStatus/properties/reload/properties");
        io.pswitch.control.log.ReloadStatus status = new io.pswitch.control.log.ReloadStatus(1, 1_700_000_000_000_000_000L, false,
                "reload of f failed", "f", java.util.List.of(), java.util.List.of("ports"));
        Set<String> served = new TreeSet<>();
        new ObjectMapper().valueToTree(status).fieldNames().forEachRemaining(served::add);
        Set<String> names = new TreeSet<>();
        documented.fieldNames().forEachRemaining(names::add);
        assertThat(names).as("documented reload fields").isEqualTo(served);
    }

    private static void collectRefs(JsonNode node, java.util.List<String> out) {
        if (node.isObject()) {
            if (node.has("$ref")) {
                out.add(node.get("$ref").asText());
            }
            node.elements().forEachRemaining(n -> collectRefs(n, out));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(n -> collectRefs(n, out));
        }
    }
}

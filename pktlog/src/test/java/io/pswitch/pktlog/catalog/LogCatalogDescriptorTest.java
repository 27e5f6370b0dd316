package io.pswitch.pktlog.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCatalogDescriptorTest {
    static final LogCatalog CATALOG = new LogCatalog(
            List.of(new LogCatalog.PortEntry(0, "p0"), new LogCatalog.PortEntry(1, "vm \"one\"")),
            List.of(new LogCatalog.FilterEntry(1, "icmp", "icmp"), new LogCatalog.FilterEntry(70, "big", "tcp port 80")));

    @TempDir
    Path dir;

    @Test
    void writtenCatalogReadsBackEqualAndLeavesNoTemporaryFile() throws Exception {
        LogCatalogDescriptor.write(dir, CATALOG);
        assertThat(LogCatalogDescriptor.read(dir)).isEqualTo(CATALOG);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("log-catalog.json");
        }
        String json = Files.readString(dir.resolve("log-catalog.json"));
        assertThat(json).contains("\"version\" : 1", "\"ports\"", "\"filters\"", "\"expression\" : \"tcp port 80\"");
    }

    @Test
    void rewritingReplacesTheWholeCatalog() {
        LogCatalogDescriptor.write(dir, CATALOG);
        LogCatalog smaller = new LogCatalog(List.of(new LogCatalog.PortEntry(3, "p3")), List.of());
        LogCatalogDescriptor.write(dir, smaller);
        assertThat(LogCatalogDescriptor.read(dir)).isEqualTo(smaller);
    }

    @Test
    void aMissingCatalogIsEmptyAndNamesAreGeneric() {
        LogCatalog c = LogCatalogDescriptor.read(dir);
        assertThat(c).isEqualTo(LogCatalog.EMPTY);
        assertThat(c.portName(4)).isEqualTo("port4");
        assertThat(c.filterName(9)).isEqualTo("filter9");
        assertThat(c.portIndex("port4")).isEqualTo(4);
        assertThat(c.portIndex("7")).isEqualTo(7);
    }

    @Test
    void filterNamesComeFromTheMaskAndFromALargeFirstId() {
        assertThat(CATALOG.filterNames(1L << 1 | 1L << 5, 1)).isEqualTo("icmp, filter5");
        assertThat(CATALOG.filterNames(0, 70)).isEqualTo("big");
        assertThat(CATALOG.filterNames(0, -1)).isEmpty();
    }

    @Test
    void malformedCatalogsAreRejectedWithTheFileAndTheProblem() throws Exception {
        Path f = dir.resolve("log-catalog.json");
        Files.writeString(f, "{\"ports\": [ {\"index\": 0} ]}");
        assertThatThrownBy(() -> LogCatalogDescriptor.read(dir)).hasMessageContaining(f.toString())
                .hasMessageContaining("an entry of 'ports' has no 'name'");
        Files.writeString(f, "{\"ports\": [ {\"index\": 0, \"name\": \"a\"}, {\"index\": 0, \"name\": \"b\"} ]}");
        assertThatThrownBy(() -> LogCatalogDescriptor.read(dir)).hasMessageContaining("port index 0 is listed twice");
        Files.writeString(f, "{\"ports\": ");
        assertThatThrownBy(() -> LogCatalogDescriptor.read(dir)).hasMessageContaining("is not valid JSON");
        Files.writeString(f, "{\"version\": 9}");
        assertThatThrownBy(() -> LogCatalogDescriptor.read(dir)).hasMessageContaining("newer than this build reads");
        Files.writeString(f, "{\"filters\": [ {\"id\": 2, \"name\": \"x\", \"future\": true} ], \"extra\": 1}");
        assertThat(LogCatalogDescriptor.read(dir).filterName(2)).isEqualTo("x");
    }
}

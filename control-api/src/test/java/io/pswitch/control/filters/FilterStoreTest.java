package io.pswitch.control.filters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.control.config.ConfigException;
import io.pswitch.pktlog.filter.Filter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterStoreTest {
    @TempDir
    Path dir;

    @Test
    void aMissingFileIsNoFilters() {
        assertThat(new FilterStore(dir).load()).isEmpty();
    }

    @Test
    void savedFiltersComeBackAsTheyWereWithNoTemporaryFileLeft() throws IOException {
        FilterStore store = new FilterStore(dir);
        List<Filter> filters = List.of(Filter.of(1, "ping", "icmp or arp"),
                new Filter(5, "web", "tcp port 80", 128, Set.of("p0", "p1"), false));
        store.save(filters);
        assertThat(new FilterStore(dir).load()).containsExactlyElementsOf(filters);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(FilterStore.FILE_NAME);
        }
        store.save(List.of());
        assertThat(store.load()).isEmpty();
    }

    @Test
    void neverGivesAnIdTwiceEvenAfterTheFilterIsDeleted() {
        FilterStore store = new FilterStore(dir);
        assertThat(store.nextId()).isEqualTo(1);
        store.save(List.of(Filter.of(1, "a", "arp"), Filter.of(7, "b", "icmp")));
        assertThat(store.nextId()).isEqualTo(8);
        store.save(List.of(Filter.of(1, "a", "arp")));
        assertThat(new FilterStore(dir).nextId()).as("7 was given once; it stays taken").isEqualTo(8);
    }

    @Test
    void aDamagedFileIsRefusedNamingItInsteadOfDroppingFilters() throws IOException {
        Files.writeString(dir.resolve(FilterStore.FILE_NAME), "[{\"id\": 1, \"name\": \"x\"");
        assertThatThrownBy(() -> new FilterStore(dir).load()).isInstanceOf(ConfigException.class)
                .hasMessageContaining(FilterStore.FILE_NAME).hasMessageContaining("not a valid filter list");
        Files.writeString(dir.resolve(FilterStore.FILE_NAME),
                "{\"nextId\": 1, \"filters\": [{\"id\": 0, \"name\": \"x\", \"expression\": \"\"}]}");
        assertThatThrownBy(() -> new FilterStore(dir).load()).hasMessageContaining("filter id 0 must be positive");
    }
}

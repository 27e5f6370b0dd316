package io.pswitch.control.filters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.control.assembly.LogSettings;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.config.ConfigException;
import io.pswitch.dataplane.logging.Durability;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterSyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filter lifecycle on a real running switch (shm ports, real pool and log files, libpcap). */
class FilterServiceTest {
    @TempDir
    Path dir;

    private RunSettings settings(List<Filter> filters) {
        String tag = "fsvc" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        return new RunSettings(dir, 1, 2048, 2048, 64, 32, RunSettings.IdleMode.BACKOFF, 1024, Duration.ofSeconds(300),
                Duration.ofHours(1), true, List.of(PortSpec.parse("a=shm:" + tag + "a"), PortSpec.parse("b=shm:" + tag + "b")),
                new LogSettings(filters, Durability.sync(), 1024), ApiSettings.off());
    }

    @Test
    void addsReplacesAndDeletesFiltersThatComeBackAfterARestart() {
        try (SwitchAssembly sw = SwitchAssembly.start(settings(List.of(Filter.of(1, "ping", "icmp"))))) {
            FilterService filters = new FilterService(sw);
            assertThat(filters.list()).extracting(FilterService.View::name).containsExactly("ping");

            FilterService.View web = filters.add(new FilterService.Request("web", "tcp port 80", 128, Set.of("a"), null));
            assertThat(web.id()).isEqualTo(2);
            assertThat(web.enabled()).isTrue();
            assertThat(sw.filters()).extracting(Filter::name).containsExactly("ping", "web");

            FilterService.View changed = filters.replace(2, new FilterService.Request("web", "tcp port 443", null, null, false));
            assertThat(changed).extracting(FilterService.View::expression, FilterService.View::snaplen, FilterService.View::enabled)
                    .containsExactly("tcp port 443", 0, false);

            filters.delete(1);
            assertThat(filters.list()).extracting(FilterService.View::id).containsExactly(2);
            assertThat(filters.add(new FilterService.Request("dns", "udp port 53", null, null, null)).id())
                    .as("id 1 was given before: never again").isEqualTo(3);
        }
        try (SwitchAssembly sw = SwitchAssembly.start(settings(null))) {
            assertThat(sw.filters()).extracting(Filter::id, Filter::expression)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2, "tcp port 443"),
                            org.assertj.core.groups.Tuple.tuple(3, "udp port 53"));
            assertThat(new FilterService(sw).add(new FilterService.Request("again", "arp", null, null, null)).id()).isEqualTo(4);
        }
    }

    @Test
    void refusesBadFiltersAndChangesNothing() {
        try (SwitchAssembly sw = SwitchAssembly.start(settings(List.of(Filter.of(1, "ping", "icmp"))))) {
            FilterService filters = new FilterService(sw);
            assertThatThrownBy(() -> filters.add(new FilterService.Request("bad", "tcp port", null, null, null)))
                    .isInstanceOf(FilterSyntaxException.class).hasMessageContaining("bad filter expression 'tcp port'");
            assertThatThrownBy(() -> filters.add(new FilterService.Request("ping", "arp", null, null, null)))
                    .isInstanceOf(FilterService.FilterConflictException.class).hasMessage("a filter named 'ping' already exists");
            assertThatThrownBy(() -> filters.add(new FilterService.Request("x", "arp", 5, null, null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snaplen 5");
            assertThatThrownBy(() -> filters.add(new FilterService.Request("x", "arp", null, Set.of("nope"), null)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("names port 'nope'");
            assertThatThrownBy(() -> filters.add(new FilterService.Request(null, "arp", null, null, null)))
                    .hasMessage("field 'name' is required");
            assertThatThrownBy(() -> filters.replace(9, new FilterService.Request("x", "arp", null, null, null)))
                    .isInstanceOf(FilterService.UnknownFilterException.class).hasMessage("no filter with id 9");
            assertThatThrownBy(() -> filters.delete(9)).isInstanceOf(FilterService.UnknownFilterException.class);
            assertThat(sw.filters()).containsExactly(Filter.of(1, "ping", "icmp"));
            assertThat(new FilterStore(dir).load()).containsExactly(Filter.of(1, "ping", "icmp"));
        }
    }

    @Test
    void aBadStoredOrGivenFilterStopsTheStartWithTheReason() {
        assertThatThrownBy(() -> SwitchAssembly.start(settings(List.of(Filter.of(1, "bad", "tcp port")))))
                .isInstanceOf(FilterSyntaxException.class).hasMessageContaining("filter 'bad': bad filter expression 'tcp port'");
        assertThatThrownBy(() -> SwitchAssembly.start(settings(List.of(
                new Filter(1, "x", "arp", 0, Set.of("zz"), true)))))
                .hasMessageContaining("names port 'zz', which this switch does not have");
        // Nothing was left locked or half-open: a good start works.
        try (SwitchAssembly sw = SwitchAssembly.start(settings(List.of()))) {
            assertThat(sw.filters()).isEmpty();
        }
    }
}

package io.pswitch.pktlog.filter;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FilterTest {
    private static void assertInvalid(String message, int id, String name, String expression, int snaplen, Set<String> ports) {
        assertThatThrownBy(() -> new Filter(id, name, expression, snaplen, ports, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void acceptsAWellFormedFilter() {
        Filter f = new Filter(7, "web-80", "tcp port 80", 128, Set.of("p0", "uplink.1"), false);
        assertThat(f.ports()).containsExactlyInAnyOrder("p0", "uplink.1");
        assertThat(f.enabled()).isFalse();
        assertThat(f.withEnabled(true).enabled()).isTrue();
    }

    @Test
    void rejectsIdsThatAreNotPositive() {
        assertInvalid("filter id 0 must be positive", 0, "a", "", 0, Set.of());
    }

    @Test
    void rejectsBadNames() {
        assertInvalid("filter name 'has space' must be 1-64", 1, "has space", "", 0, Set.of());
        assertInvalid("filter name '' must", 1, "", "", 0, Set.of());
        assertInvalid("filter name '-x' must", 1, "-x", "", 0, Set.of());
        assertInvalid("filter name 'null' must", 1, null, "", 0, Set.of());
        assertInvalid("must be 1-64", 1, "a".repeat(65), "", 0, Set.of());
    }

    @Test
    void rejectsSnaplensOutsideZeroOrAnEthernetHeaderToTheMaximum() {
        assertInvalid("filter 'f' snaplen 13 must be 0 (whole frame) or 14..262144", 1, "f", "", 13, Set.of());
        assertInvalid("snaplen 262145", 1, "f", "", 262145, Set.of());
        assertInvalid("snaplen -1", 1, "f", "", -1, Set.of());
        assertThat(new Filter(1, "f", "", 14, Set.of(), true).snaplen()).isEqualTo(14);
        assertThat(new Filter(1, "f", "", 262144, Set.of(), true).snaplen()).isEqualTo(262144);
    }

    @Test
    void rejectsAMissingOrOverlongExpression() {
        assertInvalid("filter 'f' has no expression", 1, "f", null, 0, Set.of());
        assertInvalid("more than 8192", 1, "f", "x".repeat(8193), 0, Set.of());
        assertInvalid("NUL", 1, "f", "tcp\0", 0, Set.of());
    }

    @Test
    void rejectsBadPortNames() {
        assertInvalid("filter 'f' names port 'bad port'", 1, "f", "", 0, Set.of("bad port"));
        Set<String> withNull = new HashSet<>();
        withNull.add(null);
        assertInvalid("names port 'null'", 1, "f", "", 0, withNull);
    }

    @Test
    void treatsMissingPortsAsAllPortsAndCopiesThePortSet() {
        assertThat(new Filter(1, "f", "", 0, null, true).ports()).isEmpty();
        Set<String> ports = new HashSet<>(Set.of("p0"));
        Filter f = new Filter(1, "f", "", 0, ports, true);
        ports.add("p1");
        assertThat(f.ports()).containsExactly("p0");
    }
}

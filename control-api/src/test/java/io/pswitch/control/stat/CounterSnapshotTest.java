package io.pswitch.control.stat;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code pswitch stat} makes of a counters file: groups, and one line for what several workers count. */
class CounterSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void countersOfTheSameLabelOnTwoWorkersPrintAsOneSumAndAGaugeAsItsLargestValue() {
        try (CountersFile file = CountersFile.create(dir.resolve("counters"), 128)) {
            // Two workers each own a share of port a (as a multi-worker dataplane will), one owns b.
            PortCounters a0 = new PortCounters(file, "a", 0);
            PortCounters a1 = new PortCounters(file, "a", 1);
            PortCounters b0 = new PortCounters(file, "b", 0);
            a0.addRx(10, 1000);
            a1.addRx(5, 600);
            a1.addDrop(DropCause.RUNT, 2);
            b0.addTx(7, 700);
            a0.state(PortState.UP);
            a1.state(PortState.DOWN);

            CounterSnapshot s = CounterSnapshot.read(file.reader());
            assertThat(s.value("port a", "rx_frames")).isEqualTo(15);
            assertThat(s.value("port a", "rx_bytes")).isEqualTo(1600);
            assertThat(s.value("port a", "drops cause=runt")).isEqualTo(2);
            assertThat(s.value("port b", "tx_frames")).isEqualTo(7);
            assertThat(s.value("port a", "state")).isEqualTo(PortState.DOWN.ordinal());
            assertThat(s.lines()).filteredOn(l -> l.group().equals("port a") && l.name().equals("rx_frames")).hasSize(1);

            String text = s.format();
            assertThat(text).startsWith("port a\n");
            assertThat(text).containsSubsequence("port a\n", "  rx_frames", "15\n", "port b\n", "  tx_frames", "7\n");
            assertThat(text).containsPattern("(?m)^  state +down$");
        }
    }
}

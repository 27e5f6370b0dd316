package io.pswitch.dataplane.counters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.DropCause;
import io.pswitch.dataplane.port.PortCounters;
import io.pswitch.dataplane.port.PortState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The counters file as another process sees it: mapped anew from the path, through its header. */
class CountersFileTest {
    @TempDir
    Path dir;

    private record Seen(int typeId, int worker, String label, long value) {
    }

    private static List<Seen> read(Path file) {
        CountersReader r = CountersFileReader.open(file).reader();
        List<Seen> seen = new ArrayList<>();
        r.forEach((id, type, key, label) -> seen.add(new Seen(type,
                key.getInt(CountersFileDescriptor.KEY_WORKER_OFFSET), label, r.getCounterValue(id))));
        return seen;
    }

    @Test
    void portCountersWrittenHereAreReadThroughAFreshMappingOfTheFile() {
        Path file = dir.resolve(CountersFileDescriptor.FILE_NAME);
        try (CountersFile counters = CountersFile.create(file, 64)) {
            PortCounters a = new PortCounters(counters, "a", 3);
            a.addRx(5, 300);
            a.addRx(2, 120);
            a.addDrop(DropCause.RING_FULL, 4);
            a.addTxDiscarded(1);
            a.driverRxDrops(9);
            a.state(PortState.INPUT_ENDED);

            List<Seen> seen = read(file);
            assertThat(seen).contains(
                    new Seen(CounterType.PORT_RX_FRAMES, 3, "port a rx_frames", 7),
                    new Seen(CounterType.PORT_RX_BYTES, 3, "port a rx_bytes", 420),
                    new Seen(CounterType.PORT_DROPS, 3, "port a drops cause=ring_full", 4),
                    new Seen(CounterType.PORT_DROPS, 3, "port a drops cause=runt", 0),
                    new Seen(CounterType.PORT_TX_DISCARDED, 3, "port a tx_discarded", 1),
                    new Seen(CounterType.PORT_DRIVER_RX_DROPS, 3, "port a driver_rx_drops", 9),
                    new Seen(CounterType.PORT_STATE, 3, "port a state", PortState.INPUT_ENDED.ordinal()));
            assertThat(a.rxFrames()).isEqualTo(7);
            assertThat(a.totalDrops()).isEqualTo(4);
            assertThat(a.state()).isEqualTo(PortState.INPUT_ENDED);

            CountersFileReader reader = CountersFileReader.open(file);
            assertThat(reader.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(reader.writerAlive()).isTrue();
        }
        assertThat(file).as("a clean close removes the file").doesNotExist();
    }

    @Test
    void aFullFileRefusesANewCounterNamingTheFileAndTheCounter() {
        Path file = dir.resolve("counters");
        try (CountersFile counters = CountersFile.create(file, 2)) {
            counters.allocate(CounterType.LOG_FRAMES, 0, "log frames");
            counters.allocate(CounterType.LOG_BYTES, 0, "log bytes");
            assertThatThrownBy(() -> counters.allocate(CounterType.LOG_RETIRED, 0, "log retired"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("counters file " + file + " is full (2 counters): cannot add 'log retired'");
        }
    }

    @Test
    void aStaleFileIsReplacedAndItsWriterReported() throws Exception {
        Path file = dir.resolve("counters");
        // A file as a killed switch leaves it: a valid header naming a pid that is no longer running.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        CountersFile first = CountersFile.create(file, 8);
        first.allocate(CounterType.LOG_FRAMES, 0, "log frames");
        byte[] bytes = Files.readAllBytes(file);
        new UnsafeBuffer(bytes).putLong(CountersFileDescriptor.PID_OFFSET, gone.pid());
        Files.write(file.resolveSibling("stale"), bytes);
        first.close();
        Files.move(file.resolveSibling("stale"), file);

        CountersFileReader stale = CountersFileReader.open(file);
        assertThat(stale.pid()).isEqualTo(gone.pid());
        assertThat(stale.writerAlive()).isFalse();

        try (CountersFile next = CountersFile.create(file, 8)) {
            assertThat(next.replacedPid()).isEqualTo(gone.pid());
            assertThat(read(file)).isEmpty();
        }
    }

    @Test
    void aFileThatIsNotACountersFileIsRefusedInOneLine() throws Exception {
        Path file = dir.resolve("counters");
        Files.write(file, new byte[4096]);
        assertThatThrownBy(() -> CountersFileReader.open(file)).isInstanceOf(IllegalStateException.class)
                .hasMessage(file + " is not a pswitch counters file");
        assertThatThrownBy(() -> CountersFileReader.open(dir.resolve("none"))).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("no counters file ");
    }
}

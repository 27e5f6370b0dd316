package io.pswitch.dataplane.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferLedgerTest {
    @TempDir
    Path tmp;
    private BufferPool pool;
    private MemoryPort port;

    @BeforeEach
    void open() {
        pool = BufferPool.open(tmp.resolve("pool"), 2048, 64);
        port = new MemoryPort("p0", pool, 8, 8);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void acceptsAPoolWhoseBuffersAreEachInOnePlace() {
        BufferLedger.Audit audit = BufferLedger.verify(pool, List.of(port), new int[0], new int[0]);
        assertThat(audit.reserved()).isEqualTo(2);
        assertThat(audit.inRings()).isEqualTo(16);
        assertThat(audit.free()).isEqualTo(64 - 2 - 16);
        assertThat(audit.ok()).isTrue();
    }

    @Test
    void countsBuffersInFlightAndOwnedByTheLog() {
        int flying = pool.allocate();
        int logged = pool.allocate();
        BufferLedger.Audit audit = BufferLedger.verify(pool, List.of(port), new int[] {flying}, new int[] {logged});
        assertThat(audit.inFlight()).isEqualTo(1);
        assertThat(audit.logged()).isEqualTo(1);
        pool.free(flying);
        pool.free(logged);
    }

    @Test
    void reportsALeakedBuffer() {
        int leaked = pool.allocate();
        BufferLedger.Audit audit = BufferLedger.audit(pool, List.of(port), new int[0], new int[0]);
        assertThat(audit.ok()).isFalse();
        assertThat(audit.problems()).containsExactly("bufIdx " + leaked + " is nowhere (leaked)");
        assertThatThrownBy(() -> BufferLedger.verify(pool, List.of(port), new int[0], new int[0]))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("leaked");
        pool.free(leaked);
    }

    @Test
    void reportsABufferInTwoSlots() {
        Ring rx = port.rxRing();
        int lost = rx.bufIdx[1];
        rx.bufIdx[1] = rx.bufIdx[0];
        BufferLedger.Audit audit = BufferLedger.audit(pool, List.of(port), new int[0], new int[0]);
        assertThat(audit.problems()).containsExactly(
                "bufIdx " + rx.bufIdx[0] + " is both in a ring and in p0.rx slot 1",
                "bufIdx " + lost + " is nowhere (leaked)");
        rx.bufIdx[1] = lost;
    }

    @Test
    void reportsAFreeBufferStillHeldByASlot() {
        Ring tx = port.txRing();
        pool.free(tx.bufIdx[3]);
        BufferLedger.Audit audit = BufferLedger.audit(pool, List.of(port), new int[0], new int[0]);
        assertThat(audit.ok()).isFalse();
        assertThat(audit.problems()).containsExactly("bufIdx " + tx.bufIdx[3] + " is both in the free list and in p0.tx slot 3");
        assertThat(pool.claim(tx.bufIdx[3])).isTrue();
    }

    @Test
    void reportsReservedAndOutOfRangeIndices() {
        Ring rx = port.rxRing();
        int kept = rx.bufIdx[2];
        rx.bufIdx[2] = 0;
        assertThat(BufferLedger.audit(pool, List.of(port), new int[0], new int[0]).problems())
                .contains("bufIdx 0 is both in reserved and in p0.rx slot 2");
        rx.bufIdx[2] = 64;
        assertThat(BufferLedger.audit(pool, List.of(port), new int[0], new int[0]).problems())
                .contains("p0.rx slot 2 holds bufIdx 64, outside the pool (0..63)");
        rx.bufIdx[2] = kept;
    }

    @Test
    void countsALoggedSlotAsTheLogsBuffer() {
        Ring tx = port.txRing();
        int logged = tx.bufIdx[0];
        tx.flags[0] |= Ring.FLAG_LOGGED;
        int replacement = pool.allocate(); // the ring's own buffer, as the logging stage would have swapped it
        BufferLedger.Audit audit = BufferLedger.verify(pool, List.of(port), new int[] {replacement}, new int[] {logged});
        assertThat(audit.logged()).isEqualTo(1);
        assertThat(audit.inRings()).isEqualTo(15);
        BufferLedger.Audit notLogged = BufferLedger.audit(pool, List.of(port), new int[] {replacement}, new int[0]);
        assertThat(notLogged.problems()).contains("p0.tx slot 0 is flagged logged but holds bufIdx " + logged
                + ", which the log does not own");
        tx.flags[0] = 0;
        pool.free(replacement);
    }
}
